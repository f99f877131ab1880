"""Evidence levels: how strong a citation's source is, on one ordered scale.

The scale and its order are documented in ontology/README.md; rank 1 is the
strongest. A citation's level is derived from what is known of its source (its
kind and, for studies, its PubMed publication types); a claim's strongest level
is the best rank among its citations.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from claimgraph.loaders.records import Source

from .namespaces import CG


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
                     "twin study", "cohort study", "case-control study"}),
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
