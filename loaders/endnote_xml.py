"""EndNote XML export (``<xml><records><record>``): one source record per ``record``.

Each field's text may be split into ``<style>`` runs; they are joined. Fields:
``ref-type`` (its name), ``contributors/authors``, ``titles/title`` and
``secondary-title`` (or ``periodical/full-title``), ``dates``, ``volume``,
``number``, ``pages``, ``electronic-resource-num`` (the DOI), ``accession-num``
(the PMID when EndNote imported from PubMed), ``custom2`` (the PMCID, same),
``urls``, ``isbn``, ``publisher``, ``work-type`` (publication type), keywords,
abstract, language. ``endnote_draft`` is shared with the tagged export.
"""

from __future__ import annotations

from pathlib import Path

from .errors import LoaderError
from .identifiers import extract_identifiers
from .records import Organisation
from .source_fields import RecordDraft, build_record, clean, element_text, parse_xml, year_of

FORMAT = "endnote-xml"

# EndNote tagged export tag -> the EndNote XML field it fills.
FIELD_BY_TAG = {"0": "ref-type", "A": "author", "E": "editor", "T": "title", "J": "periodical",
                "B": "secondary-title", "D": "year", "8": "date", "V": "volume", "N": "number",
                "P": "pages", "R": "electronic-resource-num", "U": "url", "M": "accession-num",
                "2": "custom2", "@": "isbn", "I": "publisher", "C": "pub-location", "K": "keyword",
                "X": "abstract", "G": "language", "9": "work-type", "7": "edition", "O": "alt-title",
                "F": "label", "Z": "notes", "+": "auth-address", "S": "tertiary-title", "!": "short-title"}
# Reference types that are not journal articles but are published by an organisation.
_ISSUED = {"report", "government document", "book", "edited book", "standard", "legal rule or regulation"}
_XML_PATHS = {"ref-type": "ref-type", "author": "contributors/authors/author",
              "editor": "contributors/secondary-authors/author", "title": "titles/title",
              "secondary-title": "titles/secondary-title", "periodical": "periodical/full-title",
              "year": "dates/year", "date": "dates/pub-dates/date", "volume": "volume", "number": "number",
              "pages": "pages", "electronic-resource-num": "electronic-resource-num", "url": "urls/related-urls/url",
              "accession-num": "accession-num", "custom2": "custom2", "isbn": "isbn", "publisher": "publisher",
              "keyword": "keywords/keyword", "abstract": "abstract", "language": "language",
              "work-type": "work-type"}


def sniff(text: str, path: Path) -> int:
    head = text[:4096]
    return 95 if "<records>" in head and "<record>" in text[:20000] and "<ref-type" in text[:20000] else 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    root = parse_xml(text, path)
    records = root.findall(".//records/record") if root.tag != "record" else [root]
    if not records:
        raise LoaderError(path, "no <record> in the EndNote XML")
    result.records = len(records)
    for n, record in enumerate(records, start=1):
        place = f"record {n} (line {record.sourceline})"
        fields = {name: [t for t in (element_text(e) for e in record.findall(xpath)) if t]
                  for name, xpath in _XML_PATHS.items()}
        ref_type = record.find("ref-type")
        if ref_type is not None and ref_type.get("name"):
            fields["ref-type"] = [ref_type.get("name")]
        try:
            draft = endnote_draft(fields)
            if not (draft.title or draft.doi or draft.pmid or draft.pmcid or draft.url):
                raise LoaderError(path, "record has no title and no DOI, PMID, PMCID or URL: nothing to "
                                  "identify the work by; not stored", place=place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def endnote_draft(fields: dict[str, list[str]]) -> RecordDraft:
    """A draft from EndNote fields (XML names, lists of values), either export."""
    first = lambda name: clean((fields.get(name) or [None])[0])  # noqa: E731
    urls = " ".join(fields.get("url", []))
    found = extract_identifiers(urls)
    doi = first("electronic-resource-num")
    accession = first("accession-num")
    ref_type = (first("ref-type") or "").casefold()
    publisher = first("publisher")
    draft = RecordDraft(
        title=first("title"), authors=fields.get("author", []),
        journal=first("periodical") or first("secondary-title"),
        year=year_of(first("year") or first("date")),
        doi=doi[4:] if doi and doi.lower().startswith("doi:") else doi or found.doi,
        pmid=accession if accession and accession.isdigit() else found.pmid,
        pmcid=first("custom2") if (first("custom2") or "").upper().startswith("PMC") else found.pmcid,
        url=None if (doi or found.doi or found.pmid or found.pmcid) else (urls.split() or [None])[0],
        publication_types=fields.get("work-type", []),
        organisation=Organisation(publisher) if publisher and ref_type in _ISSUED else None,
    )
    draft.extra = {"volume": first("volume"), "issue": first("number"), "pages": first("pages"),
                   "date": " ".join(filter(None, [first("date"), first("year")])) or None,
                   "abstract": first("abstract"), "language": first("language"),
                   "keywords": fields.get("keyword", []), "isbn": first("isbn"), "endnote_type": first("ref-type")}
    return draft
