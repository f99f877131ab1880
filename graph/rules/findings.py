"""Findings: what an auditor should look at, computed from the graph at load time.

Each finding is a W3C Web Annotation (``cg:Finding``) targeting a claim,
marker, reference entry, source or article version, with a code, a severity
(SHACL's sh:Violation / sh:Warning / sh:Info) and a human explanation
(``oa:bodyValue``). The finding types are in ontology/audit.ttl and listed in
ontology/README.md ("Findings").

Findings about one article version live in that version's findings graph
(``findings_graph(version)``), rebuilt whenever the version is written or a
verdict on it is recorded; probable duplicate sources concern the whole store
and live in ``GRAPH_SOURCE_FINDINGS``, one finding per key shared by a group of
sources, updated for the keys each load touches. Finding IRIs are derived from
what they are about, so rebuilding gives the same IRIs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.index import derived
from claimgraph.graph.rules import evidence
from claimgraph.graph.rdf import iris
from claimgraph.graph import queries
from claimgraph.graph.rdf.mapping import QuadSink
from claimgraph.graph.rdf.namespaces import CG, FABIO, ID, OA, PRISM, RDF, SCHEMA, SH
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.store.embedded import write_quads

GRAPH_SOURCE_FINDINGS = NamedNode(ID + "graph/findings/sources")


@dataclass(frozen=True)
class FindingType:
    term: str  # local name in cg:
    code: str
    severity: NamedNode

    @property
    def iri(self) -> NamedNode:
        return CG[self.term]


UNCITED_CLAIM = FindingType("UncitedClaim", "UNCITED_CLAIM", SH.Violation)
SECTION_KIND_MISMATCH = FindingType("SectionKindMismatch", "SECTION_KIND_MISMATCH", SH.Warning)
DANGLING_MARKER = FindingType("DanglingMarker", "DANGLING_MARKER", SH.Violation)
UNUSED_REFERENCE = FindingType("UnusedReference", "UNUSED_REFERENCE", SH.Info)
UNRESOLVED_SOURCE = FindingType("UnresolvedSourceFinding", "UNRESOLVED_SOURCE", SH.Warning)
DUPLICATE_SOURCE = FindingType("ProbableDuplicateSource", "DUPLICATE_SOURCE", SH.Info)
WEAK_EVIDENCE = FindingType("WeakEvidence", "WEAK_EVIDENCE", SH.Warning)
STALE_REVIEW = FindingType("StaleReview", "STALE_REVIEW", SH.Warning)

FINDING_TYPES = [UNCITED_CLAIM, SECTION_KIND_MISMATCH, DANGLING_MARKER, UNUSED_REFERENCE,
                 UNRESOLVED_SOURCE, DUPLICATE_SOURCE, WEAK_EVIDENCE, STALE_REVIEW]
BY_CODE = {t.code: t for t in FINDING_TYPES}
SEVERITY_NAMES = {SH.Violation.value: "violation", SH.Warning.value: "warning", SH.Info.value: "info"}

WEAK_LEVELS = {evidence.CASE_REPORT.iri.value, evidence.NARRATIVE_REVIEW.iri.value,
               evidence.UNKNOWN.iri.value}
SECTION_NAMES = {CG.GuidelineSection.value: "guidelines", CG.DrugLabelSection.value: "drug label",
                 CG.ResearchSection.value: "research"}


def findings_graph(version: NamedNode) -> NamedNode:
    """``…/id/graph/findings/article/<key>/v-<hash>`` for a version ``…/id/article/<key>/v-<hash>``."""
    return NamedNode(ID + "graph/findings/" + version.value[len(ID.base):])


class FindingSink:
    """Collects finding quads for one graph, minting IRIs from the targets."""

    def __init__(self, graph: NamedNode):
        self.sink = QuadSink(graph)

    def add(self, kind: FindingType, targets: Iterable[str], explanation: str,
            version: str | None = None, *, identity: str | None = None) -> None:
        """One finding; its IRI is minted from its targets, or from ``identity`` for a finding
        whose targets change while it stays the same finding (a group of duplicate sources)."""
        targets = sorted(targets)
        node = self.iri(kind, targets, identity)
        add = self.sink.add
        add(node, RDF.type, CG.Finding)
        add(node, RDF.type, OA.Annotation)
        add(node, OA.motivatedBy, OA.assessing)
        add(node, CG.findingType, kind.iri)
        add(node, CG.findingCode, kind.code)
        add(node, CG.severity, kind.severity)
        add(node, OA.bodyValue, explanation)
        for target in targets:
            add(node, OA.hasTarget, NamedNode(target))
        if version is not None:
            add(node, CG.inArticle, NamedNode(version))

    def iri(self, kind: FindingType, targets: list[str], identity: str | None = None) -> NamedNode:
        slug = kind.code.lower().replace("_", "-")
        if identity is not None:
            digest = hashlib.sha256(f"{kind.code}\nkey\n{identity}".encode()).hexdigest()[:16]
            return NamedNode(f"{self.sink.graph.value}/{slug}-key-{digest}")
        digest = hashlib.sha256("\n".join([kind.code, *targets]).encode()).hexdigest()[:16]
        return NamedNode(f"{self.sink.graph.value}/{slug}-{digest}")

    @property
    def quads(self) -> list[Quad]:
        return self.sink.quads


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def version_findings(store: ClaimStore, version: NamedNode, current: bool) -> list[Quad]:
    """Every finding about one article version (stale reviews only for the current one)."""
    out = FindingSink(findings_graph(version))
    v = version.value
    for row in store.select("audit-claims", version=version):
        n, claim = row["position"], row["claim"]
        quoted = f"“{_short(row['text'])}”"
        section = SECTION_NAMES.get(row["section_kind"] or "")
        if not row["cited"]:
            where = f" in the {section} section" if section else ""
            out.add(UNCITED_CLAIM, [claim], f"Claim {n}{where} cites no source: {quoted}.", v)
            continue
        if row["section_kind"] == CG.GuidelineSection.value and not row["guidelines"]:
            out.add(SECTION_KIND_MISMATCH, [claim],
                    f"Claim {n} is in a guidelines section but cites no guideline: {quoted}.", v)
        if row["section_kind"] == CG.DrugLabelSection.value and not row["labels"]:
            out.add(SECTION_KIND_MISMATCH, [claim],
                    f"Claim {n} is in a drug label section but cites no drug label: {quoted}.", v)
        if (row["strongest"] or evidence.UNKNOWN.iri.value) in WEAK_LEVELS:
            level = evidence.BY_IRI.get(row["strongest"] or "", evidence.UNKNOWN)
            out.add(WEAK_EVIDENCE, [claim],
                    f"The strongest evidence claim {n} cites is “{level.label}”: {quoted}.", v)
    for row in store.select("audit-dangling-markers", version=version):
        out.add(DANGLING_MARKER, [row["marker"]],
                f"Marker {row['label']} in claim {row['position']} points to no entry of the "
                "reference list.", v)
    for row in store.select("audit-unused-references", version=version):
        out.add(UNUSED_REFERENCE, [row["entry"]],
                f"Reference entry {row['label']} is not cited by any marker in the text.", v)
    labels: dict[str, list[str]] = defaultdict(list)
    for row in store.select("audit-unresolved-sources", version=version):
        labels[row["source"]].append(row["label"])
    for source, cited_as in sorted(labels.items()):
        out.add(UNRESOLVED_SOURCE, [source],
                f"The source cited as {', '.join(sorted(set(cited_as)))} has no DOI, PMID, PMCID, "
                "DailyMed SetID or URL; nobody can check it until it is identified.", v)
    if current:
        for row in store.select("audit-stale-reviews", current=version):
            target = row["current_claim"] or v
            out.add(STALE_REVIEW, [target],
                    f"Claim {row['position']} was last reviewed by {row['reviewer']} on "
                    f"{row['time'][:10]} in an older version; the article changed since: review "
                    "it again.", v)
    return out.quads


# -- probable duplicate sources -------------------------------------------------
# One finding per key that two or more source nodes share: an identifier value, or the
# normalised title + year the mapping stores as cg:titleYearKey (an indexed literal, so
# a key's members are one lookup). Per group, not per pair: a title shared by n label
# nodes is one finding with n targets, not n(n-1)/2 findings. Its IRI is minted from the
# key, so a load that adds a member rewrites that one finding.
Key = tuple[str, str]  # (kind, value)
_KEY_PROPERTIES = {"doi": PRISM.doi, "pmid": FABIO.hasPubMedId, "pmcid": FABIO.hasPubMedCentralId,
                   "setid": CG.splSetId, "title": CG.titleYearKey, "url": SCHEMA.url}
_KEY_NAMES = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID", "setid": "DailyMed SetID", "url": "URL"}
_MIN_TITLE = 20  # short titles ("Label", "Guideline") say nothing
# More keys than this to check: one pass over every key beats a lookup per key.
_LOOKUP_LIMIT = 300


def _key(kind: str, value) -> Key | None:
    value = str(value or "")
    if kind == "title" and len(value.partition("|")[2]) < _MIN_TITLE:
        return None
    return (kind, value) if value else None


def _keyed(rows: Iterable[dict]) -> dict[Key, set[str]]:
    groups: dict[Key, set[str]] = defaultdict(set)
    for row in rows:
        key = _key(row["kind"], row["value"])
        if key is not None:
            groups[key].add(row["source"])
    return groups


def _keys_of(store: ClaimStore, sources: Iterable[str]) -> set[Key]:
    """The keys every graph states for ``sources`` (each copy of a popular source's)."""
    keys: set[Key] = set()
    for chunk in derived.chunks(sources):
        keys |= set(_keyed(store.select(queries.with_iri_values("findings-source-keys", source=chunk))))
    return keys


def _keys_in(store: ClaimStore, cited: dict[NamedNode, set[str]]) -> set[Key]:
    """The keys the sources graphs state for the sources that versions cite (``cited``:
    version -> sources it cites): a source is described there once, not in the versions'
    graphs, so one query per block of sources and graph, whatever the number of versions."""
    keys: set[Key] = set()
    for chunk in derived.chunks(set().union(*cited.values()) if cited else ()):
        text = queries.with_iri_values("findings-source-keys-in-graph", source=chunk)
        for graph in (iris.GRAPH_SOURCES, iris.GRAPH_CITED):
            keys |= set(_keyed(store.select(text, g=graph)))
    return keys


def _members(store: ClaimStore, keys: set[Key]) -> dict[Key, set[str]]:
    """Every source carrying each key, in the whole store."""
    if len(keys) > _LOOKUP_LIMIT:
        every = _keyed(store.select("findings-source-keys"))
        return {key: every.get(key, set()) for key in keys}
    return {(kind, value): {row["source"] for term in _key_terms(kind, value) for row in store.select(
                "findings-sources-with-key", property=_KEY_PROPERTIES[kind], value=term)}
            for kind, value in keys}


def _key_terms(kind: str, value: str) -> list:
    """The RDF terms a key's value may be stored as: a URL is an IRI, or a literal when it is
    not a valid one (rdf/mapping.py)."""
    if kind != "url":
        return [value]
    try:
        return [NamedNode(value), value]
    except ValueError:
        return [value]


def _duplicate_explanation(kind: str, value: str, count: int) -> str:
    if kind == "title":
        year, _, words = value.partition("|")
        shared = f"the title “{words}” and the year {year}"
    else:
        shared = f"the {_KEY_NAMES[kind]} {value}"
    return f"{count} source nodes share {shared}; probably one work entered more than once."


def duplicate_source_findings(groups: dict[Key, set[str]]) -> list[Quad]:
    """The findings of the groups that have two or more members."""
    out = FindingSink(GRAPH_SOURCE_FINDINGS)
    for (kind, value), members in sorted(groups.items()):
        if len(members) > 1:
            out.add(DUPLICATE_SOURCE, members, _duplicate_explanation(kind, value, len(members)),
                    identity=f"{kind}|{value}")
    return out.quads


def _holds_pair_findings(store: ClaimStore) -> bool:
    """Findings written before groups (one per pair of sources) are replaced all at once:
    the graph holds one kind or the other, so its first finding tells which."""
    for quad in store.quads(None, CG.findingCode, Literal(DUPLICATE_SOURCE.code),
                                              GRAPH_SOURCE_FINDINGS):
        return "-key-" not in quad.subject.value
    return False


def refresh_duplicates(store: ClaimStore, sources: Iterable[str | NamedNode] | None,
                       cited: dict[NamedNode, set[str]] | None = None) -> None:
    """Bring the duplicate-source findings in step with the store, by difference.

    ``sources=None``: every key in the store. Otherwise only the keys of ``sources``
    (what a load cites or a record describes) and of the sources grouped with them so
    far -- the keys a source leaves (folded into another node) are among the latter.
    ``cited`` (version -> the sources it cites, for an article load): an article load
    only adds statements, in its versions' graphs, so the groups it can change are those
    of the keys stated there (read in those graphs and the sources graph only), and no
    member leaves a group; the other findings stay as they are. Every graph's copy of a
    popular source's keys, and of its group's members', was read otherwise (1.7 s per
    added article on 10 000 articles). Folds rewrite older graphs: sources.refresh calls
    this without ``cited`` for the nodes it folds."""
    graph = GRAPH_SOURCE_FINDINGS
    if sources is None or _holds_pair_findings(store):
        present = list(store.quads(None, None, None, graph))
        derived.apply_changes(store, present, duplicate_source_findings(_keyed(store.select("findings-source-keys"))))
        return
    sources = {s.value if isinstance(s, NamedNode) else s for s in sources}
    if not sources:
        return
    if cited is not None:
        earlier: set = set()
        keys = _keys_in(store, cited)
    else:
        earlier = {q.subject for s in sources
                   for q in store.quads(None, OA.hasTarget, NamedNode(s), graph)}
        involved = sources | {q.object.value for f in earlier
                              for q in store.quads(f, OA.hasTarget, None, graph)}
        keys = _keys_of(store, involved)
    sink = FindingSink(graph)
    findings = earlier | {sink.iri(DUPLICATE_SOURCE, [], f"{kind}|{value}") for kind, value in keys}
    present = [q for f in findings for q in store.quads(f, None, None, graph)]
    derived.apply_changes(store, present, duplicate_source_findings(_members(store, keys)))


def _version_sources(store: ClaimStore, versions: list[NamedNode]) -> dict[NamedNode, set[str]]:
    return {version: {row["source"] for row in store.select("findings-version-sources", version=version)}
            for version in dict.fromkeys(versions)}


def _replace_graphs(store: ClaimStore, graphs: list[NamedNode], quads: list[Quad]) -> None:
    """Swap the content of ``graphs`` for ``quads`` (of those graphs): one write for all
    of them, since a transaction per findings graph cost as much as the findings."""
    # Derived data: a crash between the two steps is mended by the pending-derived note.
    for graph in graphs:
        if store.has_graph(graph):
            store.drop_graph(graph)
    if quads:  # a first load's findings through the bulk loader: 0.9 s instead of 2.4 at S
        write_quads(store, quads)


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Rebuild the findings of ``versions`` (all when None) and the duplicate-source
    findings of the sources they cite (of every source when None)."""
    if versions is None:
        rows = store.select("article-versions")
    else:  # only the versions asked about: listing every version grows with the store
        rows = [row for v in dict.fromkeys(versions) for row in store.select("article-versions", version=v)]
    current = {r["version"]: bool(r["current"]) for r in rows}
    chosen = sorted(current) if versions is None else [v.value for v in dict.fromkeys(versions)]
    graphs, quads = [], []
    for version in chosen:
        node = NamedNode(version)
        graphs.append(findings_graph(node))
        quads += version_findings(store, node, current.get(version, False))
    _replace_graphs(store, graphs, quads)
    if versions is None:
        refresh_duplicates(store, None)
    else:
        cited = _version_sources(store, versions)
        refresh_duplicates(store, set().union(*cited.values()), cited)


def refresh_for_work(store: ClaimStore, version: NamedNode) -> NamedNode | None:
    """After a verdict on ``version``: rebuild its work's current version's findings;
    returns that version (None when there is none)."""
    work = store.select("version-work", version=version)
    if not work:
        return None
    current = store.select("current-version", work=NamedNode(work[0]["work"]))
    if not current:
        return None
    node = NamedNode(current[0]["version"])
    refresh(store, [node])
    return node


def version_finding_rows(store: ClaimStore, version: str) -> list[dict]:
    """audit-findings.rq's rows for ``version``, ordered by code, target, finding.

    Sorted here, not by ORDER BY: pyoxigraph reads each compared IRI and long
    literal back from its dictionary, which took as long as the query itself
    (40 ms for 800 rows); the rows hold them as Python strings already."""
    rows = store.select("audit-findings", version=NamedNode(version))
    rows.sort(key=lambda row: (row["code"], row["target"], row["finding"]))
    return rows


__all__ = ["FINDING_TYPES", "GRAPH_SOURCE_FINDINGS", "FindingType", "findings_graph", "refresh",
           "refresh_duplicates", "refresh_for_work", "version_finding_rows", "SEVERITY_NAMES", "BY_CODE"]
