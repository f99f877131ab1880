"""Plain records that loaders produce and ``claimgraph.graph`` maps to RDF.

Loaders never touch a store: they turn bytes into these records. Offsets are
Python string indices (code points) into the text they name, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["guideline", "drug-label", "study"]
SectionKind = Literal["guideline", "drug-label", "research"]
BlockKind = Literal["paragraph", "list-item", "heading"]


@dataclass
class Identifiers:
    """Normalised identifiers of a source (see ``claimgraph.loaders.identifiers``)."""

    doi: str | None = None  # lower case, no resolver prefix: "10.1200/jco.21.01440"
    pmid: str | None = None  # digits only
    pmcid: str | None = None  # "PMC1234567"
    setid: str | None = None  # DailyMed SPL set id, lower-case UUID
    url: str | None = None  # a landing page when nothing better is known

    def any(self) -> bool:
        return any((self.doi, self.pmid, self.pmcid, self.setid, self.url))


@dataclass
class Organisation:
    name: str  # "American Society of Clinical Oncology"
    short_name: str | None = None  # "ASCO"


@dataclass
class Source:
    """A cited work: guideline, drug label or study, as much as is known of it."""

    identifiers: Identifiers = field(default_factory=Identifiers)
    kind: SourceKind | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    organisation: Organisation | None = None
    publication_types: list[str] = field(default_factory=list)  # PubMed publication types
    # Why ``kind`` was chosen ("section 'From the Guidelines'", "reference entry") for reviewers.
    kind_basis: str | None = None


@dataclass
class Reference:
    """One entry of an article's reference list, or a marker number with no list."""

    number: str  # the label markers use: "1", "12"
    source: Source
    text: str | None = None  # the entry as written; None when the article has no list
    line: int | None = None  # 1-based line of the entry in the input file, for messages


@dataclass
class CitationMarker:
    """An in-text pointer such as ``3`` in "... muscle biopsy 3, 4, 5."."""

    label: str  # "3"
    start: int  # offsets into Claim.original
    end: int


@dataclass
class Mention:
    """A condition or drug named in a claim, linked to a vocabulary concept."""

    concept: str  # the concept's IRI
    surface: str  # the text as written in the claim
    start: int  # offsets into Claim.text
    end: int


@dataclass
class Judgment:
    """A human judgment of a claim kept from the input (ExpertQA), as an annotation."""

    aspect: str  # "support", "correctness", "reliability", "informativeness", "worthiness", ...
    value: str
    annotator: str | None = None
    evidence: list[str] = field(default_factory=list)  # evidence passages shown to the annotator
    note: str | None = None  # e.g. reason for missing support


@dataclass
class Section:
    heading: str
    level: int  # 1 = top-level section heading, 2 = sub-heading, ...
    kind: SectionKind | None = None
    parent: int | None = None  # index into Article.sections


@dataclass
class Block:
    """A paragraph or list item as the article shows it; claims are its sentences."""

    kind: BlockKind
    text: str  # as written, markers included
    section: int | None = None  # index into Article.sections


@dataclass
class Claim:
    text: str  # the sentence without its citation markers
    original: str  # the sentence as written, markers included
    block: int  # index into Article.blocks
    markers: list[CitationMarker] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    judgments: list[Judgment] = field(default_factory=list)
    start: int | None = None  # offsets of ``original`` in its block's text
    end: int | None = None

    @property
    def cited_labels(self) -> list[str]:
        """Marker labels in order, each once."""
        seen: dict[str, None] = {}
        for marker in self.markers:
            seen.setdefault(marker.label, None)
        return list(seen)


@dataclass
class Article:
    title: str  # the question the article answers
    key_text: str  # what identifies the article across versions (its title or URL)
    content_sha256: str  # identifies this version: hash of the bytes the article came from
    source_path: str  # file it came from, as given
    source_format: str  # "text", "html", "markdown", "expertqa", ...
    updated: str | None = None  # ISO date of "Last updated", when the page gives one
    url: str | None = None
    sections: list[Section] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    has_reference_list: bool = False
    warnings: list[str] = field(default_factory=list)
    # Where in a multi-article file this article sits ("line 12"), for messages.
    locator: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def reference(self, label: str) -> Reference | None:
        for ref in self.references:
            if ref.number == label:
                return ref
        return None


@dataclass
class SourceRecord:
    """A source loaded from its own record (PubMed, SPL, RIS, guideline file ...)."""

    source: Source
    source_path: str
    source_format: str
    content_sha256: str
    locator: str | None = None
    # Richer details (label sections, MeSH headings, the study's own references) are
    # carried in ``extra`` structures defined by the loaders that produce them.
    cites: list[Source] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
