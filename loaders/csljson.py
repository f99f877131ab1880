"""CSL-JSON (what Zotero, Mendeley and citation.js export): one source record per item.

An item is a JSON object with a ``type``; a file holds one item or an array of
them. An item is stored when it has a title or an identifier (``DOI``, ``PMID``,
``PMCID``, ``URL``): an untitled item is kept under its identifiers (Crossref and
Manubot give many such), one with neither is reported. An item whose ``genre``
(or ``type`` "standard") says guideline is a guideline, its ``publisher`` the
issuing organisation. Crossref's ``reference`` list (what the work cites) gives
the work's cited works: those with a DOI; the others are counted in a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .records import Organisation
from .source_fields import RecordDraft, build_record, cited_source, clean, parse_json, year_of

FORMAT = "csl-json"


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n\t ")[:4096]
    if head[:1] not in "[{":
        return 0
    if re.search(r'"type"\s*:\s*"[\w-]+"', head) and re.search(r'"(?:title|DOI|URL)"\s*:', head) and (
            re.search(r'"(?:container-title|issued|author|DOI|URL)"\s*:', head)):
        return 85
    return 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    data = parse_json(text, path)
    items = data if isinstance(data, list) else [data]
    result.records = len(items)
    uncited = 0
    for n, item in enumerate(items, start=1):
        place = f"item {n}" + (f" (id {item.get('id')!r})" if isinstance(item, dict) and item.get("id") else "")
        try:
            if not isinstance(item, dict) or not item.get("type"):
                raise LoaderError(path, "not a CSL item (needs a \"type\")", place=place)
            draft = _draft(item)
            if not (draft.title or draft.doi or draft.pmid or draft.pmcid or draft.url):
                raise LoaderError(path, "CSL item has no title and no DOI, PMID, PMCID or URL: nothing to "
                                  "identify the work by; not stored", place=place)
            uncited += _references(draft, item.get("reference"), path, place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if uncited:
        result.warnings.append(f"{path}: {uncited} entries of Crossref reference lists have no DOI; "
                               "they are not kept as cited works")
    return result


def _references(draft: RecordDraft, references, path: str, place: str) -> int:
    """Crossref ``reference`` entries with a DOI as the work's cited works; how many had none."""
    if not isinstance(references, list):
        return 0
    texts, without = [], 0
    for r, ref in enumerate(references, start=1):
        cited = cited_source(path, f"{place}, reference {r}", doi=ref.get("DOI")) if isinstance(ref, dict) else None
        if cited is None:
            without += 1
            continue
        draft.cites.append(cited)
        texts.append(clean(ref.get("unstructured")) or clean(", ".join(
            str(ref[k]) for k in ("author", "article-title", "journal-title", "year") if ref.get(k))) or "")
    draft.extra["citation_texts"] = texts
    return without


def _name(person: dict) -> str | None:
    if not isinstance(person, dict):
        return None
    if person.get("literal"):
        return person["literal"]
    family, given = person.get("family"), person.get("given")
    return f"{family}, {given}" if family and given else family or given


def issued_date(item: dict) -> str | None:
    """"2021-11-01", "2021-11" or "2021" from CSL ``issued``."""
    issued = item.get("issued") or {}
    parts = (issued.get("date-parts") or [[]])[0] if isinstance(issued, dict) else []
    parts = [int(p) for p in parts if str(p).isdigit()]
    if not parts:
        return clean(issued.get("raw") or issued.get("literal")) if isinstance(issued, dict) else None
    return "-".join([f"{parts[0]:04d}"] + [f"{p:02d}" for p in parts[1:3]])


def _draft(item: dict) -> RecordDraft:
    genre = str(item.get("genre") or "")
    guideline = "guideline" in genre.casefold() or item.get("type") == "standard"
    date = issued_date(item)
    draft = RecordDraft(
        title=item.get("title"),
        authors=[n for n in (_name(a) for a in item.get("author") or []) if n],
        journal=item.get("container-title"), journal_abbreviation=item.get("container-title-short"),
        year=year_of(date), doi=item.get("DOI"), pmid=item.get("PMID"), pmcid=item.get("PMCID"),
        url=None if item.get("DOI") or item.get("PMID") else item.get("URL"),
        publication_types=[genre] if genre else [],
        kind="guideline" if guideline else None,
    )
    if guideline and item.get("publisher"):
        draft.organisation = Organisation(clean(item["publisher"]))
    draft.extra |= {"volume": clean(item.get("volume")), "issue": clean(item.get("issue")),
                   "pages": clean(item.get("page")), "date": date, "abstract": clean(item.get("abstract")),
                   "csl_type": item.get("type"), "language": clean(item.get("language"))}
    return draft
