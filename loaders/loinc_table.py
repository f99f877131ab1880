"""A table of drug-label section codes (``loinc,name`` CSV, as openFDA publishes it).

Such a table is reference data, not a source: reading it checks every row (a
LOINC code shape, a name) and compares it with the bundled table in
``loinc_sections``, so that ``claimgraph load`` on a folder of label material
accepts it and says what it found instead of failing on it.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .errors import LoaderError
from .loinc_sections import SECTION_NAMES

FORMAT = "loinc-section-table"

_CODE = re.compile(r"\d{1,7}-\d")


def sniff(text: str, path: Path) -> int:
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    rows = [line for line in lines if re.match(r'^"?\d{1,7}-\d"?\s*,\s*"?[A-Za-z]', line)]
    return 80 if len(rows) >= min(3, len(lines)) and rows else 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    known = differing = 0
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    try:
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:  # e.g. a field over csv's 128 KB limit, an unclosed quote
        raise LoaderError(path, f"not a readable CSV table: {exc}", line=reader.line_num) from None
    for line, row in rows:
        if not row or row == ["loinc", "name"]:
            continue
        if len(row) > 2:  # names with commas, unquoted
            row = [row[0], ",".join(row[1:])]
        if len(row) != 2 or not _CODE.fullmatch(row[0].strip()) or not row[1].strip():
            result.errors.append(LoaderError(path, "expected a LOINC code and a section name", line=line))
            continue
        if row[0].strip() in SECTION_NAMES:
            known += 1
            differing += SECTION_NAMES[row[0].strip()].casefold() != row[1].strip().casefold()
    result.warnings.append(f"{path}: a LOINC section table ({known} known codes, {differing} named "
                           "differently from the bundled table); reference data, nothing to store")
    if not known and not result.errors:
        raise LoaderError(path, "no LOINC section code rows")
    return result
