"""Source records in the store: identity and merging, label sections, cites, evidence levels."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

DATA = Path(__file__).resolve().parent / "data"
ARTICLE_CITING_DOI = DATA / "sources-cites-doi.md"
PMID_OF_DOI = "29963580"
DOI = "10.1117/1.jmi.5.2.026002"

PREFIXES = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX c4o: <http://purl.org/spar/c4o/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
"""


def loaded_ok(outcomes):
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return outcomes


def sources_with_doi(store, doi=DOI):
    return store.select(PREFIXES + "SELECT DISTINCT ?source ?doi WHERE { ?source prism:doi ?doi }", doi=doi)


def citing_claims(store, source):
    return store.select(PREFIXES + "SELECT DISTINCT ?claim ?source WHERE { ?claim a cg:Claim ; cito:cites ?source }",
                        source=NamedNode(source))


@pytest.mark.parametrize("order", ["article-first", "record-first"])
def test_article_and_record_of_one_doi_make_one_source(store, load_paths, shared, order):
    pubmed7 = shared / "data/pubmed/pubmed7.xml"
    paths = [ARTICLE_CITING_DOI, pubmed7] if order == "article-first" else [pubmed7, ARTICLE_CITING_DOI]
    for path in paths:
        loaded_ok(load_paths(path))
    nodes = sources_with_doi(store)
    assert len(nodes) == 1
    node = nodes[0]["source"]
    described = store.select(PREFIXES + """SELECT ?source ?pmid ?volume ?journal WHERE {
        ?source fabio:hasPubMedId ?pmid ; prism:volume ?volume ; cg:fromRecord ?file .
        OPTIONAL { ?source prism:publicationName ?journal } }""", source=NamedNode(node))
    assert described and described[0]["pmid"] == PMID_OF_DOI and described[0]["volume"] == "5"
    assert len(citing_claims(store, node)) == 1
    # the record's description is the one answer: no leftover "unknown"/"unresolved" guesses
    levels = store.select(PREFIXES + "SELECT DISTINCT ?source ?level WHERE { ?source cg:evidenceLevel ?level }",
                          source=NamedNode(node))
    assert len(levels) == 1


def test_record_completes_a_source_cited_by_pmid_only(store, load_paths, shared, tmp_path):
    article = tmp_path / "cites-pmid.md"
    article.write_text("# Does a biomarker pipeline help?\n\n## From the Research\n\n"
                       "Imaging pipelines phenotype lung disease [1].\n\n## References\n\n"
                       f"1. Guo F. A pipeline. PMID: {PMID_OF_DOI}\n", encoding="utf-8")
    loaded_ok(load_paths(article))
    before = store.select(PREFIXES + "SELECT ?source ?pmid WHERE { ?source fabio:hasPubMedId ?pmid }", pmid=PMID_OF_DOI)
    loaded_ok(load_paths(shared / "data/pubmed/pubmed7.xml"))
    loaded_ok(load_paths(ARTICLE_CITING_DOI))  # a later article citing the DOI folds into the same node
    after = store.select(PREFIXES + "SELECT DISTINCT ?source ?pmid WHERE { ?source fabio:hasPubMedId ?pmid }",
                         pmid=PMID_OF_DOI)
    assert [r["source"] for r in after] == [r["source"] for r in before]
    assert sources_with_doi(store)[0]["source"] == before[0]["source"]
    assert len(citing_claims(store, before[0]["source"])) == 2


def test_pubmed7_reference_list_becomes_cites_links(store, load_paths, shared):
    loaded_ok(load_paths(shared / "data/pubmed/pubmed7.xml"))
    rows = store.select(PREFIXES + """SELECT (COUNT(DISTINCT ?cited) AS ?n) WHERE {
        ?study fabio:hasPubMedId "29963580" ; cito:cites ?cited . ?cited a cg:Source }""")
    assert rows[0]["n"] == 49


def test_lipitor_imnm_warning_is_a_section_of_the_label(store, load_paths, shared):
    loaded_ok(load_paths(shared / "data/fda-labels/lipitor-atorvastatin.spl.xml"))
    rows = store.select(PREFIXES + """SELECT ?label ?section ?title ?code WHERE {
        ?label a cg:DrugLabel ; cg:splSetId "c6e131fe-e7df-4876-83f7-9156fc4e8228" ; dcterms:hasVersion ?version .
        ?section a cg:LabelSection ; dcterms:isPartOf ?version ; c4o:hasContent ?text ; dcterms:title ?title ;
                 cg:parentSection ?warnings .
        ?warnings cg:loincCode ?code .
        FILTER(CONTAINS(?text, "immune-mediated necrotizing myopathy (IMNM)")) }""")
    assert len(rows) == 1
    assert rows[0]["code"] == "43685-7" and rows[0]["title"] == "5.1 Skeletal Muscle"


def test_two_versions_of_one_setid_are_versions_of_one_label(store, load_paths, shared, tmp_path):
    original = (shared / "data/fda-labels/lipitor-atorvastatin.spl.xml").read_text(encoding="utf-8")
    newer = tmp_path / "lipitor-v12.xml"
    newer.write_text(original.replace('<versionNumber value="11"/>', '<versionNumber value="12"/>'),
                     encoding="utf-8")
    loaded_ok(load_paths(shared / "data/fda-labels/lipitor-atorvastatin.spl.xml", newer))
    rows = store.select("label-versions", label=NamedNode(
        "https://w3id.org/claimgraph/id/source/setid/c6e131fe-e7df-4876-83f7-9156fc4e8228"))
    assert sorted(r["number"] for r in rows) == ["11", "12"]
    labels = store.select(PREFIXES + "SELECT DISTINCT ?l WHERE { ?l a cg:DrugLabel }")
    assert len(labels) == 1


def test_title_and_year_without_identifier_is_only_a_probable_match(store, load_paths, shared, tmp_path):
    record = tmp_path / "no-id.ris"
    record.write_text("TY  - JOUR\nTI  - Development of a pulmonary imaging biomarker pipeline for "
                      "phenotyping of chronic lung disease\nPY  - 2018\nER  - \n", encoding="utf-8")
    loaded_ok(load_paths(shared / "data/pubmed/pubmed7.xml", record))
    rows = store.select(PREFIXES + "SELECT ?a ?b WHERE { ?a cg:probableMatch ?b }")
    assert len(rows) == 2  # both directions
    assert len(sources_with_doi(store)) == 1
    unmerged = store.select(PREFIXES + """SELECT DISTINCT ?s WHERE { ?s dcterms:title ?t .
        FILTER(STRSTARTS(STR(?t), "Development of a pulmonary imaging")) }""")
    assert len(unmerged) == 2


def test_guideline_record_organisation_and_citation_strength(store, load_paths, tmp_path):
    guideline = tmp_path / "g.yaml"
    guideline.write_text("claimgraph: guideline\norganisation: {name: American Society of Clinical Oncology, "
                         "short_name: ASCO}\ntitle: Test guideline on myositis\nyear: 2021\n"
                         "doi: 10.5555/test.guideline\nstrength: strong\n", encoding="utf-8")
    article = tmp_path / "a.md"
    article.write_text("# How is myositis treated?\n\n## From the Guidelines\n\n"
                       "Steroids are first-line treatment [1].\n\n## References\n\n"
                       "1. Test guideline on myositis. 2021. doi:10.5555/test.guideline\n", encoding="utf-8")
    loaded_ok(load_paths(article, guideline))
    rows = store.select(PREFIXES + """SELECT ?claim ?level ?strength ?org WHERE {
        ?citation cito:hasCitingEntity ?claim ; cg:evidenceLevel ?level ; cg:guidelineStrength ?strength ;
                  cito:hasCitedEntity ?g . ?g dcterms:publisher/<http://schema.org/alternateName> ?org .
        ?claim cg:strongestEvidenceLevel ?best }""")
    assert rows and rows[0]["level"].endswith("#GuidelineEvidence") and rows[0]["strength"] == "strong"
    assert rows[0]["org"] == "ASCO"


EXAMPLES = Path(__file__).resolve().parents[1] / "graph/queries/examples"


def test_example_claims_strongest_guideline_after_marker_map(store, load_paths, shared, tmp_path):
    from claimgraph.graph.write.marker_refs import apply_marker_map
    from claimgraph.loaders import read_file
    from claimgraph.loaders.sidecar import read_marker_map

    guideline = tmp_path / "graded.yaml"
    guideline.write_text((Path(__file__).resolve().parents[1] / "examples/guidelines/asco-2021-irae.yaml")
                         .read_text(encoding="utf-8") + "strength: strong\n", encoding="utf-8")
    refs = tmp_path / "seed.refs.yaml"
    refs.write_text(f'"1": {{record: {guideline}}}\n', encoding="utf-8")
    seed = shared / "data/seeds/myopathy-necrosis.txt"
    result = read_file(seed)
    loaded_ok(load_paths(seed))
    outcome = apply_marker_map(store, result, read_marker_map(refs))
    assert outcome.applied == ["1"] and not outcome.errors
    rows = store.select((EXAMPLES / "claims-strongest-guideline.rq").read_text(encoding="utf-8"))
    assert rows
    assert {r["issuer"] for r in rows} == {"American Society of Clinical Oncology"}
    assert {r["strength"] for r in rows} == {"strong"}
    assert all(r["title"].startswith("Management of Immune-Related Adverse Events") for r in rows)


def test_example_label_sections_by_loinc(store, load_paths, shared):
    loaded_ok(load_paths(shared / "data/fda-labels/lipitor-atorvastatin.spl.xml"))
    rows = store.select((EXAMPLES / "label-sections-by-loinc.rq").read_text(encoding="utf-8"))
    assert any(r["title"] == "5.1 Skeletal Muscle" for r in rows)
    assert {r["setid"] for r in rows} == {"c6e131fe-e7df-4876-83f7-9156fc4e8228"}
