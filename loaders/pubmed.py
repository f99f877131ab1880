"""PubMed efetch XML (``<PubmedArticleSet>``): one source record per ``PubmedArticle``.

Kept: title, authors, journal (and its ISO abbreviation), volume, issue, pages,
publication date, DOI, PMID, PMCID, MeSH headings, publication types, and the
article's own ``ReferenceList`` (or older records' ``CommentsCorrections`` of type
"Cites") as cited works (those with a PMID, DOI or PMCID).
Book records (``PubmedBookArticle``: a Bookshelf book, chapter or guideline such as
a NICE guideline) are read too, alone or inside an article set: PMID, Bookshelf
(NBK) id, ISBN, publisher, book or chapter title, authors, date, publication types.
A record that is broken (no PMID, a DOI that is not a DOI) is reported on its own;
the other records of the file still load.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .records import Organisation
from .source_fields import RecordDraft, build_record, cited_source, clean, element_text, parse_xml, year_of

FORMAT = "pubmed-xml"

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def sniff(text: str, path: Path) -> int:
    head = text[:4096]
    if "<PubmedArticleSet" in head or "<!DOCTYPE PubmedArticleSet" in head:
        return 95
    if re.search(r"<Pubmed(?:Book)?Article[\s>]", head):
        return 90
    return 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    root = parse_xml(text, path)
    articles = [root] if root.tag in _RECORD_TAGS else [e for e in root if e.tag in _RECORD_TAGS]
    if not articles:
        raise LoaderError(path, "no <PubmedArticle> or <PubmedBookArticle> records in the file")
    result.records = len(articles)
    for n, element in enumerate(articles, start=1):
        book = element.tag == "PubmedBookArticle"
        pmid = clean(element.findtext("BookDocument/PMID" if book else "MedlineCitation/PMID"))
        place = f"record {n}" + (f" (PMID {pmid})" if pmid else f", line {element.sourceline}")
        try:
            if not pmid:
                raise LoaderError(path, "record has no <PMID>", place=place)
            draft = _book_draft(element, path, place) if book else _draft(element, path, place)
            result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")


def _book_draft(element, path: str, place: str) -> RecordDraft:
    """A Bookshelf record: the book, or a chapter of it (``ArticleTitle``) with the book as container."""
    document = element.find("BookDocument")
    book = document.find("Book")
    if book is None:
        raise LoaderError(path, "book record has no <Book>", place=place)
    ids = {node.get("IdType"): clean(node.text) for node in
           document.findall("ArticleIdList/ArticleId") + element.findall("PubmedBookData/ArticleIdList/ArticleId")}
    book_title = element_text(book.find("BookTitle"))
    chapter = element_text(document.find("ArticleTitle"))
    date = _pub_date(book.find("PubDate"))
    authors = document.findall("AuthorList/Author") or book.findall("AuthorList/Author")
    publisher = clean(book.findtext("Publisher/PublisherName"))
    draft = RecordDraft(
        title=chapter or book_title,
        authors=[_author(a) for a in authors if _author(a)],
        journal=book_title if chapter else None,
        year=year_of(date), doi=ids.get("doi"), pmid=document.findtext("PMID"), pmcid=ids.get("pmc"),
        publication_types=[element_text(t) for t in
                           document.findall("PublicationType") + document.findall("PublicationTypeList/PublicationType")],
        organisation=Organisation(publisher) if publisher else None,
    )
    bookshelf = ids.get("bookaccession")
    draft.url = f"https://www.ncbi.nlm.nih.gov/books/{bookshelf}/" if bookshelf else None
    draft.extra = {"date": date, "isbn": clean(book.findtext("Isbn")), "bookshelf_id": bookshelf,
                   "publisher": publisher, "publisher_location": clean(book.findtext("Publisher/PublisherLocation")),
                   "collection": element_text(book.find("CollectionTitle")),
                   "language": clean(document.findtext("Language")),
                   "abstract": clean(" ".join(filter(None, map(element_text,
                                                               document.findall("Abstract/AbstractText"))))),
                   "keywords": [element_text(k) for k in document.findall("KeywordList/Keyword")]}
    draft.extra["citation_texts"] = _reference_list(draft, document.findall("ReferenceList/Reference"),
                                                    path, place)
    return draft


def _draft(element, path: str, place: str) -> RecordDraft:
    citation = element.find("MedlineCitation")
    article = citation.find("Article")
    if article is None:
        raise LoaderError(path, "record has no <Article>", place=place)
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    ids = {node.get("IdType"): clean(node.text)
           for node in element.findall("PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next((clean(e.text) for e in article.findall("ELocationID")
                                  if e.get("EIdType") == "doi"), None)
    date = _pub_date(issue.find("PubDate") if issue is not None else None)
    draft = RecordDraft(
        title=element_text(article.find("ArticleTitle")),
        authors=[_author(a) for a in article.findall("AuthorList/Author") if _author(a)],
        journal=clean(journal.findtext("Title")) if journal is not None else None,
        journal_abbreviation=clean(journal.findtext("ISOAbbreviation")) if journal is not None else None,
        year=year_of(date),
        doi=doi, pmid=citation.findtext("PMID"), pmcid=ids.get("pmc"),
        publication_types=[element_text(t) for t in article.findall("PublicationTypeList/PublicationType")],
    )
    draft.extra = {
        "volume": clean(issue.findtext("Volume")) if issue is not None else None,
        "issue": clean(issue.findtext("Issue")) if issue is not None else None,
        "pages": clean(article.findtext("Pagination/MedlinePgn")),
        "date": date,
        "mesh": [element_text(h.find("DescriptorName")) for h in
                 citation.findall("MeshHeadingList/MeshHeading") if h.find("DescriptorName") is not None],
        "keywords": [element_text(k) for k in citation.findall("KeywordList/Keyword")],
        "language": clean(article.findtext("Language")),
        "abstract": element_text(article.find("Abstract")),
    }
    texts = _reference_list(draft, element.findall("PubmedData/ReferenceList/Reference"), path, place)
    # Older records list what they cite as CommentsCorrections of type "Cites".
    for c, ref in enumerate(citation.findall("CommentsCorrectionsList/CommentsCorrections"), start=1):
        if ref.get("RefType") != "Cites":
            continue
        cited = cited_source(path, f"{place}, cited {c}", pmid=ref.findtext("PMID"))
        if cited is not None:
            draft.cites.append(cited)
            texts.append(clean(ref.findtext("RefSource")) or "")
    draft.extra["citation_texts"] = texts
    return draft


def _reference_list(draft: RecordDraft, references, path: str, place: str) -> list[str]:
    """Adds the cited works of a ``ReferenceList`` that have an identifier; their entry texts."""
    texts = []
    for r, ref in enumerate(references, start=1):
        ref_ids = {node.get("IdType"): clean(node.text) for node in ref.findall("ArticleIdList/ArticleId")}
        cited = cited_source(path, f"{place}, reference {r}", doi=ref_ids.get("doi"),
                             pmid=ref_ids.get("pubmed"), pmcid=ref_ids.get("pmc"))
        if cited is not None:
            draft.cites.append(cited)
            texts.append(clean(ref.findtext("Citation")) or "")
    return texts


def _author(node) -> str | None:
    if node.find("CollectiveName") is not None:
        return element_text(node.find("CollectiveName"))
    last, initials = clean(node.findtext("LastName")), clean(node.findtext("Initials"))
    if not last:
        return None
    return f"{last} {initials}" if initials else last


def _pub_date(node) -> str | None:
    """ISO "YYYY-MM-DD", "YYYY-MM" or "YYYY"; a MedlineDate ("1998 Dec-1999 Jan") as written."""
    if node is None:
        return None
    year = clean(node.findtext("Year"))
    if not year:
        return clean(node.findtext("MedlineDate"))
    month = clean(node.findtext("Month"))
    if not month:
        return year
    month_number = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower())
    if not month_number:
        return year
    day = clean(node.findtext("Day"))
    return f"{year}-{month_number:02d}" + (f"-{int(day):02d}" if day and day.isdigit() else "")
