"""Source-record loaders on the real files in ../shared, and their per-record errors."""

from __future__ import annotations

import pytest

from claimgraph.loaders import read_file

SOURCE_FOLDERS = ("pubmed", "citation-formats", "fda-labels")


def all_source_files(shared):
    return sorted(p for folder in SOURCE_FOLDERS for p in (shared / "data" / folder).iterdir())


def test_every_shared_source_file_loads_without_errors(shared):
    files = all_source_files(shared)
    assert len(files) == 15  # dexamethasone-major.spl.xml joined fda-labels
    for path in files:
        result = read_file(path)
        assert result.ok, (path.name, [str(e) for e in result.errors])
        assert result.format is not None
        if path.suffix != ".csv":
            assert result.sources, path.name


def test_formats_are_recognised_by_content_not_extension(shared, tmp_path):
    expected = {"pubmed7.xml": "pubmed-xml", "pubmed_result2.medline.txt": "medline",
                "example_wos.ris": "ris", "lipitor-atorvastatin.spl.xml": "spl-xml",
                "humira-adalimumab.openfda.json": "openfda-label"}
    for name, fmt in expected.items():
        source = next(p for p in all_source_files(shared) if p.name == name)
        renamed = tmp_path / (name.replace(".", "_") + ".dat")
        renamed.write_bytes(source.read_bytes())
        assert read_file(renamed).format == fmt, name


def test_pubmed_record_keeps_bibliographic_details_and_reference_list(shared):
    record = read_file(shared / "data/pubmed/pubmed7.xml").sources[0]
    source = record.source
    assert source.identifiers.doi == "10.1117/1.jmi.5.2.026002"
    assert source.identifiers.pmid == "29963580" and source.identifiers.pmcid == "PMC6022861"
    assert source.year == 2018 and source.authors[0] == "Guo F"
    assert record.extra["volume"] == "5" and record.extra["issue"] == "2" and record.extra["pages"] == "026002"
    assert len(record.cites) == 49 and all(c.identifiers.pmid or c.identifiers.doi for c in record.cites)


def test_pubmed_mesh_and_publication_types(shared):
    record = read_file(shared / "data/pubmed/pubmed4.xml").sources[0]
    assert "Observational Study" in record.source.publication_types
    assert "Adenocarcinoma" in record.extra["mesh"]


def test_medline_records(shared):
    result = read_file(shared / "data/citation-formats/example_pubmed.medline.txt")
    assert len(result.sources) == 10
    first = result.sources[0].source
    assert first.identifiers.pmid == "30922926" and first.identifiers.doi == "10.1016/j.ejmg.2019.03.004"
    assert first.identifiers.pmcid == "PMC7026692" and "Review" in first.publication_types


def test_spl_label_has_setid_version_and_loinc_sections(shared):
    record = read_file(shared / "data/fda-labels/lipitor-atorvastatin.spl.xml").sources[0]
    assert record.source.kind == "drug-label"
    assert record.source.identifiers.setid == "c6e131fe-e7df-4876-83f7-9156fc4e8228"
    assert record.extra["version"] == "11" and record.extra["effective_date"] == "2014-01-13"
    assert record.extra["product_names"] == ["Lipitor"]
    sections = {s.number: s for s in record.extra["sections"]}
    imnm = [s for s in sections.values() if "immune-mediated necrotizing myopathy (IMNM)" in s.text]
    assert len(imnm) == 1 and sections[imnm[0].parent].code == "43685-7"


def test_openfda_sections_get_loinc_codes_and_missing_setid_is_a_warning(shared):
    result = read_file(shared / "data/fda-labels/humira-adalimumab.openfda.json")
    record = result.sources[0]
    codes = {s.code for s in record.extra["sections"]}
    assert {"43685-7", "34084-4", "34070-3"} <= codes  # warnings and precautions, adverse reactions, contraindications
    assert record.source.title.startswith("HUMIRA")
    assert any("no set_id" in w for w in result.warnings)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ris_bad_records_fail_alone(tmp_path):
    path = write(tmp_path, "mixed.ris",
                 "TY  - JOUR\nTI  - A good record\nDO  - 10.1000/good.1\nER  - \n\n"
                 "TI  - A record without a type\nER  - \n\n"
                 "TY  - JOUR\nTI  - A bad DOI\nDO  - 11.2/not-a-doi\nER  - \n")
    result = read_file(path)
    assert [s.source.title for s in result.sources] == ["A good record"]
    messages = [str(e) for e in result.errors]
    assert any("line 6" in m and "no 'TY  - '" in m for m in messages), messages
    assert any("line 9" in m and "bad DOI" in m for m in messages), messages


def test_pubmed_malformed_record_and_bad_doi(tmp_path):
    good = ("<PubmedArticle><MedlineCitation><PMID>123</PMID><Article><ArticleTitle>Good</ArticleTitle>"
            "</Article></MedlineCitation></PubmedArticle>")
    bad_doi = ("<PubmedArticle><MedlineCitation><PMID>124</PMID><Article><ArticleTitle>Bad</ArticleTitle>"
               "</Article></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=\"doi\">nonsense"
               "</ArticleId></ArticleIdList></PubmedData></PubmedArticle>")
    result = read_file(write(tmp_path, "set.xml", f"<PubmedArticleSet>{good}{bad_doi}</PubmedArticleSet>"))
    assert [s.source.identifiers.pmid for s in result.sources] == ["123"]
    assert "PMID 124" in str(result.errors[0]) and "bad DOI" in str(result.errors[0])
    broken = read_file(write(tmp_path, "broken.xml", f"<PubmedArticleSet>{good}<PubmedArticle>"))
    assert not broken.sources and "malformed XML" in str(broken.errors[0])
    assert broken.errors[0].line is not None


@pytest.mark.parametrize("body", [
    # billion laughs: nested entity expansion
    '<!DOCTYPE PubmedArticleSet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>&d;"
    "</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>",
    # external entity: would read a local file
    '<!DOCTYPE document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<document xmlns="urn:hl7-org:v3"><setId root="c6e131fe-e7df-4876-83f7-9156fc4e8228"/>'
    "<title>&xxe;</title></document>",
])
def test_entity_declarations_are_refused_cleanly(tmp_path, body):
    result = read_file(write(tmp_path, "hostile.xml", '<?xml version="1.0"?>\n' + body))
    assert not result.sources and len(result.errors) == 1
    assert "entity declarations are refused" in str(result.errors[0])
    assert "root:" not in str(result.errors[0])


def test_bibtex_and_csl_json(tmp_path):
    bib = read_file(write(tmp_path, "refs.bib",
                          "@article{ok, title={The {ASCO} update}, author={Schneider, Bryan and Naidoo, Jarushka},"
                          " journal={J Clin Oncol}, year={2021}, doi={10.1200/JCO.21.01440}}\n"
                          "@article{broken, title={x}\n"
                          "@article{baddoi, title={Bad}, doi={nonsense}, year=2020}\n"))
    assert [s.source.title for s in bib.sources] == ["The ASCO update"]
    assert bib.sources[0].source.authors == ["Schneider, Bryan", "Naidoo, Jarushka"]
    assert len(bib.errors) == 2
    csl = read_file(write(tmp_path, "refs.json",
                          '[{"id": "g", "type": "report", "title": "A guideline", "genre": "Practice Guideline",'
                          ' "publisher": "American Society of Clinical Oncology", "DOI": "10.1200/JCO.21.01440",'
                          ' "issued": {"date-parts": [[2021, 12, 20]]}, "author": [{"family": "Schneider", "given": "B"}]},'
                          ' {"type": "article-journal"}]'))
    assert csl.format == "csl-json"
    source = csl.sources[0].source
    assert source.kind == "guideline" and source.organisation.short_name == "ASCO" and source.year == 2021
    assert "item 2" in str(csl.errors[0])


def test_guideline_record_and_bad_recommendation(tmp_path, shared):
    from pathlib import Path

    example = read_file(Path(__file__).resolve().parents[1] / "examples/guidelines/asco-2021-irae.yaml")
    source = example.sources[0].source
    assert example.ok and source.kind == "guideline" and source.organisation.short_name == "ASCO"
    assert source.identifiers.doi == "10.1200/jco.21.01440" and source.identifiers.pmid == "34724392"
    custom = read_file(write(tmp_path, "g.yaml",
                             "claimgraph: guideline\ntitle: Test guideline\nyear: 2020\n"
                             "recommendations:\n  - {number: '1', text: Do this., strength: strong,"
                             " evidence_quality: high}\n  - {number: '2', text: Maybe that., strength: mighty}\n"))
    recs = custom.sources[0].extra["recommendations"]
    assert [r.number for r in recs] == ["1"] and recs[0].strength == "strong"
    assert "recommendation 2" in str(custom.errors[0]) and "mighty" in str(custom.errors[0])
