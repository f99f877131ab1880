"""MEDLINE / nbib (PubMed's "PMID- " tagged text): one source record per PMID.

Each line is a tag padded to four characters, "- ", and a value; continuation
lines start with six spaces; a record starts at "PMID- ". Repeated tags (AU,
PT, MH ...) are lists.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .source_fields import RecordDraft, build_record, clean, year_of

FORMAT = "medline"

_LINE = re.compile(r"^([A-Z][A-Z0-9 ]{1,3})- ?(.*)$")


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n ")[:2048]
    if re.match(r"PMID- ?\d", head):
        return 95
    if re.search(r"^PMID- ?\d", text[:8192], re.MULTILINE) and re.search(r"^TI  - ", text[:16384], re.MULTILINE):
        return 85
    return 0


def parse_records(text: str) -> list[tuple[int, dict[str, list[str]]]]:
    """(first line number, {tag: [values]}) for each record, in order."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    fields: dict[str, list[str]] | None = None
    last_tag = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match:
            tag, value = match.group(1).strip(), match.group(2).strip()
            if tag == "PMID":
                fields = {}
                records.append((number, fields))
            if fields is None:
                continue  # text before the first record (a header) is not part of one
            fields.setdefault(tag, []).append(value)
            last_tag = tag
        elif line.startswith("      ") and fields is not None and last_tag:
            fields[last_tag][-1] += " " + line.strip()
    return records


def _tagged(values: list[str], tag: str) -> str | None:
    """The value of "10.1000/x [doi]" style entries with the given bracket tag."""
    for value in values:
        if value.endswith(f"[{tag}]"):
            return value[: -len(tag) - 2].strip()
    return None


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    records = parse_records(text)
    if not records:
        raise LoaderError(path, "no MEDLINE record (a line starting 'PMID- ')")
    for line, fields in records:
        pmid = (fields.get("PMID") or [""])[0]
        place = f"record at line {line} (PMID {pmid})"
        try:
            result.sources.append(build_record(_draft(fields), path=path, place=place,
                                               fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def _draft(fields: dict[str, list[str]]) -> RecordDraft:
    first = lambda tag: clean((fields.get(tag) or [None])[0])  # noqa: E731
    ids = fields.get("AID", []) + fields.get("LID", [])
    date = first("DP")
    draft = RecordDraft(
        title=first("TI") or first("BTI"),
        authors=fields.get("AU") or fields.get("FAU") or fields.get("CN") or [],
        journal=first("JT") or first("TA"),
        journal_abbreviation=first("TA"),
        year=year_of(date),
        doi=_tagged(ids, "doi"), pmid=first("PMID"), pmcid=first("PMC"),
        publication_types=fields.get("PT", []),
    )
    draft.extra = {"volume": first("VI"), "issue": first("IP"), "pages": first("PG"), "date": date,
                   "mesh": [m.lstrip("*") for m in fields.get("MH", [])],
                   "keywords": fields.get("OT", []), "language": first("LA"), "abstract": first("AB")}
    return draft
