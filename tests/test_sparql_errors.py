"""Request → response through Flask's test client (no socket): the error taxonomy,
negotiation, limits, headers and the update/graph-store rules."""

from __future__ import annotations

import gzip
import json

import pytest

from claimgraph.graph.rules import statistics
from claimgraph.web import create_app
from claimgraph.web.negotiation import NotAcceptable, choose
from claimgraph.web.sparql import close_runner
from claimgraph.web.update_dataset import DatasetConflict, apply_using

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from claimgraph.graph.store import ClaimStore

    store = ClaimStore(tmp_path_factory.mktemp("errors") / "store")
    store.ensure_static_graphs()
    statistics.refresh(store)
    application = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True,
                              "ROW_LIMIT": 5, "UPDATES_ENABLED": True, "UPDATE_TOKEN": TOKEN})
    yield application
    close_runner(application)


@pytest.fixture
def client(app):
    return app.test_client()


def error_of(response) -> dict:
    return json.loads(response.data)["error"]


def test_syntax_error_is_400_with_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["title"] == "Query syntax error"
    assert error["detail"].startswith("line 2, column ")


def test_wrong_content_type_is_415_and_missing_query_400(client):
    assert client.post("/sparql", data="ASK {}", content_type="text/plain").status_code == 415
    assert client.post("/sparql", data=b"ASK {}").status_code == 415
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    utf16 = client.post("/sparql", data="ASK {}".encode("utf-16"),
                        content_type="application/sparql-query; charset=UTF-16")
    assert utf16.status_code == 415


def test_methods_and_duplicates(client):
    assert client.put("/sparql").status_code == 405
    assert client.delete("/sparql").status_code == 405
    assert client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert client.get("/sparql/update").status_code == 405
    assert client.head("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_update_on_query_endpoint_is_403(client):
    response = client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update")
    assert response.status_code == 403
    assert "/sparql/update" in error_of(client.post("/sparql", data={"update": "CLEAR ALL"},
                                                    headers={"Accept": "application/json"}))["detail"]


def test_update_needs_the_token(client, app):
    body = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }"
    assert client.post("/sparql/update", data=body, content_type="application/sparql-update").status_code == 401
    wrong = client.post("/sparql/update", data=body, content_type="application/sparql-update",
                        headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    ok = client.post("/sparql/update", data=body, content_type="application/sparql-update",
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 204
    app.config["UPDATES_ENABLED"] = False
    try:
        off = client.post("/sparql/update", data=body, content_type="application/sparql-update",
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert off.status_code == 403
    finally:
        app.config["UPDATES_ENABLED"] = True


def test_graph_store_protocol(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    target = {"graph": "http://example.org/gsp"}
    turtle = "<http://example.org/a> <http://example.org/b> 'c' ."
    assert client.put("/rdf-graph-store", query_string=target, data=turtle, content_type="text/turtle").status_code == 401
    assert client.put("/rdf-graph-store", query_string=target, data=turtle, content_type="text/turtle",
                      headers=auth).status_code == 201
    assert client.post("/rdf-graph-store", query_string=target, data="<http://example.org/a> <http://example.org/b> 'd' .",
                       content_type="text/turtle", headers=auth).status_code == 204
    got = client.get("/rdf-graph-store", query_string=target, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.data.count(b"\n") == 2
    assert client.put("/rdf-graph-store", query_string=target, data="not turtle <", content_type="text/turtle",
                      headers=auth).status_code == 400
    assert client.get("/rdf-graph-store", query_string=target,
                      headers={"Accept": "application/n-triples"}).data.count(b"\n") == 2  # nothing lost
    assert client.put("/rdf-graph-store", query_string=target, data=turtle, content_type="text/x-unknown",
                      headers=auth).status_code == 415
    assert client.delete("/rdf-graph-store", query_string=target, headers=auth).status_code == 204
    assert client.get("/rdf-graph-store", query_string=target).status_code == 404
    assert client.get("/rdf-graph-store").status_code == 400


def test_negotiation_q_values_wildcards_and_override(client):
    construct = {"query": "CONSTRUCT WHERE { ?s a ?c } LIMIT 2"}
    cases = [("application/ld+json;q=0.9, text/turtle", "text/turtle"),
             ("text/*", "text/turtle"), ("*/*", "text/turtle"), (None, "text/turtle"),
             ("application/xml", "application/rdf+xml"), ("application/n-quads", "application/n-quads")]
    for accept, expected in cases:
        headers = {"Accept": accept} if accept else {}
        response = client.get("/sparql", query_string=construct, headers=headers)
        assert response.content_type.startswith(expected), (accept, response.content_type)
        assert "Accept" in response.headers["Vary"]
    select = {"query": "SELECT ?s WHERE { ?s a ?c } LIMIT 2"}
    assert client.get("/sparql", query_string=select).content_type.startswith("application/sparql-results+json")
    assert client.get("/sparql", query_string=select,
                      headers={"Accept": "text/csv;q=0.2, text/tab-separated-values;q=0.5"}
                      ).content_type.startswith("text/tab-separated-values")
    assert client.get("/sparql", query_string={**select, "format": "csv"},
                      headers={"Accept": "application/json"}).content_type.startswith("text/csv")
    assert client.get("/sparql", query_string=select, headers={"Accept": "image/png"}).status_code == 406
    # A format= that does not fit the query form falls back to Accept, then the default.
    turtle_for_select = client.get("/sparql", query_string={**select, "format": "turtle"})
    assert turtle_for_select.content_type.startswith("application/sparql-results+json")
    assert client.get("/sparql", query_string={**select, "format": "rdfxml"}, headers={"Accept": "text/csv"}
                      ).content_type.startswith("text/csv")
    construct_csv = client.get("/sparql", query_string={**construct, "format": "csv"}, headers={"Accept": "text/csv"})
    assert construct_csv.status_code == 200 and construct_csv.content_type.startswith("text/turtle")
    assert client.get("/sparql", query_string={**construct, "format": "n3"}).content_type.startswith("text/turtle")
    assert client.get("/sparql", query_string={**select, "format": "no-such-format"}).status_code == 400
    with pytest.raises(NotAcceptable):
        choose("results", "text/turtle")


def test_row_cap_is_said_in_a_header(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50"})
    assert response.headers["X-Result-Truncated"].startswith("true")
    assert len(json.loads(response.data)["results"]["bindings"]) == 5
    small = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"})
    assert "X-Result-Truncated" not in small.headers and small.headers["X-Result-Count"] == "3"


def test_gzip_cors_and_trailing_slash(client):
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "format": "xml"}
    response = client.get("/sparql/", query_string=query, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"<sparql" in gzip.decompress(response.data)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.options("/sparql").headers["Access-Control-Allow-Origin"] == "*"


def test_head_sends_the_headers_of_get(client):
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "format": "xml"}
    for encoding in ("gzip", "identity"):
        get = client.get("/sparql", query_string=query, headers={"Accept-Encoding": encoding})
        head = client.head("/sparql", query_string=query, headers={"Accept-Encoding": encoding})
        assert head.status_code == get.status_code == 200
        assert head.data == b""
        for name in ("Content-Type", "Content-Length", "Content-Encoding", "Vary", "X-Result-Count"):
            assert head.headers.get(name) == get.headers.get(name), (encoding, name)


def test_preflight_allows_the_update_token(client):
    for path, method in (("/sparql/update", "POST"), ("/rdf-graph-store?graph=http://example.org/g", "PUT"),
                         ("/sparql", "POST")):
        response = client.options(path, headers={"Origin": "https://tool.example", "Access-Control-Request-Method":
                                                 method, "Access-Control-Request-Headers": "authorization, content-type"})
        assert response.status_code == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert method in response.headers["Access-Control-Allow-Methods"]
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed


def test_dataset_parameters_and_unknown_graph(client):
    unknown = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }",
                                                  "default-graph-uri": "http://example.org/none"})
    assert json.loads(unknown.data)["boolean"] is False
    bad = client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert bad.status_code == 400


def test_timeout_parameter_is_checked(client):
    assert client.get("/sparql", query_string={"query": "ASK {}", "timeout": "soon"}).status_code == 400
    assert client.get("/sparql", query_string={"query": "ASK {}", "timeout": "0"}).status_code == 400


def test_browser_gets_the_editor_and_proxy_prefix(client, app):
    page = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and b"<textarea" in page.data
    prefixed = client.get("/sparql", headers={"Accept": "text/turtle"}, base_url="http://localhost/kg")
    assert b"<http://localhost/kg/sparql>" in prefixed.data


def test_proxy_headers_when_enabled(tmp_path):
    from claimgraph.graph.store import ClaimStore

    store = ClaimStore(None)
    application = create_app({"STORE": store, "TESTING": True, "PROXY_FIX": 1})
    response = application.test_client().get("/sparql", headers={
        "Accept": "text/turtle", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "kg.example.org",
        "X-Forwarded-Prefix": "/claims"})
    assert b"<https://kg.example.org/claims/sparql>" in response.data


def test_using_parameters_become_clauses():
    text = 'INSERT { GRAPH <g> { ?s a "WHERE {" } } WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }'
    rewritten = apply_using(text, ["http://example.org/a"], ["http://example.org/b"])
    assert rewritten.count("USING <http://example.org/a> USING NAMED <http://example.org/b> WHERE") == 1
    with pytest.raises(DatasetConflict):
        apply_using("WITH <http://x> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://example.org/a"], [])
