"""What the /network page draws (issue 18, item 7): a bounded part of the evidence
network, sized by citations and coloured by kind, and tables naming sources by title."""

from __future__ import annotations

import json
import re

import pytest

EXPERTQA = "data/attributed-qa/expertqa_domain_test_medicine.jsonl"


@pytest.fixture
def store52(seed_store, load_paths, shared):
    from claimgraph.graph.index import derived

    load_paths(shared / EXPERTQA)
    derived.refresh_all(seed_store, None)
    return seed_store


def test_drawing_is_bounded_and_weighted_by_citations(store52, monkeypatch):
    from claimgraph.graph.read import analytics
    from claimgraph.graph.read import network_drawing

    graph = analytics.evidence_graph(store52)
    monkeypatch.setattr(network_drawing, "SOURCES", 10)
    drawn = network_drawing.drawing(graph)
    by_id = {n["id"]: n for n in drawn["nodes"]}
    sources = [n for n in drawn["nodes"] if n["kind"] in ("guideline", "drug-label", "study", "source")]
    assert len(sources) == 10 and drawn["cut"]
    top = analytics.most_cited_sources(graph, 10)
    assert {s["id"] for s in sources} == {u.iri for u in top}
    assert all(by_id[u.iri]["weight"] == u.claims for u in top)  # size: claims citing it
    for edge in drawn["edges"]:
        assert edge["source"] in by_id and edge["target"] in by_id
    claims = [n for n in drawn["nodes"] if n["kind"] == "claim"]
    assert claims and all(n["weight"] >= 1 for n in claims)
    assert {n["kind"] for n in drawn["nodes"]} >= {"article", "claim", "condition", "drug"}
    assert not any(n["label"].startswith(("http", "[")) and "://" in n["label"] for n in sources)


@pytest.mark.parametrize("label, shown", [
    ("[1] https://www.winoverdepression.com/evidence-cbt-depression-anxiety/",
     "winoverdepression.com › evidence cbt depression anxiety"),
    ("https://dartmed.dartmouth.edu/summer00/html/what_makes_my_baby_blue.shtml",
     "dartmed.dartmouth.edu › what makes my baby blue"),
    ("https://example.org/", "example.org"),
    ("Management of immune-related adverse events", "Management of immune-related adverse events"),
])
def test_sources_known_by_url_are_named_readably(label, shown):
    from claimgraph.graph.read.analytics import display_title

    assert display_title(label) == shown


def test_network_page_carries_the_drawing_and_names_sources_by_title(store52):
    from claimgraph.web import create_app

    app = create_app({"STORE": store52, "STORE_PATH": str(store52.path), "TESTING": True})
    page = app.test_client().get("/network").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>',
                                page, re.S).group(1))
    assert data["nodes"] and data["kinds"]["claim"]["colour"].startswith("#")
    assert all(n["href"].startswith("/id/") for n in data["nodes"])
    assert "network-fallback" in page and "cytoscape" in page
    tables = page[page.index("<h2>Most-cited sources</h2>"):]
    assert ">https://" not in tables and "› " in tables
