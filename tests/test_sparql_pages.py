"""What people see of the SPARQL endpoint (issue 18 items 4-5) and what a query's own
dataset means (issue 15): a /sparql?query=… link opened in a browser, readable syntax
errors, FROM / FROM NAMED honoured when the request names no dataset."""

from __future__ import annotations

import json

import lxml.html
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.store import ClaimStore
from claimgraph.web import create_app
from claimgraph.web.sparql import close_runner

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
G1, G2 = "http://example.org/graph/one", "http://example.org/graph/two"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = ClaimStore(tmp_path_factory.mktemp("pages") / "store")
    store.ensure_static_graphs()
    store.write([Quad(NamedNode("http://example.org/a"), NamedNode("http://example.org/p"), Literal("in one"),
                      NamedNode(G1)),
                 Quad(NamedNode("https://w3id.org/claimgraph/id/article/x"), NamedNode("http://example.org/p"),
                      Literal("in two", language="en"), NamedNode(G2))])
    store.flush()
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True, "QUERY_WORKERS": 1,
                      "QUERY_SHORT_WORKERS": 0})
    yield app.test_client()
    close_runner(app)


def rows(response) -> list[dict]:
    return json.loads(response.data)["results"]["bindings"]


def test_a_browser_gets_the_answer_as_a_page_with_every_format(client):
    query = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o"
    response = client.get("/sparql", query_string={"query": query}, headers=BROWSER)
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    page = lxml.html.fromstring(response.data)
    assert page.xpath("string(//pre)") == query
    cells = [td.text_content() for td in page.xpath("//table//td")]
    assert cells == ["http://example.org/a", "in one", "https://w3id.org/claimgraph/id/article/x", "in two @en"]
    # Minted IRIs link to this server's page; others to themselves.
    assert page.xpath("//table//a/@href") == ["http://example.org/a", "/id/article/x"]
    formats = page.xpath("//a[contains(@href, 'format=')]/@href")
    assert {f.rsplit("format=", 1)[1] for f in formats} == {"json", "xml", "csv", "tsv"}
    assert client.get(formats[0]).content_type.startswith("application/sparql-results+json")
    # Asking for a format keeps the protocol's answer, browser or not.
    assert client.get("/sparql", query_string={"query": query, "format": "csv"}, headers=BROWSER
                      ).content_type.startswith("text/csv")


def test_a_browser_sees_graphs_and_errors_on_the_page(client):
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s <http://example.org/p> ?o }"},
                       headers=BROWSER)
    page = lxml.html.fromstring(graph.data)
    assert "in one" in page.xpath("string(//pre[@class='query-answer'])")
    assert {a.rsplit("format=", 1)[1] for a in page.xpath("//a[contains(@href, 'format=')]/@href")} >= {
        "turtle", "ntriples", "rdfxml", "jsonld"}
    broken = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s foo:bar ?o }"}, headers=BROWSER)
    assert broken.status_code == 400 and broken.content_type.startswith("text/html")
    assert "prefix foo: is not declared" in lxml.html.fromstring(broken.data).xpath("string(//p[@class='error'])")


@pytest.mark.parametrize("query, expected", [
    ("SELECT * WHERE { ?s foo:bar ?o }", "line 1, column 28: prefix foo: is not declared"),
    ("SELECT * WHERE { ?s SKOS:prefLabel ?o }",
     "prefix SKOS: is not declared; did you mean skos: (PREFIX skos: <http://www.w3.org/2004/02/skos/core#>)?"),
    ("SELECT * WHERE { ?s ?p ?o", "line 1, column 26: expected one of"),
])
def test_syntax_errors_read_well(client, query, expected):
    response = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 400
    error = json.loads(response.data)["error"]
    assert set(error) == {"status", "title", "detail"}  # the one error shape, unchanged
    assert expected in error["detail"]
    assert "\\u{" not in error["detail"] and len(error["detail"]) < 300


def test_update_syntax_errors_read_well(tmp_path):
    store = ClaimStore(tmp_path / "store")
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True,
                      "UPDATES_ENABLED": True, "UPDATE_TOKEN": "t"})
    response = app.test_client().post("/sparql/update", data={"update": "INSERT DATA { <x:a> dcterm:title 'x' }"},
                                      headers={"Authorization": "Bearer t", **JSON})
    assert response.status_code == 400
    assert "did you mean dcterms:" in json.loads(response.data)["error"]["detail"]


def test_a_querys_own_from_is_honoured(client):
    def values(query, **dataset):
        response = client.get("/sparql", query_string={"query": query, **dataset}, headers=JSON)
        assert response.status_code == 200, response.data
        return sorted(row["o"]["value"] for row in rows(response))

    everything = "SELECT ?o WHERE { ?s <http://example.org/p> ?o }"
    assert values(everything) == ["in one", "in two"]  # the union default graph
    assert values(f"SELECT ?o FROM <{G1}> WHERE {{ ?s <http://example.org/p> ?o }}") == ["in one"]
    assert values(f"SELECT ?o FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == ["in two"]
    assert values(f"SELECT ?o FROM NAMED <{G2}> WHERE {{ ?s <http://example.org/p> ?o }}") == []
    # The protocol's dataset wins over the query's.
    assert values(f"SELECT ?o FROM <{G1}> WHERE {{ ?s <http://example.org/p> ?o }}",
                  **{"default-graph-uri": G2}) == ["in two"]
    # "from" elsewhere is no dataset clause.
    assert values('SELECT ?o WHERE { ?s <http://example.org/p> ?o FILTER(?o != "from") }') == ["in one", "in two"]
