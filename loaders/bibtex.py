"""BibTeX and biblatex (``@article{key, ...}``) via bibtexparser 2.x: one source record per entry.

A block bibtexparser cannot parse is an error naming its line; the entries
around it still load. Entries whose keys repeat (Citavi and JabRef export many
with an empty key) are each read on their own. Text fields are decoded from
LaTeX by pylatexenc (``T{\\"u}rkmen`` -> "Türkmen", ``\\textit{x}`` -> "x", braces
that protect capitals dropped); identifiers and URLs are taken as written.
Authors are split on "and" outside braces, so ``{World Health Organization}``
stays one name. Identifiers: ``doi``, ``pmid``, ``pmcid`` and JabRef's ``pmc``,
biblatex's ``eprint`` with ``eprinttype = pubmed`` (or ``pmc``), and any found
in ``url`` or ``note``. The journal is ``journal``, biblatex's ``journaltitle``,
or ``booktitle``. The kind is a guideline only when the entry's own publication
type (its ``type`` field) says so, never from a word of its title. ``@set``
entries group other entries and are not works: they are named in a warning.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .errors import LoaderError
from .identifiers import extract_identifiers
from .records import Organisation
from .source_fields import RecordDraft, build_record, clean, year_of

FORMAT = "bibtex"
# Bytes in a legacy encoding (GBK, Latin-1 ...) are decoded by detection for this format.
LEGACY_ENCODINGS = True

# Any entry type: BibTeX reads unknown types as @misc. @string, @preamble, @comment are not entries.
_ENTRY = re.compile(r"^\s*@(?!string\b|preamble\b|comment\b)([a-z]+)\s*[{(][^,\s]*,", re.IGNORECASE | re.MULTILINE)
_FIELD = re.compile(r"[,\s][a-z][\w:+-]*\s*=\s*[{\"\w]", re.IGNORECASE)
# Fields decoded from LaTeX; the others (doi, url, eprint, pages ...) are identifiers or numbers.
_TEXT_FIELDS = {"title", "author", "editor", "journal", "journaltitle", "booktitle", "publisher", "institution",
                "organization", "school", "abstract", "keywords", "note", "type", "series", "address",
                "howpublished", "shortjournal"}
_NOT_WORKS = {"set", "xdata"}  # biblatex containers of other entries' data


def sniff(text: str, path: Path) -> int:
    head = text[:8192]
    if _ENTRY.search(head) and _FIELD.search(head):
        return 90 if Path(path).suffix.lower() in (".bib", ".bibtex") or _ENTRY.match(text.lstrip()) else 70
    return 0


def read(text: str, path: str, sha256: str):
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock

    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its warnings repeat what the errors below say
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    entries = list(library.entries)
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):  # an entry all the same, under a key seen before
            entries.append(_as_parsed(block.ignore_error_block, library))
            continue
        error = getattr(block, "error", None)
        reason = " ".join(str(getattr(error, "abort_reason", None) or error or "cannot parse").split())
        result.errors.append(LoaderError(path, f"malformed BibTeX entry: {reason}", line=block.start_line + 1))
    entries.sort(key=lambda e: e.start_line)
    sets = [e for e in entries if e.entry_type.lower() in _NOT_WORKS]
    works = [e for e in entries if e.entry_type.lower() not in _NOT_WORKS]
    if sets:
        result.warnings.append(f"{path}: @set/@xdata entries group other entries and are not works, not "
                               f"stored: {', '.join(repr(e.key) for e in sets)}")
    if not entries and not library.failed_blocks:
        raise LoaderError(path, "no BibTeX entries (@article{...})")
    result.records = len(works) + len(result.errors)
    for entry in works:
        place = f"entry {entry.key!r} at line {entry.start_line + 1}"
        try:
            draft = _draft(entry)
            if not (draft.title or draft.doi or draft.pmid or draft.pmcid or draft.url):
                raise LoaderError(path, "entry has no title and no DOI, PMID, PMCID or URL: nothing to "
                                  "identify the work by; not stored", place=place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def _as_parsed(entry, library):
    """A duplicate-key entry as parse_string's default middlewares leave the others
    (@string macros resolved, enclosing braces and quotes removed): they skip failed blocks.
    The entry is run through them in a library of its own, with the file's @strings."""
    from bibtexparser import Library
    from bibtexparser.middlewares import RemoveEnclosingMiddleware, ResolveStringReferencesMiddleware

    alone = Library(blocks=[*library.strings, entry])
    for middleware in (ResolveStringReferencesMiddleware(True), RemoveEnclosingMiddleware(True)):
        alone = middleware.transform(alone)
    return alone.entries[0]


def _latex_to_text(value: str) -> str | None:
    from pylatexenc.latex2text import LatexNodes2Text

    return clean(LatexNodes2Text(math_mode="text").latex_to_text(value))


def _fields(entry) -> dict[str, str]:
    fields = {}
    for key, field in entry.fields_dict.items():
        key, value = key.lower(), str(field.value)
        fields[key] = _latex_to_text(value) if key in _TEXT_FIELDS and key not in ("author", "editor") else clean(value)
    return fields


def _people(value: str | None) -> list[str]:
    """Names split on "and" outside braces (bibtexparser's rule), each decoded from LaTeX."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return [n for n in (_latex_to_text(name) for name in split_multiple_persons_names(value or "")) if n]


def _eprint(fields: dict[str, str], kind: str) -> str | None:
    return fields.get("eprint") if (fields.get("eprinttype") or "").casefold() == kind else None


def _draft(entry) -> RecordDraft:
    fields = _fields(entry)
    found = extract_identifiers(" ".join(filter(None, [fields.get("url"), fields.get("eprint"),
                                                     fields.get("note")])))
    entry_type = entry.entry_type.lower()
    pub_type = fields.get("type")
    doi = fields.get("doi") or found.doi
    pmid = fields.get("pmid") or _eprint(fields, "pubmed") or found.pmid
    pmcid = fields.get("pmcid") or fields.get("pmc") or _eprint(fields, "pmc") or found.pmcid
    draft = RecordDraft(
        title=fields.get("title"), authors=_people(str(entry.fields_dict["author"].value))
        if "author" in entry.fields_dict else [],
        journal=fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle"),
        journal_abbreviation=fields.get("shortjournal"),
        year=year_of(fields.get("year") or fields.get("date")),
        doi=doi, pmid=pmid, pmcid=pmcid,
        url=None if (doi or pmid or pmcid) else fields.get("url"),
        publication_types=[pub_type] if pub_type else [],
        kind="guideline" if pub_type and "guideline" in pub_type.casefold() else None,
    )
    publisher = fields.get("institution") or fields.get("organization") or fields.get("publisher")
    if publisher and entry_type not in ("article", "inproceedings", "incollection", "inbook"):
        draft.organisation = Organisation(publisher)  # who issued a report, manual or book
    draft.extra = {"volume": fields.get("volume"), "issue": fields.get("number") or fields.get("issue"),
                   "pages": (fields.get("pages") or "").replace("--", "-") or None,
                   "date": fields.get("date") or fields.get("year"), "abstract": fields.get("abstract"),
                   "keywords": [k.strip() for k in re.split(r"[,;]", fields.get("keywords") or "") if k.strip()],
                   "isbn": fields.get("isbn"), "bibtex_type": entry_type, "bibtex_key": entry.key}
    return draft
