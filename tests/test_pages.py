"""The provenance browser's pages and linked data, through Flask's test client
over a real on-disk store with the seed (and a hostile answer) loaded."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from claimgraph import __version__
from claimgraph.graph.rdf import iris

DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/claimgraph/id/"


@pytest.fixture
def client(seed_store):
    from claimgraph.web import create_app

    app = create_app({"STORE": seed_store, "STORE_PATH": str(seed_store.path), "TESTING": True})
    return app.test_client()


@pytest.fixture
def seed_version(seed_store):
    return seed_store.select("page-home-articles")[0]["version"]


def local(iri: str) -> str:
    assert iri.startswith(ID)
    return "/id/" + iri[len(ID):]


def html(response) -> str:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_home_counts_articles_claims_sources_and_loads(client, seed_version):
    page = html(client.get("/"))
    assert "What is the diagnosis and treatment for muscular necrosis (myopathy)?" in page
    assert local(seed_version) in page
    assert "40.0%" in page  # 10 of the seed's 25 claims cite nothing
    assert "myopathy-necrosis.txt" in page  # recent loads, from the provenance graph
    assert 'action="/search"' in page and 'class="skip-link"' in page
    data = client.get("/index.json").get_json()
    assert data["counts"]["claims"] == 25 and data["counts"]["articles"] == 1
    assert {k["kind"] for k in data["sources_by_kind"]} == {"guideline", "drug label", "study"}


def test_article_highlights_claims_by_support_with_markers_opening_cards(client, seed_version):
    page = html(client.get(local(seed_version)))
    for heading in ("From the Guidelines", "From the FDA Drug Label", "From the Research",
                    "Treatment of Muscular Necrosis (Myopathy)"):
        assert heading in page
    data = client.get(local(seed_version) + ".json").get_json()
    support = {row["position"]: row["support"] for row in data["table"]}
    assert support[1] == "guideline" and support[17] == "label" and support[18] == "study"
    assert support[2] == "uncited" and list(support.values()).count("uncited") == 10
    for name in ("guideline", "label", "study", "uncited"):
        assert f"claim support-{name}" in page
    # Each marker links to a card with that id, on the same page, which links to its source.
    assert 'href="#card-claim-18-marker-1"' in page and 'id="card-claim-18-marker-1"' in page
    assert page.count('class="marker') == 22
    assert local(f"{ID}source/unresolved/") in page
    work = data["version"]["work"]
    assert html(client.get(local(work))).count('class="marker') == 22  # the work shows its current version


def test_article_version_history_says_what_changed(client, seed_store, load_paths, tmp_path, shared):
    seed = (shared / "data" / "seeds" / "myopathy-necrosis.txt").read_text(encoding="utf-8")
    changed = seed.replace("Electromyography may show a myopathic pattern",
                           "Electromyography often shows a myopathic pattern")
    assert changed != seed
    (tmp_path / "myopathy-necrosis.txt").write_text(changed, encoding="utf-8")
    load_paths(tmp_path / "myopathy-necrosis.txt")
    current = seed_store.select("page-home-articles")[0]["version"]
    data = client.get(local(current) + ".json").get_json()
    newest = data["history"][0]
    assert newest["shown"] and newest["number"] == "2"
    assert any("often shows" in t for t in newest["added"])
    assert any("may show" in t for t in newest["removed"])
    assert len(newest["added"]) == 1 and len(newest["removed"]) == 1
    page = html(client.get(local(current)))
    assert "1 claims added, 1 removed since version 1" in page


def test_claim_page_context_citations_mentions_related_and_provenance(client, seed_version):
    claim = seed_version + "/claim-18"
    page = html(client.get(local(claim)))
    data = client.get(local(claim) + ".json").get_json()
    assert data["after"]["text"].startswith("Electromyography may show")
    assert data["before"] is None  # claim 17 reads in another section
    assert [c["label"] for c in data["citations"]] == ["3", "4", "5"]
    assert {c["source"]["kind_name"] for c in data["citations"]} == {"study"}
    assert {m["label"] for m in data["conditions"]} >= {"immune-mediated necrotizing myopathy"}
    assert data["related"], "claims citing 3, 4 or 5 elsewhere in the article"
    assert all(r["same_article"] for r in data["related"])
    assert "myopathy-necrosis.txt" in page and f"claimgraph {__version__}" in page
    guideline_claim = client.get(local(seed_version + "/claim-1") + ".json").get_json()
    card = guideline_claim["citations"][0]["source"]
    assert card["kind_name"] == "guideline" and card["organisation_name"]
    assert card["level"]["label"] == "clinical practice guideline"


def test_source_page_groups_citing_claims_by_article(client, seed_version):
    source = f"{ID}source/unresolved/{seed_version.split('/article/')[1].split('/')[0]}/1"
    page = html(client.get(local(source)))
    assert "awaits review" in page and "guideline" in page
    data = client.get(local(source) + ".json").get_json()
    assert data["citing_claims"] == 6 and len(data["articles"]) == 1
    rows = list(csv.DictReader(io.StringIO(client.get(local(source) + ".csv").get_data(as_text=True))))
    assert len(rows) == 6 and rows[0]["marker"] == "1"


def test_concept_pages_show_hierarchy_claims_and_evidence_matrix(client):
    page = html(client.get("/id/drug/prednisone"))
    data = client.get("/id/drug/prednisone.json").get_json()
    assert [b["label"] for b in data["broader_chain"]] == ["corticosteroids", "glucocorticoids"]
    assert data["claim_count"] == 1 and "RXNORM:8640" in page
    steroids = client.get("/id/drug/corticosteroids.json").get_json()
    assert steroids["claim_count"] > data["claim_count"]  # counts narrower drugs too
    assert "glucocorticoids" in {n["label"] for n in steroids["narrower"]}
    matrix = steroids["matrix"]
    assert matrix["drugs"] and matrix["conditions"]
    assert any(cell and cell["claims"] for row in matrix["rows"] for cell in row)
    assert 'class="matrix"' in html(client.get("/id/drug/corticosteroids"))


@pytest.mark.parametrize("suffix,accept,fmt", [
    ("ttl", "text/turtle", RdfFormat.TURTLE),
    ("nt", "application/n-triples", RdfFormat.N_TRIPLES),
    ("jsonld", "application/ld+json", RdfFormat.JSON_LD),
])
def test_every_page_is_rdf_by_suffix_or_accept(client, seed_version, suffix, accept, fmt):
    claim = seed_version + "/claim-18"
    for response in (client.get(f"{local(claim)}.{suffix}"), client.get(local(claim), headers={"Accept": accept})):
        assert response.status_code == 200 and response.mimetype == accept
        triples = list(parse(response.data, format=fmt, base_iri=claim))
        subjects = {t.subject.value for t in triples}
        assert claim in subjects and claim + "/marker-1" in subjects
        assert "Vary" in response.headers and "Accept" in response.headers["Vary"]
    link = client.get(local(claim)).headers["Link"]
    for media_type in ("text/turtle", "application/ld+json", "application/n-triples",
                       "application/json", "text/csv"):
        assert f'rel="alternate"; type="{media_type}"' in link


def test_every_minted_iri_resolves(client, seed_store):
    """Each subject minted under the base IRI (sample of each shape) answers 200."""
    rows = seed_store.select(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), STR(cgid:))) }")
    shapes = {}
    for row in rows:
        shape = tuple(part.split("-")[0] for part in row["s"][len(ID):].split("/")[:1]) + (
            row["s"].rsplit("/", 1)[-1].split("-")[0],)
        shapes.setdefault(shape, row["s"])
    assert len(shapes) > 10
    for iri in shapes.values():
        response = client.get(local(iri))
        assert response.status_code == 200, iri
        assert client.get(local(iri) + ".ttl").status_code == 200, iri


def test_unknown_iri_is_a_real_404(client):
    response = client.get("/id/article/no-such-article")
    assert response.status_code == 404 and "no-such-article" in response.get_data(as_text=True)
    as_json = client.get("/id/article/no-such-article.json")
    assert as_json.status_code == 404
    assert as_json.get_json()["error"]["status"] == 404
    assert client.get("/id/claim.ttl").status_code == 404


def test_text_from_the_data_is_escaped(client, seed_store, load_paths):
    load_paths(DATA / "hostile-answer.md")
    hostile = next(r for r in seed_store.select("page-home-articles") if "rituximab" in r["title"])
    pages = [html(client.get(local(hostile["version"])))]
    pages.append(html(client.get(local(hostile["version"] + "/claim-1"))))
    pages.append(html(client.get(local(hostile["version"] + "/claim-2"))))
    pages.append(html(client.get("/")))
    for page in pages:
        assert "<script>window" not in page
        assert "<img src=x" not in page and "<svg" not in page
        assert "&lt;script&gt;" in page or "&#34;&gt;&lt;" in page
    assert "&lt;script&gt;window.pwned = 2&lt;/script&gt;" in pages[1]
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.pwned=3&#34;&gt;" in pages[2]


def test_main_pages_render_the_same_twice(client, seed_version):
    """Speed is measured by bench/pages.py, never timed here (house rule)."""
    for url in ("/", local(seed_version), local(seed_version + "/claim-18"), "/id/drug/corticosteroids"):
        first = client.get(url)
        assert first.status_code == 200, url
        assert client.get(url).get_data() == first.get_data(), url
