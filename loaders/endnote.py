"""EndNote tagged export (``.enw``, the "refer" style: ``%0 Journal Article``, ``%T title`` ...).

A record starts at its ``%0`` (reference type) line, as EndNote writes them, or
after a blank line; each line is ``%`` + a one-character tag + a value, and a line
without a tag continues the one before. Fields are read under EndNote XML's
names (``endnote_xml.FIELD_BY_TAG``) so that both EndNote exports give the same
records (``endnote_xml.endnote_draft``); tags with no field here are named in a
warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from .endnote_xml import FIELD_BY_TAG, endnote_draft
from .errors import LoaderError
from .ris import unknown_tags_warning
from .source_fields import build_record

FORMAT = "endnote"
# Bytes in a legacy encoding (Latin-1 ...) are decoded by detection for this format (``charset``).
LEGACY_ENCODINGS = True

_LINE = re.compile(r"^%(\S)(?: (.*))?$")


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n ")[:4096]
    if head.startswith("%0") and len(re.findall(r"^%[ATDJ0] ", head, re.MULTILINE)) >= 2:
        return 90
    return 0


def parse_records(text: str) -> list[tuple[int, dict[str, list[str]]]]:
    records: list[tuple[int, dict[str, list[str]]]] = []
    fields: dict[str, list[str]] | None = None
    last, after_blank = None, True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            after_blank = True
            continue
        match = _LINE.match(line)
        if match:
            tag, value = match.group(1), (match.group(2) or "").strip()
            if tag == "0" or after_blank or fields is None:
                fields = {}
                records.append((number, fields))
            fields.setdefault(tag, []).append(value)
            last = tag
        elif fields is not None and last:
            fields[last][-1] += " " + line.strip()
        after_blank = False
    return records


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    records = parse_records(text)
    if not records:
        raise LoaderError(path, "no EndNote record (a line starting '%0 ')")
    result.records = len(records)
    unknown: dict[str, int] = {}
    for line, tags in records:
        place = f"record at line {line}"
        fields: dict[str, list[str]] = {}
        for tag, values in tags.items():
            if tag in FIELD_BY_TAG:
                fields.setdefault(FIELD_BY_TAG[tag], []).extend(v for v in values if v)
            else:
                unknown[f"%{tag}"] = unknown.get(f"%{tag}", 0) + 1
        try:
            draft = endnote_draft(fields)
            if not (draft.title or draft.doi or draft.pmid or draft.pmcid or draft.url):
                raise LoaderError(path, "record has no title and no DOI, PMID, PMCID or URL: nothing to "
                                  "identify the work by; not stored", place=place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if unknown:
        result.warnings.append(unknown_tags_warning(path, unknown))
    return result
