"""The browser's cross-article lists from the page-list index equal what the
store-wide SPARQL they replace gives, and stay so as articles are revised and
source records arrive.

The reference queries below are the page queries the lists used to run
(restricted to current article versions, which the index holds, and without
their LIMITs); they are the oracle here, not code the pages run.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.index import page_lists
from claimgraph.graph.read import pages_index
from claimgraph.graph.index import search

from conftest import SEED, SHARED

EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"
EVERYTHING = 10**6  # a page size that holds any list here

PREFIXES = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX c4o: <http://purl.org/spar/c4o/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
CURRENT = "FILTER NOT EXISTS { ?newer prov:wasRevisionOf ?version }"

OLD_SOURCE_CITING = PREFIXES + f"""SELECT ?source ?claim ?version ?label WHERE {{
  ?citation cito:hasCitedEntity ?source ; cito:hasCitingEntity ?claim .
  ?claim dcterms:isPartOf ?version . ?version a cg:Article . {CURRENT}
  OPTIONAL {{ ?citation cg:viaReference/fabio:hasSequenceIdentifier ?label }} }}"""

OLD_CONCEPT_CLAIMS = PREFIXES + f"""SELECT ?concept ?claim ?via WHERE {{
  ?via skos:broader* ?concept .
  ?claim cg:mentions ?via ; dcterms:isPartOf ?version . ?version a cg:Article . {CURRENT} }}"""

# Per claim, not aggregated in SPARQL: pyoxigraph's MIN gives no value at all when
# any is unbound, so the old matrix called a cell with one uncited claim "uncited".
OLD_EVIDENCE_MATRIX = PREFIXES + f"""SELECT DISTINCT ?concept ?drug ?condition ?claim ?rank WHERE {{
  ?via skos:broader* ?concept .
  ?claim cg:mentions ?via , ?drug , ?condition ; dcterms:isPartOf ?version .
  ?drug a cg:Drug . ?condition a cg:Condition . {CURRENT}
  OPTIONAL {{ ?claim cg:strongestEvidenceLevel/cg:rank ?rank }} }}"""

OLD_RELATED = PREFIXES + f"""SELECT DISTINCT ?claim ?other ?reason ?via ?via_condition WHERE {{
  {{ ?claim cito:cites ?via . ?other cito:cites ?via . BIND("source" AS ?reason) }}
  UNION {{ ?claim cg:mentions ?via , ?via_condition . ?via a cg:Drug . ?via_condition a cg:Condition .
           ?other cg:mentions ?via , ?via_condition . BIND("concepts" AS ?reason) }}
  FILTER(?other != ?claim)
  ?other dcterms:isPartOf ?version . ?version a cg:Article . {CURRENT} }}"""

OLD_HOME_CONCEPTS = PREFIXES + f"""SELECT ?concept ?kind (COUNT(DISTINCT ?claim) AS ?claims) WHERE {{
  ?claim cg:mentions ?concept ; dcterms:isPartOf ?version . {CURRENT}
  ?concept a ?kind . VALUES ?kind {{ cg:Drug cg:Condition }} }}
GROUP BY ?concept ?kind"""


def loaded_ok(outcomes):
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return outcomes


def current_claims(store) -> list[str]:
    return [row["claim"] for row in store.select("search-claims")]


def cited_sources(store) -> list[str]:
    return sorted({row["source"] for row in store.select(OLD_SOURCE_CITING)})


def named_concepts(store) -> list[str]:
    rows = store.select(PREFIXES + f"""SELECT DISTINCT ?concept WHERE {{
        ?claim cg:mentions ?via ; dcterms:isPartOf ?version . {CURRENT} ?via skos:broader* ?concept }}""")
    return sorted(row["concept"] for row in rows)


def listed(paged: page_lists.Paged) -> list[dict]:
    return [claim for article in paged.items for claim in article["claims"]]


# -- the comparisons ------------------------------------------------------------------

def assert_source_lists_match(store):
    expected: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in store.select(OLD_SOURCE_CITING):
        labels = expected[row["source"]][row["claim"]]
        if row["label"] is not None:
            labels.add(str(row["label"]))
    assert expected, "the store cites no source"
    for source, claims in expected.items():
        paged = page_lists.citing_claims(store, source, per_page=EVERYTHING)
        assert paged.total == len(claims), source
        assert {c["iri"]: set(c["labels"]) for c in listed(paged)} == claims, source


def assert_concept_lists_match(store):
    expected: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in store.select(OLD_CONCEPT_CLAIMS):
        expected[row["concept"]][row["claim"]].add(row["via"])
    for concept in named_concepts(store):
        paged = page_lists.concept_claims(store, concept, per_page=EVERYTHING)
        assert paged.total == len(expected[concept]), concept
        assert {c["iri"]: {iri for iri, _ in c["via"]} for c in listed(paged)} == expected[concept], concept


def assert_evidence_matrices_match(store):
    ranks: dict[str, dict[tuple, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in store.select(OLD_EVIDENCE_MATRIX):
        ranks[row["concept"]][(row["drug"], row["condition"])][row["claim"]] = row["rank"]
    expected = {concept: {pair: (len(by_claim), min((r for r in by_claim.values() if r is not None), default=None))
                          for pair, by_claim in pairs.items()}
                for concept, pairs in ranks.items()}
    assert expected, "no claim names a drug and a condition together"
    for concept in named_concepts(store):
        cells = page_lists.evidence_cells(store, concept)
        assert {(c["drug"], c["condition"]): (c["claims"], c["best_rank"]) for c in cells} \
            == expected.get(concept, {}), concept


def assert_related_claims_match(store, claims):
    for claim in claims:
        expected = defaultdict(set)
        for row in store.select(OLD_RELATED, claim=NamedNode(claim)):
            expected[row["other"]].add((row["reason"], row["via"], row["via_condition"]))
        found = page_lists.related_claims(store, claim, limit=EVERYTHING)
        assert {r["iri"]: {("source", s, None) for s in r["shared_sources"]}
                | {("concepts", p["drug"], p["condition"]) for p in r["shared_concepts"]}
                for r in found} == expected, claim


def assert_home_matches_stats(store):
    stats = store.select("stats")[0]
    home = pages_index.home_page(store)
    counts = home["counts"]
    assert counts["articles"] == stats["articles"] and counts["article_versions"] == stats["versions"]
    assert counts["claims"] == stats["claims"] and counts["uncited_claims"] == stats["uncited_claims"]
    assert counts["sources"] == stats["sources"]
    assert counts["unresolved_sources"] == stats["unresolved_sources"]
    named = store.select(OLD_HOME_CONCEPTS)
    kinds = {"https://w3id.org/claimgraph/ns#Drug": "drugs", "https://w3id.org/claimgraph/ns#Condition": "conditions"}
    for kind, name in kinds.items():
        of_kind = {r["concept"]: r["claims"] for r in named if r["kind"] == kind}
        assert counts[name] == len(of_kind)
        top = home[f"top_{name}"]
        assert {t["concept"]: t["claims"] for t in top}.items() <= of_kind.items()
        assert [t["claims"] for t in top] == sorted(of_kind.values(), reverse=True)[:len(top)]


def assert_all_lists_match(store, related_sample: int = 60):
    assert_source_lists_match(store)
    assert_concept_lists_match(store)
    assert_evidence_matrices_match(store)
    assert_related_claims_match(store, current_claims(store)[:related_sample])
    assert_home_matches_stats(store)


# -- the tests -----------------------------------------------------------------------

def test_home_numbers_agree_with_claimgraph_stats_on_the_seed(seed_store):
    assert_home_matches_stats(seed_store)
    counts = pages_index.home_page(seed_store)["counts"]
    assert (counts["articles"], counts["claims"], counts["uncited_claims"]) == (1, 25, 10)


def test_lists_equal_the_old_queries_on_the_seed(seed_store):
    assert_all_lists_match(seed_store, related_sample=25)


def test_lists_equal_the_old_queries_with_expertqa_loaded_too(seed_store, load_paths):
    loaded_ok(load_paths(EXPERTQA))
    assert_all_lists_match(seed_store)


def test_a_new_version_replaces_the_old_ones_rows(seed_store, load_paths, tmp_path):
    source = next(s for s in cited_sources(seed_store) if "/unresolved/" in s and s.endswith("/1"))
    old = {c["iri"] for c in listed(page_lists.citing_claims(seed_store, source))}
    changed = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered",
                                                        "Ofatumumab may be considered")
    (tmp_path / "myopathy-necrosis.txt").write_text(changed, encoding="utf-8")
    outcome = loaded_ok(load_paths(tmp_path / "myopathy-necrosis.txt"))[0]
    new_version = outcome.articles[0].version
    new = {c["iri"] for c in listed(page_lists.citing_claims(seed_store, source))}
    assert len(new) == len(old) and not new & old
    assert all(iri.startswith(new_version + "/") for iri in new)
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM versions WHERE current = 1").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM docs WHERE type = 'claim' AND version != ?",
                            (new_version,)).fetchone()[0] == 0
    assert_all_lists_match(seed_store, related_sample=25)
    assert pages_index.home_page(seed_store)["counts"]["article_versions"] == 2


def test_a_source_record_loaded_later_updates_the_lists(store, load_paths, tmp_path):
    article = tmp_path / "steroids.md"
    article.write_text("# How is myositis treated?\n\n## From the Research\n\n"
                       "Prednisone is first-line treatment for myositis [1].\n\n## References\n\n"
                       "1. Tan K. Treating myositis. 2021. doi:10.5555/myo.2021.17\n", encoding="utf-8")
    loaded_ok(load_paths(SEED, article))
    source = next(row["source"] for row in store.select(
        PREFIXES + "SELECT DISTINCT ?source ?doi WHERE { ?source <http://prismstandard.org/namespaces/basic/2.0/doi> ?doi }",
        doi="10.5555/myo.2021.17"))
    before = listed(page_lists.citing_claims(store, source))
    guideline = tmp_path / "g.yaml"  # its record, loaded later: a guideline, the strongest level
    guideline.write_text("claimgraph: guideline\norganisation: {name: American Society of Clinical Oncology, "
                         "short_name: ASCO}\ntitle: Test guideline on myositis\nyear: 2021\n"
                         "doi: 10.5555/myo.2021.17\n", encoding="utf-8")
    loaded_ok(load_paths(guideline))
    after = listed(page_lists.citing_claims(store, source))
    assert [c["iri"] for c in after] == [c["iri"] for c in before]
    level = store.select(PREFIXES + "SELECT ?claim ?level WHERE { ?claim cg:strongestEvidenceLevel ?level }",
                         claim=NamedNode(after[0]["iri"]))
    assert after[0]["level"]["iri"] == level[0]["level"]
    assert after[0]["level"]["label"] == "clinical practice guideline" != (before[0]["level"] or {}).get("label")
    kinds = {k["kind"]: k for k in pages_index.home_page(store)["sources_by_kind"]}
    assert kinds["guideline"]["resolved"] >= 1
    assert_all_lists_match(store)


def test_source_page_pages_its_citing_claims(seed_store, monkeypatch):
    from claimgraph.web import create_app

    source = next(s for s in cited_sources(seed_store) if "/unresolved/" in s and s.endswith("/1"))
    monkeypatch.setattr(pages_index, "CLAIMS_PER_PAGE", 4)
    client = create_app({"STORE": seed_store, "STORE_PATH": str(seed_store.path), "TESTING": True}).test_client()
    path = "/id/" + source.split("/id/", 1)[1]
    first = client.get(path + ".json").get_json()
    second = client.get(path + ".json?page=2").get_json()
    assert first["citing_claims"] == second["citing_claims"] == 6
    assert first["paging"]["next_page"] == 2 and second["paging"]["next_page"] is None
    shown = [r["claim"] for r in first["table"]] + [r["claim"] for r in second["table"]]
    assert len(shown) == 6 == len(set(shown))
    page = client.get(path).get_data(as_text=True)
    assert 'href="?page=2"' in page and "version history" in page
    for bad in ("?page=x", "?page=-3", "?page=" + "9" * 40):
        assert client.get(path + bad).status_code == 200


def test_concept_page_counts_narrower_concepts_and_pages(seed_store):
    corticosteroids = "https://w3id.org/claimgraph/id/drug/corticosteroids"
    assert "https://w3id.org/claimgraph/id/drug/prednisone" in page_lists.concept_and_narrower(
        seed_store, corticosteroids)
    everything = page_lists.concept_claims(seed_store, corticosteroids, per_page=EVERYTHING)
    first = page_lists.concept_claims(seed_store, corticosteroids, per_page=1)
    assert first.total == everything.total > 1 and first.pages == everything.total
    assert listed(first)[0]["iri"] == listed(everything)[0]["iri"]


def test_related_claims_are_limited_and_most_shared_first(seed_store):
    claim = current_claims(seed_store)[0]
    everything = page_lists.related_claims(seed_store, claim, limit=EVERYTHING)
    if len(everything) < 2:
        pytest.skip("the seed's first claim has fewer than two related claims")
    assert len(page_lists.related_claims(seed_store, claim, limit=1)) == 1
    other_articles_first = [r["same_article"] for r in everything]
    assert other_articles_first == sorted(other_articles_first)
