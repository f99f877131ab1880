"""BibTeX (``@article{key, ...}``) via bibtexparser 2.x: one source record per entry.

A block bibtexparser cannot parse is an error naming its line; the entries
around it still load. Braces that protect capitals ("{ASCO}") are removed from
titles; "and" separates authors. ``doi``, ``pmid``, ``pmcid`` fields (and
identifiers in ``url`` or ``eprint``) identify the work; ``@techreport`` /
``@manual`` entries with "guideline" in the title or type are guidelines.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .errors import LoaderError
from .identifiers import extract_identifiers
from .source_fields import RecordDraft, build_record, clean, year_of

FORMAT = "bibtex"

_ENTRY = re.compile(r"^\s*@(article|book|inproceedings|incollection|misc|techreport|manual|online|"
                    r"phdthesis|mastersthesis|report|unpublished|inbook)\s*[{(]", re.IGNORECASE | re.MULTILINE)


def sniff(text: str, path: Path) -> int:
    if _ENTRY.search(text[:8192]):
        return 90 if Path(path).suffix.lower() == ".bib" or _ENTRY.match(text.lstrip()) else 70
    return 0


def _unbrace(value: str | None) -> str | None:
    return clean(re.sub(r"[{}]", "", value)) if value else None


def read(text: str, path: str, sha256: str):
    import bibtexparser

    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its warnings repeat what the errors below say
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    for block in library.failed_blocks:
        error = getattr(block, "error", None)
        reason = " ".join(str(getattr(error, "abort_reason", None) or error or "cannot parse").split())
        result.errors.append(LoaderError(path, f"malformed BibTeX entry: {reason}", line=block.start_line + 1))
    if not library.entries and not library.failed_blocks:
        raise LoaderError(path, "no BibTeX entries (@article{...})")
    for entry in library.entries:
        place = f"entry {entry.key!r} at line {entry.start_line + 1}"
        try:
            result.sources.append(build_record(_draft(entry), path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def _draft(entry) -> RecordDraft:
    fields = {k.lower(): _unbrace(str(f.value)) for k, f in entry.fields_dict.items()}
    found = extract_identifiers(" ".join(filter(None, [fields.get("url"), fields.get("eprint"),
                                                     fields.get("note")])))
    authors = [a.strip() for a in re.split(r"\s+and\s+", fields.get("author") or "") if a.strip()]
    title = fields.get("title")
    entry_type = entry.entry_type.lower()
    guideline = entry_type in {"techreport", "manual", "report", "misc"} and bool(
        re.search(r"guideline", " ".join(filter(None, [title, fields.get("type")])), re.IGNORECASE))
    draft = RecordDraft(
        title=title, authors=authors,
        journal=fields.get("journal") or fields.get("booktitle"),
        year=year_of(fields.get("year") or fields.get("date")),
        doi=fields.get("doi") or found.doi, pmid=fields.get("pmid") or found.pmid,
        pmcid=fields.get("pmcid") or found.pmcid,
        url=None if (fields.get("doi") or found.doi or found.pmid) else fields.get("url"),
        kind="guideline" if guideline else None,
    )
    if fields.get("institution") or fields.get("organization"):
        from .records import Organisation

        draft.organisation = Organisation(fields.get("institution") or fields.get("organization"))
    draft.extra = {"volume": fields.get("volume"), "issue": fields.get("number"),
                   "pages": (fields.get("pages") or "").replace("--", "-") or None,
                   "date": fields.get("date") or fields.get("year"), "abstract": fields.get("abstract"),
                   "keywords": [k.strip() for k in (fields.get("keywords") or "").split(",") if k.strip()],
                   "bibtex_type": entry_type, "bibtex_key": entry.key}
    return draft
