"""RIS (``TY  - JOUR`` ... ``ER  -``) and Web of Science tagged export (``PT J`` ... ``ER``), via rispy.

The file is split at its ``ER`` lines first so that each record is parsed on
its own: a record without a ``TY`` (or, in a Web of Science file, without
``PT``), or with a DOI that is not a DOI, is an error for that record only.
A Web of Science record's cited references (``CR``) with a DOI become the
record's cited works. Tags rispy has no name for (Web of Science's ``C3``,
``WE``, ``PS`` ...) are read and named in one warning per file, never a reason
to lose the record. The journal is the full title (``JF``, ``T2``) before the
abbreviation (``JO``); a PMCID may be in ``C2`` or ``L2``.
"""

from __future__ import annotations

import re
from pathlib import Path

import rispy

from .errors import LoaderError
from .identifiers import extract_identifiers
from .source_fields import RecordDraft, build_record, cited_source, clean, year_of

FORMAT = "ris"
# Bytes in a legacy encoding (Latin-1, GBK ...) are decoded by detection for this format (``charset``).
LEGACY_ENCODINGS = True

_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ", re.MULTILINE)
_WOS_HEAD = re.compile(r"^(?:FN |VR |PT [A-Z]\b)", re.MULTILINE)
_END = re.compile(r"^ER(?:  -.*| *)$", re.MULTILINE)
# RIS reference types (TY) that are not studies.
_GUIDELINE_TYPES = {"STAND"}
_WOS_DOCTYPES = {"review": "Review", "editorial material": "Editorial", "letter": "Letter"}


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n ")[:4096]
    if head.startswith("TY  - ") or (re.search(r"^TY  - \w+", head, re.MULTILINE) and _END.search(text)):
        return 95
    if head.startswith(("FN ", "PT ")) and _WOS_HEAD.search(head) and re.search(r"^(?:TI|AU) ", head, re.MULTILINE):
        return 90
    return 0


def _chunks(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each record, split after each ER line."""
    def first_line(start: int, chunk: str) -> int:
        return text.count("\n", 0, start + len(chunk) - len(chunk.lstrip())) + 1

    chunks, start = [], 0
    for match in _END.finditer(text):
        chunk = text[start:match.end()]
        chunks.append((first_line(start, chunk), chunk))
        start = match.end() + 1
    rest = text[start:]
    if rest.strip() and not re.fullmatch(r"\s*(?:EF\s*)?", rest):
        chunks.append((first_line(start, rest), rest))
    return chunks


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    web_of_science = not _RIS_TAG.search(text[:4096]) and bool(_WOS_HEAD.search(text[:4096]))
    chunks = [(line, chunk) for line, chunk in _chunks(text) if chunk.strip()]
    if not chunks:
        raise LoaderError(path, "no RIS record (nothing ends with 'ER  -')")
    result.records = len(chunks)
    unknown: dict[str, int] = {}
    for line, chunk in chunks:
        place = f"record at line {line}"
        try:
            entry = _parse(chunk, path, place, web_of_science)
            for tag in entry.pop("unknown_tag", {}):
                unknown[tag] = unknown.get(tag, 0) + 1
            draft = wos_draft(entry, path, place) if web_of_science else _ris_draft(entry)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if unknown:
        result.warnings.append(unknown_tags_warning(path, unknown))
    return result


def unknown_tags_warning(path: str, unknown: dict[str, int]) -> str:
    """One warning naming each tag that was read but has no field here, and how often."""
    tags = ", ".join(f"{tag} ({n} record{'s' if n > 1 else ''})" for tag, n in sorted(unknown.items()))
    return f"{path}: tags with no field in claimgraph, ignored: {tags}"


# rispy's Web of Science mapping has no key for unknown tags and raises KeyError on the first
# one it meets; with this key they are collected under "unknown_tag" as its RIS parser does.
_WOS_MAPPING = {**rispy.config.WOK_TAG_KEY_MAPPING, "UK": "unknown_tag"}


def _parse(chunk: str, path: str, place: str, web_of_science: bool) -> dict:
    if web_of_science:
        if not re.search(r"^PT ", chunk, re.MULTILINE):
            raise LoaderError(path, "Web of Science record has no PT (publication type) line", place=place)
        entries = rispy.loads(chunk, implementation=rispy.WokParser, mapping=_WOS_MAPPING)
    else:
        if not re.search(r"^TY  - ", chunk, re.MULTILINE):
            raise LoaderError(path, "RIS record has no 'TY  - ' (type) line", place=place)
        try:
            entries = rispy.loads(chunk)
        except (IOError, ValueError) as exc:
            raise LoaderError(path, f"malformed RIS record: {exc}", place=place) from None
    if len(entries) != 1:
        raise LoaderError(path, "could not read the record (no 'ER' line closing it?)", place=place)
    return entries[0]


def _one(entry: dict, *keys) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if clean(value):
            return clean(value)
    return None


def _pages(start, end) -> str | None:
    start, end = clean(start), clean(end)
    return f"{start}-{end}" if start and end else start


def _ris_draft(entry: dict) -> RecordDraft:
    found = extract_identifiers(" ".join(entry.get("urls", []) + [entry.get("accession_number") or ""]
                                         + [entry.get("custom2") or ""]))
    # L2 ("link to full text") is where PubMed and reference managers put the PMC page.
    pmcid = found.pmcid or extract_identifiers(_one(entry, "file_attachments2") or "").pmcid
    accession = clean(entry.get("accession_number"))
    date = _one(entry, "date", "year", "publication_year")
    # Full journal title: JF, else T2 (the secondary title: journal or book); JO is often an abbreviation.
    journal = _one(entry, "alternate_title3", "secondary_title", "journal_name", "alternate_title2")
    abbreviation = _one(entry, "alternate_title1", "alternate_title2", "journal_name")
    draft = RecordDraft(
        title=_one(entry, "title", "primary_title", "translated_title"),
        authors=list(entry.get("authors") or entry.get("first_authors") or []),
        journal=journal,
        journal_abbreviation=abbreviation if abbreviation != journal else None,
        year=year_of(_one(entry, "year", "publication_year", "date")),
        doi=_one(entry, "doi") or found.doi,
        pmid=accession if accession and accession.isdigit() else found.pmid,
        pmcid=pmcid,
        url=None if (found.doi or found.pmid or pmcid) else _one(entry, "urls"),
        kind="guideline" if entry.get("type_of_reference") in _GUIDELINE_TYPES else None,
    )
    draft.extra = {"volume": _one(entry, "volume"), "issue": _one(entry, "number"),
                   "pages": _pages(entry.get("start_page"), entry.get("end_page")), "date": date,
                   "keywords": list(entry.get("keywords") or []), "abstract": _one(entry, "abstract"),
                   "ris_type": entry.get("type_of_reference")}
    return draft


def wos_draft(entry: dict, path: str, place: str) -> RecordDraft:
    """A Web of Science record (rispy's field names) as a draft; tagged and tab-delimited alike."""
    doc_type = clean(entry.get("document_type")) or ""
    draft = RecordDraft(
        title=_one(entry, "document_title"),
        authors=list(entry.get("authors") or []),
        journal=_one(entry, "publication_name"),
        journal_abbreviation=_one(entry, "iso_source_abbreviation"),
        year=year_of(_one(entry, "publication_year")),
        doi=_one(entry, "doi"), pmid=_one(entry, "pubmed_id"),
        publication_types=[_WOS_DOCTYPES.get(doc_type.casefold(), "Journal Article")] if doc_type else [],
    )
    texts = []
    for n, reference in enumerate(entry.get("cited_references") or [], start=1):
        match = re.search(r"\bDOI (?:\[)?(10\.\S+?)(?:\])?(?:,|$)", reference)
        cited = cited_source(path, f"{place}, cited reference {n}", doi=match.group(1) if match else None)
        if cited is not None:
            draft.cites.append(cited)
            texts.append(reference)
    draft.extra = {"volume": _one(entry, "volume"), "issue": _one(entry, "issue"),
                   "pages": _pages(entry.get("beginning_page"), entry.get("ending_page")),
                   "date": _wos_date(_one(entry, "publication_date"), _one(entry, "publication_year")),
                   "keywords": [k.strip() for k in (_one(entry, "keywords_plus") or "").split(";") if k.strip()],
                   "abstract": _one(entry, "abstract"), "language": _one(entry, "language"),
                   "citation_texts": texts}
    if _one(entry, "publisher"):
        draft.extra["publisher"] = _one(entry, "publisher")
    return draft


def _wos_date(date: str | None, year: str | None) -> str | None:
    """"JUN 2003" from PD "JUN" and PY "2003"; a PD that has its year already ("04 2006") as given."""
    if date and year and year in date:
        return date
    return " ".join(filter(None, [date, year])) or None
