"""The provenance picture: the right subgraph, a layered layout, a legend,
escaped labels, and a /picture route that only serves our IRIs, as inert SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.read import picture
from claimgraph.web import picture as drawing  # lays out and draws what graph/picture.py reads

from conftest import SEED

SVG = "{http://www.w3.org/2000/svg}"
INJECTION = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'


def _version(store) -> str:
    return store.select("SELECT ?v WHERE { ?v a <https://w3id.org/claimgraph/ns#Article> }")[0]["v"]


def test_claim_subgraph_runs_from_claim_to_organisation(seed_store):
    claim = _version(seed_store) + "/claim-8"  # cites the ASCO guideline as 1
    graph, focus = picture.provenance_graph(seed_store, claim)
    assert focus == claim
    types = {d["type"] for _, d in graph.nodes(data=True)}
    assert {"claim", "marker", "reference", "source", "organisation"} <= types
    marker = next(n for n, d in graph.nodes(data=True) if d["type"] == "marker")
    reference = next(iter(graph.successors(marker)))
    source = next(iter(graph.successors(reference)))
    organisation = next(iter(graph.successors(source)))
    assert graph.nodes[organisation]["label"].startswith("ASCO")
    assert "article" in graph.graph  # named above the columns


def test_layout_puts_each_type_in_its_column_left_to_right(seed_store):
    claim = _version(seed_store) + "/claim-21"  # cites 3, 4, 6, 5; names drugs and IMNM
    graph, focus = picture.provenance_graph(seed_store, claim)
    boxes, width, height, used = drawing.layout(graph, focus)
    assert used == ["concept", "claim", "marker", "reference", "source"]
    column_x = {}
    for box in boxes:
        column_x.setdefault(graph.nodes[box.node]["type"], set()).add(box.x)
    assert all(len(xs) == 1 for xs in column_x.values())
    x = {kind: xs.pop() for kind, xs in column_x.items()}
    assert x["drug"] == x["condition"] < x["claim"] < x["marker"] < x["reference"] < x["source"]
    # No two boxes of a column overlap.
    for col in range(len(used)):
        spans = sorted((b.y, b.y + b.height) for b in boxes if b.column == col)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("what", ["claim", "article", "source"])
def test_svg_is_well_formed_with_a_legend(seed_store, what):
    version = _version(seed_store)
    iri = {"claim": version + "/claim-21", "article": version,
           "source": seed_store.select("SELECT ?s WHERE { ?s a <https://w3id.org/claimgraph/ns#Guideline> }")[0]["s"]}[what]
    svg = drawing.picture_svg(seed_store, iri, href=lambda i: "/id/" + i.rsplit("/id/", 1)[-1])
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Legend" in texts
    assert root.find(SVG + "title").text == f"Provenance of this {what}"
    assert not list(root.iter(SVG + "script")) and not list(root.iter(SVG + "foreignObject"))


def _most_cited_source(store) -> tuple[str, int]:
    row = store.select("SELECT ?s (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cito:cites ?s } "
                       "GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1")[0]
    return row["s"], row["n"]


def test_source_picture_reads_one_column_of_citers_and_counts_the_rest(seed_store, monkeypatch):
    source, citers = _most_cited_source(seed_store)
    assert citers > 3
    monkeypatch.setattr(picture, "MAX_PER_COLUMN", 3)  # the seed has no source with 30 citers
    graph, focus = picture.provenance_graph(seed_store, source)
    claims = [n for n, d in graph.nodes(data=True) if d["type"] == "claim"]
    assert len(claims) == 2 and graph.graph["totals"] == {"claim": citers, "article": 1}
    assert all(graph.has_edge(claim, source) for claim in claims)
    svg = drawing.render_svg(graph, focus)
    assert f">+{citers - 2} more<" in svg  # the same note as when every citer was read
    assert f"{citers} claims" in ET.fromstring(svg).find(SVG + "desc").text
    again, _ = picture.provenance_graph(seed_store, source)
    assert sorted(again.nodes) == sorted(graph.nodes)  # the same claims every time


def test_source_picture_counts_and_draws_current_versions_only(store, load_paths, tmp_path):
    revised = tmp_path / "seed-revised.txt"
    revised.write_text(SEED.read_text(encoding="utf-8").replace(
        "Rituximab may be considered", "Rituximab may now be considered"), encoding="utf-8")
    assert all(o.ok for o in load_paths(SEED, revised))
    current = store.select("SELECT ?v WHERE { ?v a cg:Article FILTER NOT EXISTS { ?n prov:wasRevisionOf ?v } }")
    assert len(current) == 1 and len(store.select("SELECT ?v WHERE { ?v a cg:Article }")) == 2
    version = current[0]["v"]
    source, _ = _most_cited_source(store)
    citing = store.select("SELECT DISTINCT ?v ?s ?c WHERE { GRAPH ?v { ?c cito:cites ?s } }",
                          v=NamedNode(version), s=NamedNode(source))
    graph, _ = picture.provenance_graph(store, source)
    assert graph.graph["totals"] == {"claim": len(citing), "article": 1}
    assert {n for n, d in graph.nodes(data=True) if d["type"] == "article"} == {version}


def test_source_query_fetches_at_most_a_column():
    from claimgraph.graph import queries

    assert queries.get("picture-source").split()[-2:] == ["LIMIT", str(picture.MAX_PER_COLUMN)]


def test_sources_and_publishers_are_named_as_search_names_them(seed_store):
    """Read in the drawn versions only, but (with one article) as search-sources.rq reads them."""
    from claimgraph.graph.index.search_docs import SOURCE_KINDS, source_title

    graph, _ = picture.provenance_graph(seed_store, _version(seed_store))
    sources = [n for n, d in graph.nodes(data=True) if d["type"] == "source"]
    organisations = [n for n, d in graph.nodes(data=True) if d["type"] == "organisation"]
    assert len(sources) > 3 and organisations
    for source in sources:
        row = seed_store.select("search-sources", source=NamedNode(source))[0]
        assert graph.nodes[source]["label"] == source_title(row)
        assert graph.nodes[source]["style"] == SOURCE_KINDS.get(row["kind"] or "", "source")
        assert set(graph.successors(source)) == {r["o"] for r in seed_store.select(
            "SELECT DISTINCT ?s ?o WHERE { ?s dcterms:publisher ?o }", s=NamedNode(source))}
    labels = picture._labels(seed_store, organisations)
    for organisation in organisations:
        assert graph.nodes[organisation]["label"] == picture._describe(
            organisation, "organisation", labels[organisation])["label"]


def test_a_source_no_drawn_version_cites_is_described_from_a_graph_that_does(seed_store):
    import networkx as nx

    source, _ = _most_cited_source(seed_store)
    graph = nx.DiGraph()
    graph.add_node(source, type="source")  # as in a picture of a source no current version cites
    row = seed_store.select("search-sources", source=NamedNode(source))[0]
    assert picture._sources(seed_store, graph)[source]["title"] == row["title"]


def test_unknown_iri_has_no_picture(seed_store):
    assert drawing.picture_svg(seed_store, "https://w3id.org/claimgraph/id/nothing") is None


def test_labels_are_escaped(store, load_paths, tmp_path):
    page = tmp_path / "seed-injected.txt"
    page.write_text(SEED.read_text(encoding="utf-8").replace(
        "Rituximab may be considered", f"Rituximab {INJECTION} may be considered"), encoding="utf-8")
    assert all(o.ok for o in load_paths(page))
    claim = store.select('SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> ; '
                         '<http://purl.org/spar/c4o/hasContent> ?t '
                         'FILTER(CONTAINS(?t, "onerror")) }')[0]["c"]
    svg = drawing.picture_svg(store, claim)
    root = ET.fromstring(svg)  # still well-formed XML
    assert "<script" not in svg and "<img" not in svg
    assert not list(root.iter(SVG + "script"))
    assert any("&lt;script&gt;" in line for line in svg.splitlines())


# -- the web routes --------------------------------------------------------------------------
@pytest.fixture
def client(seed_store):
    from claimgraph.web import create_app

    app = create_app({"TESTING": True, "STORE": seed_store, "STORE_PATH": str(seed_store.path)})
    return app.test_client()


def test_picture_route_serves_inert_svg(client, seed_store):
    response = client.get("/picture", query_string={"iri": _version(seed_store)})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert b"/id/article/" in response.data  # boxes link to local pages


@pytest.mark.parametrize("iri", ["https://example.org/claim-1", "javascript:alert(1)", "",
                                 "https://w3id.org/claimgraph/id/article/none/claim-1"])
def test_picture_route_404s_outside_iris_and_unknown_ones(client, iri):
    assert client.get("/picture", query_string={"iri": iri}).status_code == 404


def test_search_page_and_json(client):
    page = client.get("/search?q=rituximab&type=claim")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<mark>") >= 2 and 'href="/id/article/' in html
    data = client.get("/search.json?q=rituximab&type=claim").get_json()
    assert data["total"] == 2 and all("<mark>" in h["title_html"] for h in data["hits"])
    bad = client.get("/search.json", query_string={"q": "rituximab AND (", "page": "x"}).get_json()
    assert bad["fell_back_to_plain_words"] and bad["page"] == 1


def test_network_page_and_downloads(client):
    import io

    import networkx as nx

    page = client.get("/network")
    assert page.status_code == 200 and "Most-cited sources" in page.get_data(as_text=True)
    graphml = client.get("/network.graphml")
    assert graphml.status_code == 200 and graphml.mimetype == "application/graphml+xml"
    assert nx.read_graphml(io.BytesIO(graphml.data)).number_of_nodes() > 40
    assert client.get("/network.gexf").status_code == 200
    assert client.get("/network.dot").status_code == 404


def test_network_overview_is_served_stale_while_a_newer_one_is_computed(seed_store):
    """After a load the page answers at once from the last overview, says which load it
    shows, and a background recomputation brings it up to date."""
    import time

    from claimgraph.graph.index import search
    from claimgraph.graph.write.batch import load_files
    from claimgraph.web.network import OverviewCache

    from conftest import SHARED

    cache = OverviewCache()
    first = cache.get(seed_store, search.generation(seed_store))
    assert first.generation == first.current and first.overview.counts["article"] == 1
    load_files(seed_store, [SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"])
    now = search.generation(seed_store)
    stale = cache.get(seed_store, now)
    assert stale.overview is first.overview and stale.generation < now and stale.refreshing
    deadline = time.monotonic() + 60
    while cache.get(seed_store, now).refreshing and time.monotonic() < deadline:
        time.sleep(0.05)
    fresh = cache.get(seed_store, now)
    assert fresh.generation == fresh.current == now and fresh.overview.counts["article"] == 52
