"""Real SPARQL clients against a live server, and the hard per-query timeout.

SPARQLWrapper and rdflib's SPARQLStore query the endpoint in every result format;
a runaway cross product is stopped at its time limit while a concurrent simple
query still answers fast, and the server keeps answering afterwards.
"""

from __future__ import annotations

import threading

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from sparql_live import PROTOCOL_GRAPH_BASE, live_server, protocol_store

DATA1 = URIRef(PROTOCOL_GRAPH_BASE + "data1.rdf")
FOAF_DOCUMENT = URIRef("http://xmlns.com/foaf/0.1/Document")
SELECT = f"SELECT ?type WHERE {{ <{DATA1}> a ?type }}"
CONSTRUCT = f"CONSTRUCT {{ <{DATA1}> a ?type }} WHERE {{ <{DATA1}> a ?type }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared):
    store = protocol_store(tmp_path_factory.mktemp("clients") / "store",
                           shared / "conformance" / "sparql11-protocol")
    with live_server(store, QUERY_WORKERS=2) as (base, app):
        yield base, app


def wrapper(base: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_result_format(server, fmt):
    base, _app = server
    result = wrapper(base, SELECT, fmt).query()
    converted = result.convert()
    if fmt == JSON:
        assert converted["results"]["bindings"][0]["type"]["value"] == str(FOAF_DOCUMENT)
    elif fmt == XML:
        assert str(FOAF_DOCUMENT) in converted.toxml()
    else:
        assert str(FOAF_DOCUMENT).encode() in converted
    if fmt == TSV:
        assert result.response.headers["Content-Type"].startswith("text/tab-separated-values")


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_construct_in_graph_formats(server, fmt):
    base, _app = server
    graph = wrapper(base, CONSTRUCT, fmt).queryAndConvert()
    if not isinstance(graph, Graph):  # SPARQLWrapper hands Turtle back as bytes
        graph = Graph().parse(data=graph, format="turtle")
    assert (DATA1, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), FOAF_DOCUMENT) in graph


def test_sparqlwrapper_ask_and_post(server):
    base, _app = server
    client = wrapper(base, f"ASK {{ <{DATA1}> a ?t }}", JSON)
    client.setMethod("POST")
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", ["ntriples", "trig", "nquads"])
def test_other_graph_formats_parse(server, fmt):
    base, _app = server
    response = requests.get(base + "/sparql", params={"query": CONSTRUCT, "format": fmt}, timeout=10)
    parser = {"ntriples": "nt", "trig": "trig", "nquads": "nquads"}[fmt]
    target = Graph() if fmt == "ntriples" else Dataset()
    target.parse(data=response.content, format=parser)
    assert len(target) >= 1 or len(list(target.quads())) >= 1


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore(server, return_format):
    base, _app = server
    store = SPARQLStore(base + "/sparql", returnFormat=return_format)
    rows = list(store.query(SELECT))
    assert [str(row[0]) for row in rows] == [str(FOAF_DOCUMENT)]
    count = list(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA1}> {{ ?s ?p ?o }} }}"))
    assert int(count[0][0]) == 1
    if return_format in ("xml", "json"):  # SPARQL defines ASK answers in these two only
        assert store.query(f"ASK {{ <{DATA1}> a <{FOAF_DOCUMENT}> }}").askAnswer is True


def test_rdflib_sparqlstore_construct(server):
    base, _app = server
    graph = SPARQLStore(base + "/sparql").query(CONSTRUCT).graph
    assert (DATA1, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), FOAF_DOCUMENT) in graph


def test_runaway_query_is_stopped_while_others_answer(server):
    base, app = server
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    outcome = {}

    def run_runaway():
        response = requests.get(base + "/sparql", params={"query": runaway, "timeout": "1.5"},
                                headers={"Accept": "application/json"}, timeout=30)
        outcome.update(status=response.status_code, body=response.json())

    assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
    runner = app.extensions["claimgraph.query_runner"]
    idle = runner.idle()["general"]
    thread = threading.Thread(target=run_runaway)
    thread.start()
    while runner.idle()["general"] == idle and thread.is_alive():  # until the runaway holds a worker
        thread.join(0.05)
    quick = requests.get(base + "/sparql", params={"query": f"ASK {{ <{DATA1}> ?p ?o }}", "timeout": "10"},
                         timeout=30)
    thread.join(timeout=30)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert outcome["status"] == 503
    assert outcome["body"]["error"]["title"] == "Query timeout"
    assert "1.5 s" in outcome["body"]["error"]["detail"]
    assert runner.timeouts >= 1
    # The killed worker is replaced: the server keeps answering with its full pool.
    for _ in range(3):
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200


ALL_FORMATS = [JSON, XML, TURTLE, N3, RDF, RDFXML, CSV, TSV, JSONLD]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_sparqlwrapper_every_return_format_fits_every_query_form(server, fmt, method):
    """SPARQLWrapper sends one format= whatever the query; one that does not fit the query
    form falls back to Accept, then to the form's default, instead of failing."""
    base, _app = server
    for query in (SELECT, CONSTRUCT, f"ASK {{ <{DATA1}> a ?t }}"):
        client = wrapper(base, query, fmt)
        client.setMethod(method)
        result = client.query()
        assert result.response.status == 200, (fmt, method, query)
        body = result.response.read()
        if query.startswith("ASK"):
            assert b"true" in body, (fmt, method)
        else:
            assert str(FOAF_DOCUMENT).encode() in body or b"foaf:Document" in body or b"Document" in body, \
                (fmt, method, query, body[:200])


def test_pyoxigraph_federates_to_the_endpoint_with_service(server):
    """A pyoxigraph store elsewhere calls this endpoint through SERVICE (the server's own
    workers may not open sockets; a client's engine may)."""
    from pyoxigraph import Store

    base, _app = server
    answer = list(Store().query(f"SELECT ?type WHERE {{ SERVICE <{base}/sparql> {{ <{DATA1}> a ?type }} }}"))
    assert [row["type"].value for row in answer] == [str(FOAF_DOCUMENT)]
    ask = Store().query(f"ASK {{ SERVICE <{base}/sparql> {{ <{DATA1}> a <{FOAF_DOCUMENT}> }} }}")
    assert bool(ask) is True
