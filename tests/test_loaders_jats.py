"""PMC / JATS article XML with its reference list (issue 17, missing formats)."""

from __future__ import annotations

from claimgraph.loaders import read_file

REAL = "data/real-world"

# A JATS article shaped like PMC's (front matter of biopython's efetch_pmc.xml), with a
# reference list of the three kinds PMC articles hold: pub-id, a DOI link, no identifier.
ARTICLE = """<?xml version="1.0" ?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN" "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="review-article" xml:lang="en">
  <front>
    <journal-meta>
      <journal-id journal-id-type="iso-abbrev">ERJ Open Res</journal-id>
      <journal-title-group><journal-title>ERJ Open Research</journal-title></journal-title-group>
    </journal-meta>
    <article-meta>
      <article-id pub-id-type="pmid">34527728</article-id>
      <article-id pub-id-type="pmc">PMC8435807</article-id>
      <article-id pub-id-type="doi">10.1183/23120541.50193-2021</article-id>
      <title-group><article-title>Statin-associated <italic>necrotising</italic> myopathy</article-title></title-group>
      <contrib-group>
        <contrib contrib-type="author"><name><surname>Radtke</surname><given-names>Thomas</given-names></name></contrib>
        <contrib contrib-type="author"><collab>The Myositis Study Group</collab></contrib>
        <contrib contrib-type="editor"><name><surname>Editor</surname><given-names>E</given-names></name></contrib>
      </contrib-group>
      <pub-date pub-type="ppub"><month>7</month><year>2021</year></pub-date>
      <volume>7</volume><issue>3</issue><fpage>100</fpage><lpage>110</lpage>
      <kwd-group><kwd>myopathy</kwd><kwd>statins</kwd></kwd-group>
    </article-meta>
  </front>
  <back><ref-list>
    <ref id="R1"><element-citation publication-type="journal"><person-group><name><surname>Mammen</surname></name></person-group>
      <article-title>Statin myopathy</article-title><source>N Engl J Med</source><year>2016</year>
      <pub-id pub-id-type="doi">10.1056/NEJMra1506102</pub-id><pub-id pub-id-type="pmid">27025389</pub-id></element-citation></ref>
    <ref id="R2"><mixed-citation>Doe J. A study. <ext-link ext-link-type="uri" xlink:href="https://doi.org/10.1000/abc.2">doi</ext-link></mixed-citation></ref>
    <ref id="R3"><mixed-citation>World Health Organization. A report without identifiers. 2019.</mixed-citation></ref>
  </ref-list></back>
</article>
"""


def test_jats_article_and_its_reference_list(tmp_path, store, load_paths):
    path = tmp_path / "article.xml"
    path.write_text(ARTICLE)
    result = read_file(path)
    assert result.format == "jats-xml" and result.ok and result.records == 1
    record = result.sources[0]
    source = record.source
    assert source.title == "Statin-associated necrotising myopathy"
    assert source.identifiers.pmid == "34527728" and source.identifiers.pmcid == "PMC8435807"
    assert source.identifiers.doi == "10.1183/23120541.50193-2021"
    assert source.authors == ["Radtke, Thomas", "The Myositis Study Group"]
    assert source.journal == "ERJ Open Research" and source.year == 2021
    assert "Review" in source.publication_types
    assert record.extra["pages"] == "100-110" and record.extra["keywords"] == ["myopathy", "statins"]
    assert [(c.identifiers.doi, c.identifiers.pmid) for c in record.cites] == [
        ("10.1056/nejmra1506102", "27025389"), ("10.1000/abc.2", None)]
    assert record.extra["citation_texts"][0].startswith("Mammen Statin myopathy")
    assert any("1 reference-list entries have no DOI" in w for w in result.warnings)
    assert load_paths(path)[0].ok
    rows = store.select("""PREFIX cito: <http://purl.org/spar/cito/>
        PREFIX fabio: <http://purl.org/spar/fabio/>
        SELECT ?pmid WHERE { ?a fabio:hasPubMedId "34527728" ; cito:cites ?c . ?c fabio:hasPubMedId ?pmid }""")
    assert [r["pmid"] for r in rows] == ["27025389"]


def test_pmc_efetch_article_set(shared):
    result = read_file(shared / REAL / "pmc-xml/biopython__efetch_pmc.xml")
    assert result.format == "jats-xml" and result.ok and result.records == 1
    source = result.sources[0].source
    assert source.identifiers.pmcid == "PMC8435807" and source.identifiers.pmid == "34527728"
    assert source.title.startswith("“Lung diffusing capacity for nitric oxide")
    assert "Published Erratum" in source.publication_types
    assert result.sources[0].extra["date"] == "2021-09-13"


def test_jats_with_nothing_to_identify_the_article_is_refused_clearly(shared):
    result = read_file(shared / REAL / "other/manubot__references-jats.xml")
    assert result.format == "jats-xml" and result.records == 1 and not result.sources
    assert "no title and no PMID, PMCID or DOI" in str(result.errors[0])
