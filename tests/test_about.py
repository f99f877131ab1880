"""``/about`` and the whole-store download (issue 18, item 10), through the real app on
an on-disk store with the seed and a drug label loaded."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, parse


@pytest.fixture
def client(seed_store, load_paths, shared):
    from claimgraph.graph.index import derived
    from claimgraph.web import create_app

    load_paths(shared / "data" / "pubmed" / "pubmed7.xml")
    derived.refresh_all(seed_store, None)
    app = create_app({"STORE": seed_store, "STORE_PATH": str(seed_store.path), "TESTING": True})
    return app.test_client(), seed_store


def test_about_says_what_is_loaded_where_from_and_how_to_query_and_cite(client):
    http, _store = client
    page = http.get("/about", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for said in ("myopathy-necrosis.txt", "pubmed7.xml", ">text<", ">pubmed-xml<",  # files and formats
                 "claims (", "does not record a file's origin or licence",
                 "http://localhost/sparql", "service description", 'href="/dump.nq"', 'href="/dump.trig"',
                 "How to cite", "Load history"):
        assert said in text, said
    assert 'href="/about"' in http.get("/").get_data(as_text=True)  # the menu links it


@pytest.mark.parametrize("suffix, fmt, media_type", [("nq", RdfFormat.N_QUADS, "application/n-quads"),
                                                      ("trig", RdfFormat.TRIG, "application/trig")])
def test_dump_streams_every_quad(client, suffix, fmt, media_type, monkeypatch):
    from claimgraph.graph.read import about

    http, store = client
    monkeypatch.setattr(about, "_DUMP_BATCH", 500)  # many pieces, so a graph opens again in the next
    response = http.get(f"/dump.{suffix}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.is_streamed and "attachment" in response.headers["Content-Disposition"]
    quads = set(parse(response.get_data(), format=fmt))
    assert len(quads) == len(store) > 500
    assert http.get("/dump.ttl").status_code == 404
