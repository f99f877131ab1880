"""Evidence levels: how strong a citation's source is, on one ordered scale.

The scale and its order are documented in ontology/README.md; rank 1 is the
strongest. A citation's level is derived from what is known of its source (its
kind and, for studies, its PubMed publication types); a claim's strongest level
is the best rank among its citations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pyoxigraph import NamedNode

from claimgraph.loaders.records import Source

from claimgraph.graph.index import derived
from claimgraph.graph.index import evidence_facts
from claimgraph.graph import queries
from claimgraph.graph.rdf.iris import GRAPH_CITED, GRAPH_SOURCES
from claimgraph.graph.rdf.namespaces import CG


@dataclass(frozen=True)
class EvidenceLevel:
    rank: int
    name: str  # local name in the cg: namespace
    label: str

    @property
    def iri(self) -> NamedNode:
        return CG[self.name]


GUIDELINE = EvidenceLevel(1, "GuidelineEvidence", "clinical practice guideline")
DRUG_LABEL = EvidenceLevel(2, "DrugLabelEvidence", "drug label")
SYSTEMATIC_REVIEW = EvidenceLevel(3, "SystematicReviewEvidence", "meta-analysis / systematic review")
RANDOMISED_TRIAL = EvidenceLevel(4, "RandomisedTrialEvidence", "randomised controlled trial")
OBSERVATIONAL = EvidenceLevel(5, "ObservationalEvidence", "cohort / case-control study")
CASE_REPORT = EvidenceLevel(6, "CaseReportEvidence", "case series / case report")
NARRATIVE_REVIEW = EvidenceLevel(7, "NarrativeReviewEvidence", "narrative review")
UNKNOWN = EvidenceLevel(8, "UnknownEvidence", "unknown")

LEVELS = [GUIDELINE, DRUG_LABEL, SYSTEMATIC_REVIEW, RANDOMISED_TRIAL, OBSERVATIONAL,
          CASE_REPORT, NARRATIVE_REVIEW, UNKNOWN]
BY_IRI = {level.iri.value: level for level in LEVELS}

# PubMed publication types (MeSH Publication Characteristics) -> level, strongest first.
_PUBLICATION_TYPES = [
    (GUIDELINE, {"practice guideline", "guideline", "consensus development conference",
                 "consensus development conference, nih"}),
    (SYSTEMATIC_REVIEW, {"meta-analysis", "systematic review", "network meta-analysis"}),
    (RANDOMISED_TRIAL, {"randomized controlled trial", "pragmatic clinical trial",
                        "equivalence trial", "clinical trial, phase iii", "clinical trial, phase iv"}),
    (OBSERVATIONAL, {"observational study", "comparative study", "multicenter study",
                     "clinical trial", "clinical trial, phase i", "clinical trial, phase ii",
                     "controlled clinical trial", "evaluation study", "validation study",
                     "twin study", "cohort study", "case-control study",
                     # MEDLINE text spells some types in the plural
                     "evaluation studies", "validation studies"}),
    (CASE_REPORT, {"case reports", "case series"}),
    (NARRATIVE_REVIEW, {"review", "scoping review", "editorial", "comment", "letter"}),
]


def level_for_source(source: Source) -> EvidenceLevel:
    if source.kind == "guideline":
        return GUIDELINE
    if source.kind == "drug-label":
        return DRUG_LABEL
    types = {t.strip().casefold() for t in source.publication_types}
    for level, names in _PUBLICATION_TYPES:
        if types & names:
            return level
    return UNKNOWN


def strongest(levels) -> EvidenceLevel | None:
    levels = list(levels)
    return min(levels, key=lambda level: level.rank) if levels else None

# A guideline's own grading of its recommendations (ASCO, GRADE), strongest first. A citation of
# a guideline carries the guideline's overall strength beside its level where the record gives one.
GUIDELINE_STRENGTHS = ("strong", "moderate", "conditional", "weak")


def level_for_known(kinds: set[str], publication_types: set[str]) -> EvidenceLevel:
    """The level of a stored source from its kind classes (IRIs) and publication types."""
    kind = ("guideline" if CG.Guideline.value in kinds else
            "drug-label" if CG.DrugLabel.value in kinds else "study" if CG.Study.value in kinds else None)
    return level_for_source(Source(kind=kind, publication_types=sorted(publication_types)))


def refresh(store, versions) -> None:
    """Recompute citation levels (and claims' strongest) of these article versions; None = all."""
    if versions is None:
        _recompute(store, store.select("evidence-version-citations"), new_graphs=None)
    else:
        # One bound query per version: 1 ms each, where a VALUES block of versions is not.
        versions = list(dict.fromkeys(versions))
        _recompute(store, [row for version in versions
                           for row in store.select("evidence-version-citations", graph=version)],
                   new_graphs=versions)


def refresh_sources(store, sources) -> None:
    """Recompute the levels of every citation of these sources (after a record described them)."""
    _recompute(store, _rows_for(store, "evidence-source-citations", "source", sources), new_graphs=None,
               whole_store=False)


def _rows_for(store, query: str, variable: str, iris) -> list[dict]:
    """Rows of ``query`` with its ``#VALUES ?variable`` line filled, a block of IRIs at a time."""
    return [row for chunk in derived.chunks(iris)
            for row in store.select(queries.with_iri_values(query, **{variable: chunk}))]


def _facts_in(rows) -> dict[str, evidence_facts.Facts]:
    facts: dict[str, evidence_facts.Facts] = defaultdict(set)
    for row in rows:
        value = str(row["value"])
        if row["field"] == "strength":  # a record's strength first: "0" sorts before "1"
            value = ("0" if row["g"] == GRAPH_SOURCES.value else "1") + value
        elif row["field"] == "type":
            value = value.casefold()
        facts[row["source"]].add((row["field"], value))
    return facts


def _known(store, sources, new_graphs=None, whole_store=True):
    """Per source: its kind classes, publication types (case-folded) and guideline strength
    (its record's first, else the smallest), from every graph describing it.

    ``new_graphs``: the graphs a load just wrote; sources remembered from an earlier read
    (``evidence_facts``) then read only those graphs and the sources graph, the rest every
    graph. None reads every graph for all ``sources`` (and, ``whole_store``, these are all
    the cited sources there are)."""
    sources = set(sources)
    remembered = evidence_facts.read(store, sources) if new_graphs is not None else {}
    facts: dict[str, evidence_facts.Facts] = defaultdict(set)
    for source, found in _facts_in(
            _rows_for(store, "evidence-source-facts", "source", sources - set(remembered))).items():
        facts[source] |= found
    if remembered:
        for source, found in remembered.items():
            facts[source] |= found
        text_blocks = [queries.with_iri_values("evidence-source-facts", source=chunk)
                       for chunk in derived.chunks(remembered)]
        for graph in [*new_graphs, GRAPH_SOURCES, GRAPH_CITED]:
            for text in text_blocks:
                for source, found in _facts_in(store.select(text, g=graph)).items():
                    facts[source] |= found
    known = {s: facts.get(s, set()) for s in sources}
    evidence_facts.remember(store, known, everything=new_graphs is None and whole_store)
    out = {}
    for source, found in known.items():
        kinds = {v for f, v in found if f == "kind"}
        types = {v for f, v in found if f == "type"}
        strengths = sorted(v for f, v in found if f == "strength")
        out[source] = (kinds, types, strengths[0][1:] if strengths else None)
    return out


def _recompute(store, rows, *, new_graphs=None, whole_store=True) -> None:
    from pyoxigraph import Literal, NamedNode, Quad

    from claimgraph.graph.resolution import identified

    # A reference a reviewer identified (graph/resolution) has the level of the record it is.
    resolved = identified(store, {row["source"] for row in rows})
    known = _known(store, {resolved.get(row["source"], row["source"]) for row in rows}, new_graphs, whole_store)
    deletes, inserts, claims = [], [], set()
    for row in rows:
        graph, citation = NamedNode(row["graph"]), NamedNode(row["citation"])
        kinds, types, strength = known[resolved.get(row["source"], row["source"])]
        level = level_for_known(kinds, types)
        if row["level"] != level.iri.value:
            if row["level"]:
                deletes.append(Quad(citation, CG.evidenceLevel, NamedNode(row["level"]), graph))
            inserts.append(Quad(citation, CG.evidenceLevel, level.iri, graph))
            claims.add((row["graph"], row["claim"]))
        if strength and level is GUIDELINE:
            inserts.append(Quad(citation, CG.guidelineStrength, Literal(strength), graph))
    derived.apply_changes(store, deletes, inserts)
    deletes, inserts = [], []
    for graph, claim in sorted(claims):
        levels = store.select("evidence-claim-levels", graph=NamedNode(graph), claim=NamedNode(claim))
        best = strongest(BY_IRI[r["level"]] for r in levels if r["level"] in BY_IRI)
        current = {r["current"] for r in levels if r["current"]}
        g, c = NamedNode(graph), NamedNode(claim)
        deletes += [Quad(c, CG.strongestEvidenceLevel, NamedNode(old), g) for old in current]
        if best is not None:
            inserts.append(Quad(c, CG.strongestEvidenceLevel, best.iri, g))
    derived.apply_changes(store, deletes, inserts)
