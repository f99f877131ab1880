"""Findings: what an auditor should look at, computed from the graph at load time.

Each finding is a W3C Web Annotation (``cg:Finding``) targeting a claim,
marker, reference entry, source or article version, with a code, a severity
(SHACL's sh:Violation / sh:Warning / sh:Info) and a human explanation
(``oa:bodyValue``). The finding types are in ontology/audit.ttl and listed in
ontology/README.md ("Findings").

Findings about one article version live in that version's findings graph
(``findings_graph(version)``), rebuilt whenever the version is written or a
verdict on it is recorded; probable duplicate sources concern the whole store
and live in ``GRAPH_SOURCE_FINDINGS``, rebuilt after every load. Finding IRIs
are derived from what they are about, so rebuilding gives the same IRIs.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from pyoxigraph import NamedNode, Quad

from . import evidence
from .mapping import QuadSink
from .namespaces import CG, ID, OA, RDF, SH
from .store import ClaimStore

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
            version: str | None = None) -> None:
        targets = sorted(targets)
        digest = hashlib.sha256("\n".join([kind.code, *targets]).encode()).hexdigest()[:16]
        node = NamedNode(f"{self.sink.graph.value}/{kind.code.lower().replace('_', '-')}-{digest}")
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


_NORMALISE = re.compile(r"[^0-9a-z]+")


def duplicate_source_findings(store: ClaimStore) -> list[Quad]:
    """Sources sharing an identifier value or a normalised title (of 20+ characters)."""
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in store.select("audit-source-keys"):
        value = str(row["value"]).casefold()
        if row["kind"] == "title":
            value = _NORMALISE.sub(" ", value).strip()
            if len(value) < 20:
                continue  # short titles ("Label", "Guideline") say nothing
        groups[(row["kind"], value)].add(row["source"])
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (kind, value), sources in sorted(groups.items()):
        ordered = sorted(sources)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1:]:
                pairs[(first, second)].append(kind)
    out = FindingSink(GRAPH_SOURCE_FINDINGS)
    for (first, second), kinds in sorted(pairs.items()):
        out.add(DUPLICATE_SOURCE, [first, second],
                f"Two source nodes share the same {' and '.join(sorted(set(kinds)))}: <{first}> and "
                f"<{second}>; probably one work entered twice.")
    return out.quads


def _replace_graphs(store: ClaimStore, graphs: list[NamedNode], quads: list[Quad]) -> None:
    """Swap the content of ``graphs`` for ``quads`` (of those graphs): one write for all
    of them, since a transaction per findings graph cost as much as the findings."""
    # Derived data: a crash between the two steps is mended by the pending-derived note.
    for graph in graphs:
        if store.has_graph(graph):
            store.store.remove_graph(graph)
    if quads:
        store.write(quads)


def _update_graph(store: ClaimStore, graph: NamedNode, quads: list[Quad]) -> None:
    """Make ``graph`` hold exactly ``quads``, touching only what differs: the source
    findings mostly stay the same from one load to the next."""
    wanted = set(quads)
    present = set(store.store.quads_for_pattern(None, None, None, graph))
    for quad in present - wanted:
        store.store.remove(quad)
    if wanted - present:
        store.write(wanted - present)


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Rebuild the findings of ``versions`` (all when None) and of the sources."""
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
    _update_graph(store, GRAPH_SOURCE_FINDINGS, duplicate_source_findings(store))


def refresh_for_work(store: ClaimStore, version: NamedNode) -> None:
    """After a verdict on ``version``: rebuild its work's current version's findings."""
    work = store.select("version-work", version=version)
    if not work:
        return
    current = store.select("current-version", work=NamedNode(work[0]["work"]))
    if current:
        refresh(store, [NamedNode(current[0]["version"])])


__all__ = ["FINDING_TYPES", "GRAPH_SOURCE_FINDINGS", "FindingType", "findings_graph", "refresh",
           "refresh_for_work", "SEVERITY_NAMES", "BY_CODE"]
