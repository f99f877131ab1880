"""PMC / JATS article XML (PMC efetch ``<pmc-articleset>``, or one ``<article>``): one source per article.

The article is the source: title, authors (or collaborations), journal and its
abbreviation, date, volume, issue, pages, PMID, PMCID, DOI, article type and the
journal's heading subjects (as publication types), keywords, abstract. Its
reference list (``back/ref-list``) becomes the article's cited works, as a PubMed
record's ``ReferenceList`` does: each ``ref`` with a DOI, PMID or PMCID (as a
``pub-id``, or a DOI link) is a cited work, its citation text kept; refs without
any are counted in a warning. An article with neither a title nor an identifier
cannot be stored and is reported.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .identifiers import extract_identifiers
from .source_fields import RecordDraft, build_record, cited_source, clean, element_text, parse_xml, year_of

FORMAT = "jats-xml"

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Which of an article's dates is its publication date, most telling first.
_DATE_TYPES = ("ppub", "epub-ppub", "epub", "collection", "pub", "electronic", "print")
_ARTICLE_TYPES = {"research-article": "Journal Article", "review-article": "Review",
                  "case-report": "Case Reports", "editorial": "Editorial", "letter": "Letter",
                  "correction": "Published Erratum", "retraction": "Retraction of Publication",
                  "practice-guideline": "Practice Guideline", "guideline": "Practice Guideline"}


def sniff(text: str, path: Path) -> int:
    head = text[:4096]
    if "<pmc-articleset" in head or re.search(r"<!DOCTYPE article PUBLIC \"-//NLM//DTD (?:JATS|Journal)", head):
        return 95
    if re.search(r"<article[\s>]", head) and ("<front>" in text[:20000] or "<article-meta" in text[:20000]):
        return 85
    return 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    root = parse_xml(text, path)
    articles = [root] if root.tag == "article" else root.findall("article")
    if not articles:
        raise LoaderError(path, f"no JATS <article> in <{root.tag}>")
    result.records = len(articles)
    without_ids = 0
    for n, article in enumerate(articles, start=1):
        place = f"article {n} (line {article.sourceline})"
        try:
            draft, skipped = _draft(article, path, place)
            without_ids += skipped
            if not (draft.title or draft.doi or draft.pmid or draft.pmcid):
                raise LoaderError(path, "JATS article has no title and no PMID, PMCID or DOI: nothing to "
                                  "identify it by; not stored", place=place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    if without_ids:
        result.warnings.append(f"{path}: {without_ids} reference-list entries have no DOI, PMID or PMCID; "
                               "they are not kept as cited works")
    return result


def _person(contrib) -> str | None:
    if contrib.find("collab") is not None:
        return element_text(contrib.find("collab"))
    name = contrib.find("name")
    if name is None:
        return element_text(contrib.find("string-name"))
    surname, given = element_text(name.find("surname")), element_text(name.find("given-names"))
    return f"{surname}, {given}" if surname and given else surname or given


def _date(meta) -> str | None:
    """"2021-09-13", "2021-07" or "2021" from the most telling ``pub-date``."""
    dates = {d.get("pub-type") or d.get("date-type"): d for d in meta.findall("pub-date")}
    node = next((dates[t] for t in _DATE_TYPES if t in dates), next(iter(dates.values()), None))
    if node is None or not clean(node.findtext("year")):
        return None
    parts = [clean(node.findtext(p)) for p in ("year", "month", "day")]
    numbers = [p for p in parts if p and p.isdigit()]
    return "-".join([numbers[0]] + [f"{int(p):02d}" for p in numbers[1:3]])


def _draft(article, path: str, place: str) -> tuple[RecordDraft, int]:
    meta = article.find("front/article-meta")
    journal = article.find("front/journal-meta")
    if meta is None:
        raise LoaderError(path, "JATS article has no <front>/<article-meta>", place=place)
    ids = {node.get("pub-id-type"): clean(node.text) for node in meta.findall("article-id")}
    journal_ids = {node.get("journal-id-type"): clean(node.text)
                   for node in (journal.findall("journal-id") if journal is not None else [])}
    date = _date(meta)
    headings = [element_text(s) for s in meta.findall("article-categories/subj-group[@subj-group-type='heading']/subject")]
    article_type = article.get("article-type")
    fpage, lpage = clean(meta.findtext("fpage")), clean(meta.findtext("lpage"))
    draft = RecordDraft(
        title=element_text(meta.find("title-group/article-title")),
        authors=[p for p in (_person(c) for c in meta.findall("contrib-group/contrib")
                             if c.get("contrib-type") in (None, "author")) if p],
        journal=element_text(journal.find("journal-title-group/journal-title")) if journal is not None else None,
        journal_abbreviation=journal_ids.get("iso-abbrev") or journal_ids.get("nlm-ta"),
        year=year_of(date), doi=ids.get("doi"), pmid=ids.get("pmid"), pmcid=ids.get("pmc") or ids.get("pmcid"),
        publication_types=[t for t in [_ARTICLE_TYPES.get(article_type or "", article_type)] + headings if t],
    )
    draft.extra = {"volume": clean(meta.findtext("volume")), "issue": clean(meta.findtext("issue")),
                   "pages": f"{fpage}-{lpage}" if fpage and lpage else fpage or clean(meta.findtext("elocation-id")),
                   "date": date, "abstract": element_text(meta.find("abstract")),
                   "keywords": [element_text(k) for k in meta.findall("kwd-group/kwd") if element_text(k)],
                   "language": article.get(XML_LANG)}
    return draft, _references(draft, article.findall("back/ref-list//ref"), path, place)


def _references(draft: RecordDraft, refs, path: str, place: str) -> int:
    """The refs with an identifier as cited works (texts in ``citation_texts``); how many had none."""
    texts, without = [], 0
    for r, ref in enumerate(refs, start=1):
        citation = next((c for c in ref if c.tag in ("element-citation", "mixed-citation", "citation",
                                                    "nlm-citation")), ref)
        pub_ids = {p.get("pub-id-type"): clean(p.text) for p in citation.iter("pub-id")}
        links = extract_identifiers(" ".join(e.get(XLINK_HREF) or "" for e in citation.iter("ext-link")))
        cited = cited_source(path, f"{place}, reference {ref.get('id') or r}",
                             doi=pub_ids.get("doi") or links.doi, pmid=pub_ids.get("pmid"),
                             pmcid=pub_ids.get("pmcid") or pub_ids.get("pmc") or links.pmcid)
        if cited is None:
            without += 1
            continue
        draft.cites.append(cited)
        texts.append(element_text(citation) or "")
    draft.extra["citation_texts"] = texts
    return without
