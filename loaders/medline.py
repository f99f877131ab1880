"""MEDLINE / nbib (PubMed's "PMID- " tagged text): one source record per block.

Each line is a tag padded to four characters, "- ", and a value; continuation
lines start with six spaces. A record starts at "PMID- " or at the first tag
line after a blank line (records are separated by blank lines), so a block
without a PMID is a record of its own, never part of the one before it. It is
stored when it has a title or an identifier, and reported otherwise. Repeated
tags (AU, PT, MH ...) are lists; lines that are neither tags nor continuations
are named in a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .source_fields import RecordDraft, build_record, clean, year_of

FORMAT = "medline"
# Bytes in a legacy encoding (Latin-1, GBK ...) are decoded by detection for this format (``charset``).
LEGACY_ENCODINGS = True

_LINE = re.compile(r"^([A-Z][A-Z0-9 ]{1,3})- ?(.*)$")


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n ")[:2048]
    if re.match(r"PMID- ?\d", head):
        return 95
    if re.search(r"^PMID- ?\d", text[:8192], re.MULTILINE) and re.search(r"^TI  - ", text[:16384], re.MULTILINE):
        return 85
    return 0


def parse_records(text: str, stray: list[int] | None = None) -> list[tuple[int, dict[str, list[str]]]]:
    """(first line number, {tag: [values]}) for each record, in order; the numbers of lines
    that are neither tags nor continuations are appended to ``stray``."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    fields: dict[str, list[str]] | None = None
    last_tag, after_blank = None, True
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            after_blank = True
            continue
        match = _LINE.match(line)
        if match:
            tag, value = match.group(1).strip(), match.group(2).strip()
            if tag == "PMID" or after_blank or fields is None:
                fields = {}
                records.append((number, fields))
            fields.setdefault(tag, []).append(value)
            last_tag = tag
        elif line.startswith("      ") and fields is not None and last_tag and not after_blank:
            fields[last_tag][-1] += " " + line.strip()
        elif stray is not None:
            stray.append(number)
        after_blank = False
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
    stray: list[int] = []
    records = parse_records(text, stray)
    if not records:
        raise LoaderError(path, "no MEDLINE record (a line starting 'PMID- ')")
    result.records = len(records)
    for line, fields in records:
        pmid = clean((fields.get("PMID") or [""])[0])
        place = f"record at line {line}" + (f" (PMID {pmid})" if pmid else " (no PMID)")
        try:
            draft = _draft(fields)
            if not (draft.title or draft.pmid or draft.pmcid or draft.doi):
                raise LoaderError(path, "record has no PMID, title or other identifier: nothing to store",
                                  place=place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if stray:
        shown = ", ".join(map(str, stray[:10])) + (" ..." if len(stray) > 10 else "")
        result.warnings.append(f"{path}: lines that are not MEDLINE tag lines, ignored: {shown}")
    return result


def _draft(fields: dict[str, list[str]]) -> RecordDraft:
    first = lambda tag: clean((fields.get(tag) or [None])[0])  # noqa: E731
    ids = fields.get("AID", []) + fields.get("LID", [])
    date = first("DP")
    draft = RecordDraft(
        title=clean(" ".join(fields.get("TI", []))) or first("BTI"),
        authors=fields.get("AU") or fields.get("FAU") or fields.get("CN") or [],
        journal=first("JT") or first("TA"),
        journal_abbreviation=first("TA"),
        year=year_of(date),
        doi=_tagged(ids, "doi") or next((v[4:] for v in ids if v.lower().startswith("doi:")), None), pmid=first("PMID"), pmcid=first("PMC"),
        publication_types=fields.get("PT", []),
    )
    draft.extra = {"volume": first("VI"), "issue": first("IP"), "pages": first("PG"), "date": date,
                   "mesh": [m.lstrip("*") for m in fields.get("MH", [])],
                   "keywords": fields.get("OT", []), "language": first("LA"), "abstract": first("AB")}
    return draft
