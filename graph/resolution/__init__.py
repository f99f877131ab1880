"""From a bare marker to its source: suggestions, reviewers' decisions and what follows them.

An article that lost its reference list cites "2" and nothing more: the mapping stores
an unresolved source node scoped to the article and marker. This package

* suggests what each such reference is, from the records loaded (``candidates``), and
* applies reviewers' decisions on those suggestions (``decisions``: confirm, reject,
  withdraw -- each its own named graph with PROV, never changed afterwards).

Both results live in one derived graph, ``GRAPH_RESOLUTIONS``, rebuilt by the one
pipeline (``refresh`` is the first of ``derived.DERIVED_MODULES``): suggestions as
``cg:ResolutionSuggestion`` annotations (oa:motivatedBy oa:identifying) with their
score, reason and passage; each reference's ``cg:resolutionSearch`` sentence (what was
compared, kept when nothing was suggested); and, for a reference whose latest decision
confirms a candidate, ``<reference> cg:identifiedAs <record>``. The article version
stays as loaded: pages, findings, evidence levels and search read ``identified`` and
follow the link.

Why a graph and not a cache beside the index: the suggestion is evidence a reviewer
acts on and an auditor may ask about, so it is queryable over SPARQL, exported with the
store and compared by ``graph.check`` like every other derived graph; and computing it
needs the whole record pool, which a page request should not read.

When is it redone: for the references of the article versions a refresh names (and of
the versions they revise), and for every reference when the pool of records changed
(``cg:poolDigest``, a digest of the record-described sources and their files, kept in
the graph) or on a rebuild.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.index import derived
from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import CG, ID, OA, RDF, XSD
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.rdf import kinds
from . import candidates as cand
from .candidates import Candidate, Guideline, LabelSection, Pool, Reference, Study

GRAPH_RESOLUTIONS = NamedNode(ID + "graph/resolutions")
_KINDS = kinds.SLUG_BY_CLASS
CONFIRM, REJECT, WITHDRAW = "confirm", "reject", "withdraw"
ACTIONS = {CONFIRM: CG.Confirmed, REJECT: CG.Rejected, WITHDRAW: CG.Withdrawn}
ACTION_NAMES = {term.value: name for name, term in ACTIONS.items()}


# -- reading --------------------------------------------------------------------------
def identified(store: ClaimStore, sources) -> dict[str, str]:
    """Unresolved source IRI -> the record a confirmation identifies it as (only those that have one)."""
    return {source: target for source, (target, _) in identified_with_decision(store, sources).items()}


def identified_with_decision(store: ClaimStore, sources) -> dict[str, tuple[str, str]]:
    """Unresolved source IRI -> (record, the confirming decision's IRI)."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in derived.chunks(sources):
        for row in store.select(queries.with_iri_values("resolve-identified", source=chunk)):
            found[row["source"]] = (row["target"], row["decision"])
    return found


def suggestions(store: ClaimStore, sources) -> dict[str, dict]:
    """Source IRI -> {"compared": sentence, "candidates": [rows best first]} for the
    unresolved sources given (those with no search recorded are left out)."""
    out: dict[str, dict] = {}
    for chunk in derived.chunks(sources):
        for row in store.select(queries.with_iri_values("resolve-suggestions", source=chunk)):
            entry = out.setdefault(row["source"], {"compared": row["compared"], "candidates": []})
            if row["candidate"] and all(c["suggestion"] != row["suggestion"] for c in entry["candidates"]):
                entry["candidates"].append({
                    "suggestion": row["suggestion"], "candidate": row["candidate"], "rank": row["rank"],
                    "score": float(row["score"]), "basis": row["basis"], "reason": row["reason"],
                    "passage": row["passage"], "where": row["where"], "title": row["title"]})
    for entry in out.values():
        entry["candidates"].sort(key=lambda c: c["rank"])
    return out


def decision_rows(store: ClaimStore, target: str | None = None) -> list[dict]:
    """Every decision (on one reference's source node), oldest first."""
    rows = store.select("resolve-decisions", **({"target": NamedNode(target)} if target else {}))
    for row in rows:
        row["action_name"] = ACTION_NAMES.get(row["action"], row["action"])
    return rows


def in_force(rows: list[dict]) -> dict[str, tuple[str, str]]:
    """Per target, the (record, decision) its decisions leave confirmed: of the pairs whose
    latest decision is a confirmation, the latest one. ``rows`` oldest first."""
    latest: dict[tuple[str, str], dict] = {}
    for row in rows:
        latest[(row["target"], row["body"])] = row
    result: dict[str, tuple[str, str]] = {}
    for row in sorted(latest.values(), key=lambda r: (str(r["time"]), r["decision"])):
        if row["action_name"] == CONFIRM:  # a later confirmation of another record wins
            result[row["target"]] = (row["body"], row["decision"])
    return result


def rejected(rows: list[dict]) -> dict[str, set[str]]:
    """Per target, the records whose latest decision for it is a rejection."""
    latest: dict[tuple[str, str], str] = {}
    for row in rows:
        latest[(row["target"], row["body"])] = row["action_name"]
    out: dict[str, set[str]] = defaultdict(set)
    for (target, body), action in latest.items():
        if action == REJECT:
            out[target].add(body)
    return out


# -- what is compared -------------------------------------------------------------------
# The record pool of each store as last read, by its digest: reading every label section's
# text is most of a refresh's cost, and the pool only changes when records are loaded (which
# changes the digest). One entry per store; a store reopened reads it again.
_POOLS: dict[int, tuple[str, Pool]] = {}


def read_pool(store: ClaimStore, digest: str | None = None) -> Pool:
    """The records candidates are drawn from, with the vocabulary's drug classes."""
    cached = _POOLS.get(id(store))
    if digest is not None and cached is not None and cached[0] == digest:
        pool = cached[1]
    else:
        pool = _read_records(store)
        if digest is not None:
            _POOLS[id(store)] = (digest, pool)
    pool.drug_classes, pool.drug_names = {}, {}  # the vocabulary may have grown: read every time (small)
    for row in store.select("resolve-drug-concepts"):
        classes = pool.drug_classes.setdefault(str(row["name"]).casefold(), {row["concept"]})
        if row["ancestor"]:
            classes.add(row["ancestor"])
        pool.drug_names[row["concept"]] = str(row["pref"])
    return pool


def _read_records(store: ClaimStore) -> Pool:
    pool = Pool()
    for row in store.select("resolve-pool-labels"):
        heading = _label_heading(row)
        pool.labels.append(LabelSection(row["label"], row["version"], row["section"], str(row["text"]), heading,
                                        {n for n in (row["names"] or "").split("|") if n}))
    guidelines: dict[str, Guideline] = {}
    for row in store.select("resolve-pool-guidelines"):
        g = guidelines.get(row["source"])
        if g is None:
            names = {str(n) for n in (row["org_name"], row["org_short"]) if n}
            g = guidelines[row["source"]] = Guideline(row["source"], str(row["title"] or ""), row["org"], names,
                                                      str(row["title"] or ""))
        if row["recommendation"]:
            g.text += ". " + str(row["recommendation"])
    pool.guidelines = [guidelines[k] for k in sorted(guidelines)]
    for row in store.select("resolve-pool-studies"):
        text = ". ".join(str(v) for v in (row["title"], row["abstract"], row["terms"]) if v)
        if text:
            pool.studies.append(Study(row["source"], str(row["title"] or ""), text))
    return pool


def _label_heading(row: dict) -> str:
    """"PRECAUTIONS › Neuro-psychiatric (LOINC 42232-9 PRECAUTIONS SECTION)": the section's
    title and the nearest LOINC name that is not "unclassified"."""
    titles = [str(t) for t in (row["parent_title"], row["title"]) if t]
    code, name = row["loinc"], row["loinc_name"]
    if (not name or "UNCLASSIFIED" in str(name).upper()) and row["parent_loinc_name"]:
        code, name = row["parent_loinc"], row["parent_loinc_name"]
    loinc = f" (LOINC {code} {name})" if code and name else ""
    return f"“{' › '.join(titles) or 'untitled'}”{loinc}"


def pool_digest(store: ClaimStore) -> str:
    rows = store.select("resolve-pool-files")
    text = "\n".join(f"{r['source']} {r['file']}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Above this many changed sources a refresh reads every unresolved reference in one query
# rather than one query per source.
BOUND_QUERIES_UP_TO = 200


def read_references(store: ClaimStore, version: str | None = None,
                    sources: set[str] | None = None) -> list[Reference]:
    """The unresolved references of current versions (or of one version), with their
    citing text; only those of ``sources`` when given (one bound query each: what a
    load touched, without reading every unresolved reference of the store)."""
    if sources is None:
        rows = store.select("resolve-references", **({"version": NamedNode(version)} if version else {}))
    else:
        rows = [row for source in sorted(sources)
                for row in store.select("resolve-references", source=NamedNode(source),
                                        **({"version": NamedNode(version)} if version else {}))]
        rows.sort(key=lambda row: (row["version"], row["source"], str(row["label"])))
    by_version: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["current"]:
            by_version[row["version"]].append(row)
    refs: dict[str, Reference] = {}  # a node cited by two articles (same entry text): the first
    for v, found in sorted(by_version.items()):
        claims = _claims_of(store, v)
        for row in found:
            if row["source"] not in refs:
                refs[row["source"]] = _reference(row, claims)
    return list(refs.values())


def _claims_of(store: ClaimStore, version: str) -> dict[str, dict]:
    claims: dict[str, dict] = {}
    for row in store.select("resolve-version-claims", version=NamedNode(version)):
        claim = claims.setdefault(row["claim"], {"position": row["position"], "text": str(row["text"]),
                                                 "section": row["section"], "title": row["section_title"],
                                                 "parent": row["parent"], "sources": set(), "concepts": set()})
        if row["source"]:
            claim["sources"].add(row["source"])
        if row["concept"]:
            claim["concepts"].add(row["concept"])
    return claims


def _reference(row: dict, claims: dict[str, dict]) -> Reference:
    citing = sorted((c for c in claims.values() if row["source"] in c["sources"]), key=lambda c: c["position"])
    sections = list(dict.fromkeys(c["section"] for c in citing if c["section"]))
    in_sections = [c for c in sorted(claims.values(), key=lambda c: c["position"]) if c["section"] in sections]
    titles = list(dict.fromkeys(str(c["title"]) for c in citing if c["title"]))
    drugs = set().union(*(c["concepts"] for c in in_sections)) if in_sections else set()
    return Reference(source=row["source"], label=str(row["label"]), version=row["version"],
                     kind=_KINDS.get(row["kind"] or ""), org=row["org"], claims=[c["text"] for c in citing],
                     section_titles=titles, section_text=" ".join(c["text"] for c in in_sections), drugs=drugs)


# -- the derived graph ----------------------------------------------------------------------
def suggestion_iri(source: str, candidate: str) -> NamedNode:
    digest = hashlib.sha256(f"{source}\n{candidate}".encode()).hexdigest()[:16]
    return NamedNode(f"{ID}suggestion/{digest}")


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.2f}", datatype=XSD.decimal)


def reference_quads(ref: Reference, found: list[Candidate], compared: str) -> list[Quad]:
    g, source = GRAPH_RESOLUTIONS, NamedNode(ref.source)
    quads = [Quad(source, CG.resolutionSearch, Literal(compared), g),
             Quad(source, CG.resolutionSearchIn, NamedNode(ref.version), g)]
    for rank, c in enumerate(found, start=1):
        node = suggestion_iri(ref.source, c.source)
        quads += [Quad(node, RDF.type, CG.ResolutionSuggestion, g), Quad(node, RDF.type, OA.Annotation, g),
                  Quad(node, OA.motivatedBy, OA.identifying, g), Quad(node, OA.hasTarget, source, g),
                  Quad(node, OA.hasBody, NamedNode(c.source), g),
                  Quad(node, CG.suggestionRank, Literal(str(rank), datatype=XSD.integer), g),
                  Quad(node, CG.matchScore, _decimal(c.score), g), Quad(node, CG.matchBasis, Literal(c.basis), g),
                  Quad(node, CG.matchReason, Literal(c.reason), g)]
        if c.passage:
            quads.append(Quad(node, CG.matchedPassage, Literal(c.passage), g))
        if c.where:
            quads.append(Quad(node, CG.matchedIn, NamedNode(c.where), g))
    return quads


def link_quads(target: str, body: str, decision: str) -> list[Quad]:
    g, node = GRAPH_RESOLUTIONS, NamedNode(target)
    return [Quad(node, CG.identifiedAs, NamedNode(body), g),
            Quad(node, CG.resolutionDecision, NamedNode(decision), g)]


def _quads_about(store: ClaimStore, sources: set[str]) -> list[Quad]:
    """What the graph says of these references: their own statements and their suggestions."""
    out: list[Quad] = []
    for source in sorted(sources):
        node = NamedNode(source)
        out += list(store.quads(node, None, None, GRAPH_RESOLUTIONS))
        for q in store.quads(None, OA.hasTarget, node, GRAPH_RESOLUTIONS):
            out += list(store.quads(q.subject, None, None, GRAPH_RESOLUTIONS))
    return out


def audit_quads(store: ClaimStore, sources) -> list[Quad]:
    """For an audit export of versions citing ``sources``: the decision graphs on them and
    what the resolutions graph says of them (links, suggestions, what was compared)."""
    names = {s.value if isinstance(s, NamedNode) else str(s) for s in sources}
    out = _quads_about(store, names)
    for source in sorted(names):
        for row in decision_rows(store, source):
            out += list(store.quads(None, None, None, NamedNode(row["decision"])))
    return out


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """The pipeline's step: suggestions and confirmed links for what changed (None: all)."""
    digest = pool_digest(store)
    stored = [q.object.value for q in store.quads(GRAPH_RESOLUTIONS, CG.poolDigest, None, GRAPH_RESOLUTIONS)]
    everything = versions is None or stored != [digest]
    all_decisions = decision_rows(store)
    if everything:
        affected = None
    else:
        affected = set()
        for version in versions:
            # what was searched for in this version (whose graph may be gone by now)
            affected |= {q.subject.value for q in store.quads(None, CG.resolutionSearchIn, version, GRAPH_RESOLUTIONS)}
            for row in store.select("resolve-version-sources", version=version):
                if row["source"]:
                    affected.add(row["source"])
                if row["previous"]:
                    affected |= {r["source"] for r in store.select("resolve-version-sources",
                                                                   version=NamedNode(row["previous"]))
                                 if r["source"]}
        if not affected:
            return
    _rewrite(store, affected, digest, all_decisions)


def _rewrite(store: ClaimStore, affected: set[str] | None, digest: str, all_decisions: list[dict]) -> None:
    confirmed = in_force(all_decisions)
    refused = rejected(all_decisions)
    pool = read_pool(store, digest)
    # Bound queries for a small change (a load of a few articles: each a look-up); one
    # query over every unresolved reference for a large one (a bulk load's 1 000 articles).
    bound = affected is not None and len(affected) <= BOUND_QUERIES_UP_TO
    refs = [r for r in read_references(store, sources=affected if bound else None)
            if affected is None or r.source in affected]
    inserts: list[Quad] = [Quad(GRAPH_RESOLUTIONS, CG.poolDigest, Literal(digest), GRAPH_RESOLUTIONS)]
    for ref in refs:
        if ref.source in confirmed:
            continue  # identified: nothing left to suggest
        found = cand.candidates(pool, ref, refused.get(ref.source, set()))
        inserts += reference_quads(ref, found, cand.compared(pool, ref))
    for target, (body, decision) in sorted(confirmed.items()):
        if affected is None or target in affected:
            inserts += link_quads(target, body, decision)
    if affected is None:
        deletes = list(store.quads(None, None, None, GRAPH_RESOLUTIONS))
    else:
        deletes = _quads_about(store, affected)
        deletes += list(store.quads(GRAPH_RESOLUTIONS, CG.poolDigest, None, GRAPH_RESOLUTIONS))
    derived.apply_changes(store, deletes, inserts)


__all__ = ["GRAPH_RESOLUTIONS", "identified", "refresh", "suggestions", "decision_rows", "in_force", "rejected",
           "read_pool", "read_references"]
