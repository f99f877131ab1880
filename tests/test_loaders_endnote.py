"""EndNote exports: tagged (.enw) and EndNote XML (issue 17, missing formats)."""

from __future__ import annotations

from lxml import etree

from claimgraph.loaders import read_file
from conftest import DATA

ENW = """%0 Journal Article
%A Schneider, Bryan J.
%A Naidoo, Jarushka
%T Management of immune-related adverse events in patients treated with immune checkpoint
inhibitor therapy: ASCO guideline update
%J Journal of Clinical Oncology
%V 39
%N 36
%P 4073-4126
%D 2021
%R 10.1200/JCO.21.01440
%M 34724392
%9 Practice Guideline
%Y A tag this loader has no field for

%0 Report
%T Guidelines for written reports
%I Some University
%D 2015
%U https://example.org/reports.pdf
"""


def test_endnote_tagged_export(tmp_path):
    path = tmp_path / "refs.enw"
    path.write_text(ENW)
    result = read_file(path)
    assert result.format == "endnote" and result.ok and result.records == 2
    guideline, report = (r.source for r in result.sources)
    assert guideline.title.endswith("immune checkpoint inhibitor therapy: ASCO guideline update")
    assert guideline.authors == ["Schneider, Bryan J.", "Naidoo, Jarushka"]
    assert guideline.identifiers.doi == "10.1200/jco.21.01440" and guideline.identifiers.pmid == "34724392"
    assert guideline.kind == "guideline" and guideline.year == 2021
    assert result.sources[0].extra["pages"] == "4073-4126"
    assert report.kind == "study" and report.organisation.name == "Some University"
    assert report.identifiers.url == "https://example.org/reports.pdf"
    assert any("%Y (1 record)" in w for w in result.warnings)


def test_jabref_endnote_file_every_record_stored_or_reported(shared):
    # JabRef's test file: 13 records (each %0 line starts one), mostly empty on purpose.
    result = read_file(shared / "data/real-world/other/jabref__Endnote.entries.enw")
    assert result.format == "endnote" and result.records == 13
    assert len(result.sources) + len(result.errors) == 13
    assert result.sources[0].source.title == "testT" and result.sources[0].source.authors == ["testA0", "testA1"]
    assert any("line 28: bad DOI" in str(e) for e in result.errors)


def test_endnote_xml_against_lxml_by_hand():
    path = DATA / "endnote/EndnoteXmlImporterTestArticle.xml"
    result = read_file(path)
    assert result.format == "endnote-xml" and result.ok and result.records == 1
    record = etree.parse(str(path)).find(".//record")

    def text(xpath):
        return " ".join("".join(record.find(xpath).itertext()).split())

    source = result.sources[0].source
    assert source.title == text("titles/title")
    assert source.journal == text("titles/secondary-title")
    assert source.identifiers.doi == text("electronic-resource-num").lower()
    assert source.identifiers.pmid == text("accession-num")
    assert source.authors == [" ".join("".join(a.itertext()).split()) for a in record.iter("author")]
    assert source.year == int(text("dates/year"))
    assert result.sources[0].extra["pages"] == text("pages") and result.sources[0].extra["volume"] == text("volume")
