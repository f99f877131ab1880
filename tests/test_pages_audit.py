"""The audit side of the browser pages: findings panel and flags, the review
trail, audit downloads on every page kind, drug label sections and probable
matches, through Flask's test client over a real on-disk store."""

from __future__ import annotations

import re
from html import unescape

import pytest

from claimgraph.graph.read import pages
from claimgraph.graph.write import reviews
from claimgraph.graph.exports import FORMATS

ID = "https://w3id.org/claimgraph/id/"
LIPITOR_SETID = "c6e131fe-e7df-4876-83f7-9156fc4e8228"


def make_client(store, **config):
    from claimgraph.web import create_app

    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True, **config})
    return app.test_client()


@pytest.fixture
def client(seed_store):
    return make_client(seed_store)


@pytest.fixture
def seed_version(seed_store):
    return seed_store.select("page-home-articles")[0]["version"]


def local(iri: str) -> str:
    return "/id/" + iri[len(ID):]


def html(response) -> str:
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def download_links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/export/audit\.[^"]+)"', page)]


def test_article_findings_panel_and_flagged_claims(client, seed_version):
    page = html(client.get(local(seed_version)))
    data = client.get(local(seed_version) + ".json").get_json()
    codes = [f["code"] for f in data["findings"]]
    assert codes.count("UNCITED_CLAIM") == 10 and codes.count("UNRESOLVED_SOURCE") == 6
    assert [f["severity"] for f in data["findings"]][0] == "violation"  # most serious first
    uncited = next(f for f in data["findings"] if f["code"] == "UNCITED_CLAIM")
    assert uncited["claims"][0]["position"] == 2 and "cites no source" in uncited["explanation"]
    unresolved = next(f for f in data["findings"] if f["code"] == "UNRESOLVED_SOURCE")
    assert unresolved["claims"] and not unresolved["direct"]  # tied to the claims citing the source
    assert f'id="{uncited["anchor"]}"' in page
    assert 'class="finding-flag finding-violation" href="#' + uncited["anchor"] in page  # claim 2 in the text
    assert "Findings about this claim: UNCITED_CLAIM" in page
    assert page.count('class="finding-flag finding-warning"') == 8  # the weak-evidence claims 18-25
    row = next(r for r in data["table"] if r["position"] == 2)
    assert row["findings"] == "UNCITED_CLAIM"


def test_audit_downloads_on_every_page_kind_in_every_format(client, seed_version):
    source = f"{ID}source/unresolved/{seed_version.split('/article/')[1].split('/')[0]}/3"
    pages = {
        "article": (local(seed_version), "article=" + seed_version),
        "claim": (local(seed_version + "/claim-18"), "article=" + seed_version),
        "source": (local(source), "source=" + source),
        "drug": ("/id/drug/corticosteroids", "concept=https://w3id.org/claimgraph/id/drug/prednisone"),
        "condition": ("/id/condition/immune-mediated-necrotizing-myopathy",
                      "concept=https://w3id.org/claimgraph/id/condition/immune-mediated-necrotizing-myopathy"),
        "search": ("/search?q=rituximab", "article=" + seed_version),
    }
    for kind, (url, selection) in pages.items():
        links = download_links(html(client.get(url)))
        for fmt in FORMATS.values():
            link = next((l for l in links if l.startswith(f"/export/audit.{fmt.extension}?")), None)
            assert link and selection in link, (kind, fmt.name, links)
            assert f"/export/audit.{fmt.extension}.manifest.json?" + link.split("?", 1)[1] in links, (kind, fmt)
    csv_link = next(l for l in download_links(html(client.get("/search?q=rituximab"))) if ".csv?" in l)
    exported = client.get(csv_link)
    assert exported.status_code == 200 and "Rituximab may be considered" in exported.get_data(as_text=True)
    manifest = client.get(csv_link.replace(".csv?", ".csv.manifest.json?")).get_json()
    assert manifest["sha256"] == exported.headers["X-Content-SHA256"]
    assert manifest["selection"]["articles"] == [seed_version]


def test_search_without_results_offers_no_download(client):
    assert not download_links(html(client.get("/search?q=nosuchwordanywhere")))
    assert not download_links(html(client.get("/search")))  # nothing searched: no selection


def test_claim_page_shows_its_findings_and_review_trail_to_anyone(client, seed_store, seed_version):
    claim = seed_version + "/claim-18"
    reviews.record_verdict(seed_store, claim, "needs-source", "Grace Hopper", "3-5 are unresolved <b>",
                           at="2025-03-01T10:00:00Z")
    source = pages.citations(seed_store, claim=claim)[0]["source"]["iri"]
    reviews.record_verdict(seed_store, claim, "partly-supported", "Ada Lovelace", "", [source],
                           at="2025-03-02T10:00:00Z")
    data = client.get(local(claim) + ".json").get_json()
    assert {f["code"] for f in data["findings"]} == {"WEAK_EVIDENCE", "UNRESOLVED_SOURCE"}
    trail = data["reviews"]
    assert [(r["verdict"], r["reviewer"], r["date"]) for r in trail] == [
        ("partly-supported", "Ada Lovelace", "2025-03-02"), ("needs-source", "Grace Hopper", "2025-03-01")]
    assert trail[0]["sources"] == [{"iri": source, "title": "source cited as [3]"}]
    assert trail[0]["version_number"] == "1" and trail[0]["on_current_version"]
    page = html(client.get(local(claim)))
    assert "Review trail (2)" in page and "Grace Hopper" in page and "3-5 are unresolved &lt;b&gt;" in page
    assert 'href="' + local(source) + '"' in page  # sources looked at, linked
    assert "Reviewing is not set up on this server" in page  # no tokens configured: no form
    assert 'name="verdict"' not in page and 'name="token"' not in page


def test_review_form_only_when_reviewing_is_configured(seed_store, seed_version):
    claim_url = local(seed_version + "/claim-18")
    token_only = html(make_client(seed_store, REVIEWER_TOKENS={"t": "Ada"}).get(claim_url))
    assert "browser login is off" in token_only and 'name="token"' not in token_only
    browser = make_client(seed_store, REVIEWER_TOKENS={"t": "Ada"}, SECRET_KEY="test-secret")
    login_form = html(browser.get(claim_url))
    assert 'name="token"' in login_form and 'name="verdict"' not in login_form
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_form).group(1)  # login is CSRF-protected too
    assert browser.post("/reviews/login", data={"token": "t", "next": claim_url, "csrf_token": csrf}).status_code == 303
    form = html(browser.get(claim_url))
    assert 'name="verdict"' in form and 'name="csrf_token"' in form
    assert form.count('type="checkbox" name="source"') == 3  # the claim's sources 3, 4, 5


def test_source_page_lists_probable_matches(store, load_paths, shared, tmp_path):
    record = tmp_path / "no-id.ris"
    record.write_text("TY  - JOUR\nTI  - Development of a pulmonary imaging biomarker pipeline for "
                      "phenotyping of chronic lung disease\nPY  - 2018\nER  - \n", encoding="utf-8")
    load_paths(shared / "data/pubmed/pubmed7.xml", record)
    pairs = store.select("PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?a ?b WHERE { ?a cg:probableMatch ?b }")
    assert pairs
    first, second = pairs[0]["a"], pairs[0]["b"]
    client = make_client(store)
    data = client.get(local(first) + ".json").get_json()
    assert [c["other"] for c in data["candidates"]] == [second]
    page = html(client.get(local(first)))
    assert "Probable matches awaiting review" in page and f'href="{local(second)}"' in page


def test_claim_citing_a_loaded_label_shows_its_best_matching_sections(store, load_paths, shared, tmp_path):
    import shutil

    article = tmp_path / "seed.txt"
    shutil.copy(shared / "data/seeds/myopathy-necrosis.txt", article)
    (tmp_path / "seed.refs.yaml").write_text(f'"2": {{setid: {LIPITOR_SETID}}}\n', encoding="utf-8")
    load_paths(shared / "data/fda-labels/lipitor-atorvastatin.spl.xml")
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.write.marker_refs import apply_refs_for
    from claimgraph.loaders import read_file
    from claimgraph.loaders.mentions import Vocabulary

    result = read_file(article, Vocabulary.default())
    assert ingest(store, result).ok
    outcome = apply_refs_for(store, article, result)
    assert outcome and outcome.applied == ["2"], outcome
    version = store.select("page-home-articles")[0]["version"]
    client = make_client(store)
    data = client.get(local(version + "/claim-17") + ".json").get_json()
    (label,) = data["label_sections"]
    assert label["label"].endswith(LIPITOR_SETID) and label["version_number"] == "11"
    titles = [s["title"] for s in label["sections"]]
    assert titles and titles[0] == "5.1 Skeletal Muscle"
    assert "myopathy" in label["sections"][0]["matched_words"]
    page = html(client.get(local(version + "/claim-17")))
    assert "Drug label sections" in page and "<mark>myopathy</mark>" in page
    assert "not a\n    section" in page or "not a section" in " ".join(page.split())
    assert client.get(local(version + "/claim-18") + ".json").get_json()["label_sections"] == []
