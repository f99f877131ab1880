"""PubMed book records and MEDLINE blocks without a PMID (issue 17, items 4 and 8)."""

from __future__ import annotations

from claimgraph.loaders import read_file

REAL = "data/real-world"
BOOK = "pubmed-xml/jabref__MedlineImporterTestPubmedBook.xml"


def _book_checks(record):
    source = record.source
    assert source.identifiers.pmid == "21413195"
    assert source.title == ("Rheumatoid Arthritis: National Clinical Guideline for Management and "
                            "Treatment in Adults")
    assert source.kind == "guideline" and "Practice Guideline" in source.publication_types
    assert source.organisation.name == "Royal College of Physicians (UK)"
    assert source.year == 2009 and source.authors[0] == "National Collaborating Centre for Chronic Conditions (UK)"
    assert record.extra["isbn"] == "9781860163593" and record.extra["bookshelf_id"] == "NBK51812"
    assert record.extra["date"] == "2009-02"


def test_pubmed_book_record_alone(shared):
    result = read_file(shared / REAL / BOOK)
    assert result.format == "pubmed-xml" and result.ok and result.records == 1
    _book_checks(result.sources[0])


def test_pubmed_book_record_inside_an_article_set(shared, tmp_path):
    # Was skipped while the load said "ok": efetch mixes PubmedArticle and PubmedBookArticle.
    book = (shared / REAL / BOOK).read_text()
    article = (shared / "data/pubmed/pubmed7.xml").read_text()
    article_body = article[article.index("<PubmedArticle>"):article.rindex("</PubmedArticleSet>")]
    path = tmp_path / "mixed.xml"
    path.write_text(f'<?xml version="1.0"?>\n<PubmedArticleSet>\n{article_body}\n{book}\n</PubmedArticleSet>\n')
    result = read_file(path)
    assert result.ok and result.records == 2 and len(result.sources) == 2
    assert result.sources[0].source.identifiers.pmid == "29963580"
    _book_checks(result.sources[1])


def test_book_identifiers_reach_the_store(shared, store, load_paths):
    outcome = load_paths(shared / REAL / BOOK)[0]
    assert outcome.ok and outcome.sources == 1 and outcome.records == 1
    rows = store.select("""PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX fabio: <http://purl.org/spar/fabio/>
        SELECT ?isbn ?nbk ?publisher WHERE { ?s fabio:hasPubMedId "21413195" ; prism:isbn ?isbn ;
            dcterms:identifier ?nbk ; dcterms:publisher/<http://xmlns.com/foaf/0.1/name> ?publisher }""")
    assert [(r["isbn"], r["nbk"]) for r in rows] == [("9781860163593", "NBK51812")], rows


def test_medline_blocks_without_pmid_are_records_of_their_own(shared):
    result = read_file(shared / REAL / "medline/jabref__MedlinePlainImporterTestMultipleEntries.txt")
    assert result.records == 7 and len(result.sources) == 7
    first = result.sources[0]
    # The blocks after it (a consensus conference, a book) used to be merged into it.
    assert first.source.kind == "study" and first.source.identifiers.pmid == "20481061"
    assert first.source.publication_types == ["Historical Article", "Journal Article",
                                              "Research Support, Non-U.S. Gov't"]
    assert first.extra["mesh"][-1] == "Women, Working/*history/psychology".lstrip("*")
    second = result.sources[1]
    assert second.locator == "record at line 55 (no PMID)" and second.source.identifiers.pmcid == "PMC22664230"
    assert result.sources[3].source.identifiers.doi == "10.1016/j.cpr.2005.02.002"
    assert any("ignored: 53" in w for w in result.warnings)


def test_medline_block_with_nothing_to_identify_it_is_reported(tmp_path):
    path = tmp_path / "two.nbib"
    path.write_text("PMID- 123\nTI  - A study\n\nPT  - Journal Article\nLA  - eng\n")
    result = read_file(path)
    assert result.records == 2 and len(result.sources) == 1
    assert "record at line 4 (no PMID): record has no PMID, title or other identifier" in str(result.errors[0])


def test_medline_after_a_stray_first_line(tmp_path):
    # A doubled BOM left "\ufeffPMID- 1" unreadable as a tag line; the next tag line crashed the loader.
    path = tmp_path / "bom.nbib"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfPMID- 123\nTI  - A study\nJT  - A journal\n")
    result = read_file(path, format="medline")
    assert not any("internal error" in str(e) for e in result.errors), result.errors
    assert [s.source.title for s in result.sources] == ["A study"]
