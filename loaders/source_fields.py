"""Shared pieces of the source-record loaders (PubMed, MEDLINE, RIS, BibTeX, CSL, SPL ...).

Each loader turns one record of its format into a ``RecordDraft`` (plain fields as
the format gives them) and calls ``build_record``, which normalises identifiers,
decides the kind and the publisher, and reports a bad identifier as an error for
that record alone. ``parse_xml`` is the one way loaders parse XML: no DTDs, no
entity expansion, no network, so an entity bomb or an external entity is a clean
``LoaderError`` instead of a hang or a file read.

Details richer than ``Source`` travel in ``SourceRecord.extra`` under these keys:
``volume``, ``issue``, ``pages``, ``date`` (ISO date or year-month as given),
``mesh`` (list of MeSH headings), ``keywords``, ``abstract``, ``language``,
``version`` and ``effective_date`` (labels), ``product_names``, ``generic_names``,
``sections`` (list of ``LabelSection``), ``recommendations`` (list of
``Recommendation``), ``citation_texts`` (the study's own reference entries as
written, parallel to ``SourceRecord.cites``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import LoaderError
from .identifiers import normalise_doi, normalise_pmcid, normalise_pmid, normalise_setid
from .records import Identifiers, Organisation, Source, SourceRecord
from .references import find_organisation

# Publication types that make a record a guideline rather than a study.
GUIDELINE_TYPES = {"practice guideline", "guideline", "consensus development conference",
                   "consensus development conference, nih"}


@dataclass
class LabelSection:
    """One LOINC-coded section of a drug label, with its own text (sub-sections apart)."""

    number: str  # position path: "5", "5.1" (document order, not the label's own numbering)
    code: str | None  # LOINC code, e.g. "43685-7" (Warnings and Precautions)
    code_name: str | None  # LOINC display name as the label gives it
    title: str | None  # the heading as printed ("5.1 Skeletal Muscle")
    text: str
    parent: str | None = None  # number of the enclosing section


@dataclass
class Recommendation:
    """One recommendation of a guideline with its graded strength and evidence quality."""

    number: str
    text: str
    strength: str | None = None  # "strong", "moderate", "weak" (the guideline's own words)
    evidence_quality: str | None = None  # "high", "intermediate", "low", "insufficient"
    recommendation_type: str | None = None  # "evidence-based", "informal consensus" ...


@dataclass
class RecordDraft:
    """What one record says, before identifiers are checked."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    journal_abbreviation: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    setid: str | None = None
    url: str | None = None
    publication_types: list[str] = field(default_factory=list)
    kind: str | None = None  # forced kind ("drug-label", "guideline"); else from publication types
    organisation: Organisation | None = None
    cites: list[Source] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def parse_json(text: str, path: str):
    """JSON, or a LoaderError naming the line and column where it breaks."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoaderError(path, f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None


def clean(text: str | None) -> str | None:
    """Collapse whitespace; None for empty."""
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text or None


def year_of(text) -> int | None:
    match = re.search(r"\b(1[5-9]\d\d|20\d\d|21\d\d)\b", str(text or ""))
    return int(match.group(1)) if match else None


def _identifier(path: str, place: str, kind: str, raw, normalise) -> str | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return normalise(raw)
    except ValueError as exc:
        raise LoaderError(path, f"bad {kind}: {exc}", place=place) from None


def build_record(draft: RecordDraft, *, path: str, place: str, fmt: str, sha256: str) -> SourceRecord:
    """A ``SourceRecord`` from a draft; raises ``LoaderError`` (naming ``place``) for a bad identifier."""
    ids = Identifiers(
        doi=_identifier(path, place, "DOI", draft.doi, normalise_doi),
        pmid=_identifier(path, place, "PMID", draft.pmid, normalise_pmid),
        pmcid=_identifier(path, place, "PMCID", draft.pmcid, normalise_pmcid),
        setid=_identifier(path, place, "SetID", draft.setid, normalise_setid),
        url=clean(draft.url))
    types = [t for t in (clean(t) for t in draft.publication_types) if t]
    kind = draft.kind
    basis = f"{fmt} record"
    if kind is None:
        guideline_types = [t for t in types if t.casefold() in GUIDELINE_TYPES]
        kind = "guideline" if guideline_types else "study"
        if guideline_types:
            basis = f"{fmt} record, publication type {guideline_types[0]!r}"
    organisation = draft.organisation
    if organisation is not None and not organisation.short_name:
        # "American Society of Clinical Oncology" given in full is still ASCO.
        found = find_organisation(organisation.name)
        if found and found[1] == 0 and found[2] == len(organisation.name):
            organisation = found[0]
    if organisation is None and kind == "guideline" and draft.title:
        found = find_organisation(draft.title)
        organisation = found[0] if found else None
    if organisation is None and draft.journal:
        # A study's publisher, for the graph, is the journal that published it.
        organisation = Organisation(clean(draft.journal), clean(draft.journal_abbreviation))
    source = Source(identifiers=ids, kind=kind, title=clean(draft.title),
                    authors=[a for a in (clean(a) for a in draft.authors) if a],
                    journal=clean(draft.journal), year=draft.year, organisation=organisation,
                    publication_types=types, kind_basis=basis)
    extra = {k: v for k, v in draft.extra.items() if v not in (None, "", [], {})}
    return SourceRecord(source=source, source_path=path, source_format=fmt, content_sha256=sha256,
                        locator=place, cites=list(draft.cites), extra=extra)


def cited_source(path: str, place: str, *, doi=None, pmid=None, pmcid=None, text=None) -> Source | None:
    """A work a record cites, as far as its identifiers go; None when it has none usable.

    A bad identifier in a study's own reference list is not the record's fault, so it
    is skipped (the caller keeps the entry text) rather than failing the record.
    """
    ids = Identifiers()
    for attr, raw, normalise in (("doi", doi, normalise_doi), ("pmid", pmid, normalise_pmid),
                                 ("pmcid", pmcid, normalise_pmcid)):
        if raw:
            try:
                setattr(ids, attr, normalise(raw))
            except ValueError:
                pass
    if not (ids.doi or ids.pmid or ids.pmcid):
        return None
    return Source(identifiers=ids, kind="study", title=None, kind_basis=f"cited by the record at {place}")


def parse_xml(text: str, path: str):
    """Parse XML safely: refuse DTD entity declarations; never expand entities or fetch."""
    from lxml import etree

    doctype = text.find("<!DOCTYPE")
    entity = text.find("<!ENTITY", doctype) if doctype >= 0 else -1
    if entity >= 0:
        raise LoaderError(path, "XML declares entities in its DTD; entity declarations are refused "
                          "(they can expand without bound or read local files)",
                          line=text.count("\n", 0, entity) + 1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True)
    try:
        return etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        column = exc.position[1] if exc.position else None
        raise LoaderError(path, f"malformed XML: {exc.msg}", line=line, column=column) from None


def element_text(element) -> str | None:
    """All text inside an element, whitespace collapsed (markup such as <i> or MathML flattened)."""
    if element is None:
        return None
    return clean("".join(element.itertext()))
