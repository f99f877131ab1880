"""The store-wide findings lists read from the SQLite index equal what SPARQL over
the findings graphs gives (the oracle: every finding of a current version, and the
duplicate-source findings), and stay so as articles are revised, loaded again,
reviewed and joined by more articles."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.index import finding_lists
from claimgraph.graph.rules import findings
from claimgraph.graph.write import reviews
from claimgraph.graph.index.search import index_path

from conftest import SEED, SHARED

EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"
EVERYTHING = 10**6

ORACLE = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?finding ?code ?target ?version ?explanation WHERE {
  GRAPH ?g { ?finding a cg:Finding ; cg:findingCode ?code ; oa:hasTarget ?target ; oa:bodyValue ?explanation .
             OPTIONAL { ?finding cg:inArticle ?version } }
  FILTER(?g = <https://w3id.org/claimgraph/id/graph/findings/sources>
         || (BOUND(?version) && NOT EXISTS { ?newer prov:wasRevisionOf ?version }))
}"""


def oracle(store) -> dict[str, set]:
    by_code: dict[str, set] = {}
    grouped: dict[str, dict] = {}
    for row in store.select(ORACLE):
        f = grouped.setdefault(row["finding"], {**row, "targets": set()})
        f["targets"].add(row["target"])
    for iri, f in grouped.items():
        by_code.setdefault(f["code"], set()).add(
            (iri, tuple(sorted(f["targets"])), f["version"], f["explanation"]))
    return by_code


def listed(store) -> dict[str, set]:
    by_code: dict[str, set] = {}
    for kind in finding_lists.summary(store):
        page = finding_lists.findings_page(store, kind["code"], per_page=EVERYTHING)
        assert page.total == kind["findings"] == len(page.items)
        if page.items:
            by_code[kind["code"]] = {(f["finding"], tuple(f["targets"]), f["version"], f["explanation"])
                                     for f in page.items}
    return by_code


def assert_lists_match(store):
    expected = oracle(store)
    assert expected, "the oracle found no findings: the test would prove nothing"
    assert listed(store) == expected


def loaded_ok(outcomes):
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return outcomes


def test_lists_equal_the_findings_graphs_on_the_seed(seed_store):
    assert_lists_match(seed_store)
    codes = {kind["code"] for kind in finding_lists.summary(seed_store)}
    assert codes == set(findings.BY_CODE)
    labels = {kind["code"]: kind["label"] for kind in finding_lists.summary(seed_store)}
    assert labels["UNCITED_CLAIM"] == "uncited claim"  # from ontology/audit.ttl


def test_lists_equal_the_findings_graphs_with_expertqa_too(seed_store, load_paths):
    loaded_ok(load_paths(EXPERTQA))
    assert_lists_match(seed_store)


def test_a_new_version_replaces_the_old_ones_findings(seed_store, load_paths, tmp_path):
    before = listed(seed_store)
    changed = SEED.read_text(encoding="utf-8").replace("Last updated: March 12, 2025",
                                                       "Last updated: April 1, 2025")
    (tmp_path / "myopathy-necrosis.txt").write_text(changed, encoding="utf-8")
    new_version = loaded_ok(load_paths(tmp_path / "myopathy-necrosis.txt"))[0].articles[0].version
    after = listed(seed_store)
    assert_lists_match(seed_store)
    versions = {version for rows in after.values() for _, _, version, _ in rows if version}
    assert versions == {new_version}
    assert sum(map(len, after.values())) == sum(map(len, before.values()))


def test_loading_the_same_files_again_changes_nothing(seed_store, load_paths):
    before = listed(seed_store)
    loaded_ok(load_paths(SEED))
    assert listed(seed_store) == before


def test_a_verdict_updates_the_stale_review_list(seed_store, load_paths, tmp_path):
    version = seed_store.select("SELECT ?version WHERE { ?version a cg:Article }")[0]["version"]
    reviews.record_verdict(seed_store, f"{version}/claim-5", "supported", "Ada", at="2025-03-01T10:00:00Z")
    changed = tmp_path / "myopathy-necrosis.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("Last updated: March 12, 2025",
                                                                "Last updated: April 1, 2025"), encoding="utf-8")
    current = loaded_ok(load_paths(changed))[0].articles[0].version
    stale = finding_lists.findings_page(seed_store, "STALE_REVIEW")
    assert [f["target"] for f in stale.items] == [f"{current}/claim-5"]
    reviews.record_verdict(seed_store, f"{current}/claim-5", "supported", "Ada")
    assert finding_lists.findings_page(seed_store, "STALE_REVIEW").total == 0
    assert_lists_match(seed_store)


def test_pages_are_in_list_order_and_cover_the_list(seed_store, load_paths):
    loaded_ok(load_paths(EXPERTQA))
    whole = finding_lists.findings_page(seed_store, "UNCITED_CLAIM", per_page=EVERYTHING).items
    assert len(whole) > 12
    keys = [((f["article_title"] or ""), f["version"], f["position"] if f["position"] is not None else -1,
             f["target"]) for f in whole]
    assert keys == sorted(keys)
    paged = [f for n in (1, 2, 3) for f in finding_lists.findings_page(seed_store, "UNCITED_CLAIM",
                                                                        page=n, per_page=5).items]
    assert paged == whole[:15]
    assert all(f["position"] is not None for f in whole)  # claims: their place in the article


def test_a_store_without_the_lists_builds_them_on_first_read(seed_store):
    import sqlite3

    expected = listed(seed_store)
    with sqlite3.connect(index_path(seed_store)) as conn:
        conn.execute("DROP TABLE finding_rows")
        conn.execute("DELETE FROM meta WHERE key = 'built:finding-lists'")
    assert listed(seed_store) == expected


@pytest.mark.parametrize("code", ["NO_SUCH_CODE"])
def test_an_unknown_code_has_an_empty_list(seed_store, code):
    assert finding_lists.findings_page(seed_store, code).total == 0


# -- the pages ------------------------------------------------------------------------

@pytest.fixture
def client(seed_store):
    from claimgraph.web import create_app

    app = create_app({"STORE": seed_store, "STORE_PATH": str(seed_store.path), "TESTING": True})
    return app.test_client()


def test_the_findings_page_counts_every_type_and_links_the_lists(client, seed_store):
    page = client.get("/findings")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '</findings.json>; rel="alternate"; type="application/json"' in page.headers["Link"]
    data = client.get("/findings.json").get_json()
    expected = {code: len(rows) for code, rows in oracle(seed_store).items()}
    assert {t["code"]: t["findings"] for t in data["types"] if t["findings"]} == expected
    html = page.get_data(as_text=True)
    for t in data["types"]:
        if t["findings"]:
            assert f'href="{t["list"]}"' in html
    csv_lines = client.get("/findings.csv").get_data(as_text=True).splitlines()
    assert csv_lines[0] == "code,label,severity,findings,list" and len(csv_lines) == 1 + len(findings.BY_CODE)


def test_a_findings_list_page_as_html_json_and_csv(client, seed_store):
    expected = oracle(seed_store)["UNCITED_CLAIM"]
    page = client.get("/findings/uncited-claim")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = client.get("/findings/uncited-claim.json").get_json()
    assert data["paging"]["total"] == len(expected)
    assert {f["finding"] for f in data["findings"]} == {iri for iri, *_ in expected}
    for f in data["findings"]:
        assert f["targets"][0].split("/id/", 1)[1] in html  # each claim linked from the list
    rows = client.get("/findings/uncited-claim.csv").get_data(as_text=True).splitlines()
    assert rows[0].startswith("finding,code,severity,targets,version") and len(rows) == 1 + len(expected)


def test_findings_lists_page_and_refuse_what_is_not_one(client, seed_store, load_paths, monkeypatch):
    from claimgraph.web import findings as findings_pages

    monkeypatch.setattr(findings_pages, "PER_PAGE", 10)
    loaded_ok(load_paths(EXPERTQA))
    assert len(oracle(seed_store)["UNCITED_CLAIM"]) > 10  # more than one page
    first = client.get("/findings/uncited-claim.json").get_json()
    second = client.get("/findings/uncited-claim.json?page=2").get_json()
    assert len(first["findings"]) == 10 and first["paging"]["next_page"] == 2
    assert not {f["finding"] for f in first["findings"]} & {f["finding"] for f in second["findings"]}
    assert 'rel="next"' in client.get("/findings/uncited-claim").get_data(as_text=True)
    assert client.get("/findings/no-such-finding").status_code == 404
    assert client.get("/findings/uncited-claim.ttl").status_code == 404
    assert client.get("/findings/uncited-claim?page=x").status_code == 200  # the first page
