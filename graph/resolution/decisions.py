"""A reviewer's decision on what an unresolved reference is: confirm, reject or withdraw.

Recorded like a verdict (graph/reviews.py): its own named graph, whose IRI is the
decision's, never changed afterwards; PROV says who, when and what was used; the
suggestion acted on (its score and reason copied, since suggestions are rebuilt). The
write carries change notes for every article version citing the reference, and
``derived.catch_up`` then brings the resolutions graph -- and through it pages,
findings, evidence levels and search -- in step. The article versions stay as loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from claimgraph.loaders.records import Identifiers, Source

from claimgraph.graph.index import derived
from claimgraph.graph.rdf.mapping import QuadSink
from claimgraph.graph.rdf.namespaces import BIRO, CG, FOAF, ID, OA, PROV, RDF, RDFS, XSD
from claimgraph.graph.write.reviews import MAX_NOTE, ReviewError, _now, reviewer_iri
from claimgraph.graph.write.sources import matches
from claimgraph.graph.store import ClaimStore
from . import ACTIONS, suggestion_iri, suggestions


@dataclass
class RecordedDecision:
    iri: str
    reference: str
    source: str
    action: str
    reviewer: str
    time: str
    score: float | None
    reason: str | None


def reference_node(store: ClaimStore, reference: str) -> NamedNode:
    """The unresolved source node for ``reference``: that node's IRI, or a reference entry's
    (``…/v-…/ref-2``), which points at it. ReviewError when it is neither."""
    try:
        node = NamedNode(reference)
    except ValueError as exc:
        raise ReviewError(f"not an IRI: {exc}") from None
    for q in store.quads(node, BIRO.references, None, None):
        node = q.object
        break
    if not any(True for _ in store.quads(node, CG.resolution, CG.Unresolved, None)):
        raise ReviewError(f"{reference} is not an unresolved reference (a source node with no identifier, or "
                          "the reference entry pointing at one)")
    return node


def source_node(store: ClaimStore, source: str) -> NamedNode:
    """A stored source: its IRI, or ``doi:…``, ``pmid:…``, ``pmcid:…``, ``setid:…``."""
    kind, _, value = source.partition(":")
    if kind.lower() in ("doi", "pmid", "pmcid", "setid") and value and not value.startswith("//"):
        value = value.strip()
        ids = Identifiers(**{kind.lower(): value.lower() if kind.lower() in ("doi", "setid") else value})
        found = matches(store, Source(identifiers=ids))
        if not found:
            raise ReviewError(f"no source with {kind.upper()} {value} in the store")
        return found[0]
    try:
        node = NamedNode(source)
    except ValueError as exc:
        raise ReviewError(f"not an IRI or identifier: {exc}") from None
    if not any(True for _ in store.quads(node, RDF.type, CG.Source, None)):
        raise ReviewError(f"no source {source} in the store")
    return node


def record_decision(store: ClaimStore, reference: str, source: str, action: str, reviewer: str,
                    note: str = "", at: str | None = None) -> RecordedDecision:
    """Write one decision in its own graph and bring the derived data in step."""
    if action not in ACTIONS:
        raise ReviewError(f"unknown decision {action!r}; use one of: {', '.join(ACTIONS)}")
    reviewer = " ".join((reviewer or "").split())
    if not reviewer:
        raise ReviewError("a decision needs the reviewer's name")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ReviewError(f"the note is {len(note)} characters, over the {MAX_NOTE} limit")
    target = reference_node(store, reference)
    body = source_node(store, source)
    if body == target:
        raise ReviewError("a reference cannot be identified as itself")
    if any(True for _ in store.quads(body, CG.resolution, CG.Unresolved, None)) and \
            not any(True for _ in store.quads(body, CG.resolution, CG.Resolved, None)):
        raise ReviewError(f"{body.value} is itself unresolved: name a record (a DOI, PMID, SetID or its IRI)")
    versions = [NamedNode(r["version"]) for r in store.select("resolve-citing-versions", source=target)]
    offered = next((c for c in suggestions(store, [target.value]).get(target.value, {}).get("candidates", [])
                    if c["candidate"] == body.value), None)

    time = at or _now()
    digest = hashlib.sha256("\n".join([target.value, body.value, action, reviewer, time, note]).encode()).hexdigest()[:16]
    stamp = "".join(c for c in time if c.isdigit())[:20]
    node = NamedNode(f"{ID}resolution/{stamp}-{digest}")  # also the name of its graph
    activity = NamedNode(node.value + "/review")
    person = reviewer_iri(reviewer)
    when = Literal(time, datatype=XSD.dateTime)

    sink = QuadSink(node)
    for cls in (CG.ResolutionDecision, OA.Annotation, PROV.Entity):
        sink.add(node, RDF.type, cls)
    sink.add(node, OA.motivatedBy, OA.identifying)
    sink.add(node, OA.hasTarget, target)
    sink.add(node, OA.hasBody, body)
    sink.add(node, CG.decision, ACTIONS[action])
    if note:
        sink.add(node, OA.bodyValue, note)
    if offered is not None:
        sink.add(node, CG.fromSuggestion, suggestion_iri(target.value, body.value))
        sink.add(node, CG.matchScore, Literal(f"{offered['score']:.2f}", datatype=XSD.decimal))
        sink.add(node, CG.matchReason, offered["reason"])
    sink.add(node, PROV.wasAttributedTo, person)
    sink.add(node, PROV.generatedAtTime, when)
    sink.add(node, PROV.wasGeneratedBy, activity)
    sink.add(activity, RDF.type, CG.ResolutionReview)
    sink.add(activity, RDF.type, PROV.Activity)
    sink.add(activity, PROV.endedAtTime, when)
    sink.add(activity, PROV.wasAssociatedWith, person)
    for version in versions:
        sink.add(activity, PROV.used, version)
    sink.add(activity, PROV.used, body)
    sink.add(person, RDF.type, CG.Reviewer)
    sink.add(person, RDF.type, PROV.Person)
    sink.add(person, FOAF.name, reviewer)
    sink.add(person, RDFS.label, reviewer)
    # Every version citing the reference: its pages, findings and levels follow the decision.
    store.write([*derived.note_quads(versions or None), *sink.quads])
    derived.catch_up(store)
    store.flush()
    return RecordedDecision(node.value, target.value, body.value, action, reviewer, time,
                            offered["score"] if offered else None, offered["reason"] if offered else None)


__all__ = ["RecordedDecision", "record_decision", "reference_node", "source_node"]
