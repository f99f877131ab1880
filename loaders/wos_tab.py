"""Web of Science tab-delimited export ("Tab delimited file" in its export menu): one record per row.

The first row names each column by its two-letter Web of Science tag (``PT AU
... UT``); each further row is a record. Columns are read by those tags and
handed to the same mapping as the tagged export (``ris.wos_draft``), so both
exports of one search give the same records. Multi-valued fields (authors,
cited references ...) are ``"; "``-separated in this format. Columns with a tag
this version has no field for are named in one warning.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import rispy

from .errors import LoaderError
from .ris import unknown_tags_warning, wos_draft
from .source_fields import build_record

FORMAT = "wos-tab"
# Bytes in a legacy encoding (Latin-1, GBK ...) are decoded by detection for this format (``charset``).
LEGACY_ENCODINGS = True

_MAPPING = rispy.config.WOK_TAG_KEY_MAPPING
_LIST_TAGS = set(rispy.config.WOK_LIST_TYPE_TAGS)
# Every Web of Science tab-delimited export starts with these columns.
_HEADER = re.compile(r"^\ufeff?PT\t(?:[A-Z][A-Z0-9]\t){5,}")


def sniff(text: str, path: Path) -> int:
    return 95 if _HEADER.match(text[:2048]) else 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    # QUOTE_NONE: the export never quotes, and titles hold stray double quotes.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:  # a field over csv's size limit
        raise LoaderError(path, f"not a readable tab-delimited file: {exc}", line=reader.line_num) from None
    header = [tag.strip() for tag in rows[0][1]]
    records = [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]
    result.records = len(records)
    unknown: dict[str, int] = {}
    for line, row in records:
        place = f"record at line {line}"
        try:
            if len(row) > len(header):
                raise LoaderError(path, f"{len(row)} columns where the header names {len(header)}", place=place)
            cells = {tag: value.strip() for tag, value in zip(header, row) if tag and value.strip()}
            for tag in cells.keys() - _MAPPING.keys():
                unknown[tag] = unknown.get(tag, 0) + 1
            entry = _entry(cells)
            if not entry.get("publication_type"):
                raise LoaderError(path, "record has no PT (publication type)", place=place)
            result.sources.append(build_record(wos_draft(entry, path, place), path=path, place=place,
                                               fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if unknown:
        result.warnings.append(unknown_tags_warning(path, unknown))
    return result


def _entry(cells: dict[str, str]) -> dict:
    """The row under rispy's Web of Science field names, lists split where the format lists."""
    entry: dict = {}
    for tag, value in cells.items():
        if tag not in _MAPPING:
            continue
        entry[_MAPPING[tag]] = [v.strip() for v in value.split(";") if v.strip()] if tag in _LIST_TAGS else value
    return entry
