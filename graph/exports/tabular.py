"""CSV and XLSX audit tables: one row per claim and citation marker.

XLSX bytes are made deterministic: the workbook's created/modified times are
fixed and the zip entries are rewritten with a fixed date, so the same
selection on the same data gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from typing import BinaryIO, Iterable

from claimgraph.graph.exports.safe_text import csv_field, formula_like, xml_text

from .rows import COLUMNS, FINDING_COLUMNS, ArticleAudit

FIXED_TIME = datetime(2000, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def write_csv(audits: Iterable[ArticleAudit], output: BinaryIO) -> dict:
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    rows = 0
    for audit in audits:
        writer.writerows({name: csv_field(value) for name, value in row.items()} for row in audit.rows)
        rows += len(audit.rows)
    text.flush()
    text.detach()
    return {"rows": rows}


def write_xlsx(audits: Iterable[ArticleAudit], output: BinaryIO) -> dict:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)  # rows go to disk as they come: bounded memory
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "claimgraph"
    evidence = workbook.create_sheet("Evidence")
    findings_sheet = workbook.create_sheet("Findings")
    bold = Font(bold=True)
    for sheet, columns in ((evidence, COLUMNS), (findings_sheet, FINDING_COLUMNS)):
        sheet.freeze_panes = "A2"
        header = []
        for name in columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
    rows = findings = 0
    for audit in audits:
        for row in audit.rows:
            evidence.append([_cell(evidence, row[c]) for c in COLUMNS])
        for finding in audit.findings:
            findings_sheet.append([_cell(findings_sheet, finding[c]) for c in FINDING_COLUMNS])
        rows += len(audit.rows)
        findings += len(audit.findings)
    evidence.auto_filter.ref = f"A1:{_column_letter(len(COLUMNS))}{rows + 1}"
    findings_sheet.auto_filter.ref = f"A1:{_column_letter(len(FINDING_COLUMNS))}{findings + 1}"
    with tempfile.TemporaryFile() as saved:
        workbook.save(saved)
        saved.seek(0)
        _rewrite_zip_fixed_dates(saved, output)
    return {"rows": rows, "findings": findings}


def _cell(sheet, value):
    """Text stays text, exactly: characters XML cannot hold become U+FFFD, and text a
    spreadsheet could take for a formula (safe_text.formula_like) is a string cell
    marked quotePrefix, as Excel marks text typed after an apostrophe. (openpyxl alone
    would store "=..." as a formula and raise on control characters.)"""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    value = xml_text(value)
    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _rewrite_zip_fixed_dates(saved: BinaryIO, output: BinaryIO) -> None:
    with zipfile.ZipFile(saved) as source, \
            zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                # openpyxl stamps dcterms:modified with the time of saving, whatever was set.
                core = source.read(info).decode("utf-8")
                core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rf"\g<1>{FIXED_TIME:%Y-%m-%dT%H:%M:%SZ}\g<2>", core)
                target.writestr(fixed, core.encode("utf-8"))
                continue
            with source.open(info) as src, target.open(fixed, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
