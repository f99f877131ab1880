"""The W3C SPARQL 1.1 Protocol and Service Description test suites, run from their
manifests against a live server (waitress on 127.0.0.1).

Query tests run against a read-only server whose store holds data1–3.nt as the
named graphs the manifest names. Update tests run against a throw-away store
with updates enabled: update requests go to ``/sparql/update`` with the bearer
token (the manifest allows separate query and update paths), queries to
``/sparql/``. Every update test also runs against the read-only server, where
it must be refused with a 4xx.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from sparql_live import live_server, protocol_store, remote_protocol_store
from virtuoso_support import NEEDS_VIRTUOSO, open_remote, running_virtuoso

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
TOKEN = "test-token-for-updates"
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict
    body: bytes | None
    statuses: set[str]
    expected_format: str | None
    expected_boolean: bool | None


def manifest_tests(conformance: Path) -> list[tuple[str, list[ProtocolRequest]]]:
    graph = Graph().parse(conformance / "sparql11-protocol" / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(test, MF.action)
        requests_ = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            body_node = graph.value(node, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
            response = graph.value(node, HT.resp)
            statuses = {str(s).rsplit("#", 1)[-1] for s in graph.objects(response, MF.expectedStatus)}
            boolean = graph.value(response, MF.expectedBoolean)
            fmt = graph.value(response, MF.expectedFormat)
            requests_.append(ProtocolRequest(str(graph.value(node, HT.methodName)),
                                             str(graph.value(node, HT.absolutePath)), headers, body, statuses,
                                             str(fmt) if fmt is not None else None,
                                             boolean.toPython() if boolean is not None else None))
        tests.append((str(test).rsplit("#", 1)[-1], requests_))
    return tests


_TESTS = manifest_tests(CONFORMANCE) if CONFORMANCE.is_dir() else []
QUERY_TESTS = [t for t in _TESTS if "update" not in t[0]]
UPDATE_TESTS = [t for t in _TESTS if "update" in t[0]]


def is_update(request: ProtocolRequest) -> bool:
    content_type = request.headers.get("content-type", "")
    if "sparql-query" in content_type:
        return False
    return "sparql-update" in content_type or "update=" in request.path or (
        request.body is not None and request.body.startswith(b"update="))


def send(base: str, request: ProtocolRequest, *, update_route: bool) -> requests.Response:
    path = request.path
    headers = dict(request.headers)
    if update_route and is_update(request):
        path = path.replace("/sparql/", "/sparql/update", 1)
        headers["Authorization"] = f"Bearer {TOKEN}"
    return requests.request(request.method, base + path, headers=headers, data=request.body, timeout=20)


def check_response(name: str, request: ProtocolRequest, response: requests.Response) -> None:
    family = f"StatusCode{response.status_code // 100}xx"
    assert family in request.statuses, f"{name}: got {response.status_code} {response.text[:300]}"
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if request.expected_format == "boolean":
        if content_type == "application/sparql-results+json":
            value = json.loads(response.content)["boolean"]
        else:
            assert content_type == "application/sparql-results+xml", f"{name}: {content_type}"
            root = ElementTree.fromstring(response.content)
            value = root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
        if request.expected_boolean is not None:
            assert value is request.expected_boolean, name
    elif request.expected_format == "tabular":
        assert content_type in ("application/sparql-results+json", "application/sparql-results+xml",
                                "text/csv", "text/tab-separated-values"), f"{name}: {content_type}"
    elif request.expected_format == "RDF":
        assert content_type in ("application/rdf+xml", "text/turtle", "application/n-triples"), name
        Graph().parse(data=response.content, format={"application/rdf+xml": "xml", "text/turtle": "turtle",
                                                      "application/n-triples": "nt"}[content_type])


# Each test runs on the embedded store and on a remote one (a throw-away Virtuoso on
# loopback, where /sparql forwards to Virtuoso's endpoint and updates go through
# graph/write/updates.py to its update endpoint).
STORES = ["embedded", pytest.param("virtuoso", marks=NEEDS_VIRTUOSO)]


@contextmanager
def _protocol_store(kind: str, tmp_path_factory, shared, request):
    conformance = shared / "conformance" / "sparql11-protocol"
    if kind == "embedded":
        yield protocol_store(tmp_path_factory.mktemp("w3c") / "store", conformance)
        return
    # Its own Virtuoso: the update tests DROP ALL, which would take the session's data too.
    with running_virtuoso(tmp_path_factory.mktemp("w3c-virtuoso")) as base:
        yield remote_protocol_store(open_remote(base), conformance)


@pytest.fixture(scope="module", params=STORES)
def read_only_server(tmp_path_factory, shared, request):
    with _protocol_store(request.param, tmp_path_factory, shared, request) as store, \
            live_server(store) as (base, _app):
        yield base


@pytest.fixture(scope="module", params=STORES)
def update_server(tmp_path_factory, shared, request):
    with _protocol_store(request.param, tmp_path_factory, shared, request) as store, \
            live_server(store, UPDATES_ENABLED=True, UPDATE_TOKEN=TOKEN) as (base, _app):
        yield base


@pytest.mark.parametrize("name,protocol_requests", QUERY_TESTS, ids=[t[0] for t in QUERY_TESTS])
def test_w3c_query(read_only_server, name, protocol_requests):
    for request in protocol_requests:
        check_response(name, request, send(read_only_server, request, update_route=False))


@pytest.mark.parametrize("name,protocol_requests", UPDATE_TESTS, ids=[t[0] for t in UPDATE_TESTS])
def test_w3c_update(update_server, name, protocol_requests):
    for request in protocol_requests:
        check_response(name, request, send(update_server, request, update_route=True))


@pytest.mark.parametrize("name,protocol_requests", UPDATE_TESTS, ids=[t[0] for t in UPDATE_TESTS])
def test_w3c_update_refused_when_read_only(read_only_server, name, protocol_requests):
    first = protocol_requests[0]
    response = send(read_only_server, first, update_route=False)
    assert 400 <= response.status_code < 500, f"{name}: {response.status_code}"


def test_manifest_was_read():
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14  # all 34 of the manifest


# -- service description ------------------------------------------------------------
@pytest.fixture(scope="module")
def description(read_only_server):
    url = read_only_server + "/sparql"
    response = requests.get(url, headers={"Accept": "text/turtle"}, timeout=10)
    return url, response


def test_sd_returns_rdf(description):
    _url, response = description
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.text, format="turtle")) > 10


def test_sd_has_endpoint_triple(description):
    url, response = description
    graph = Graph().parse(data=response.text, format="turtle")
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert (services[0], SD.endpoint, URIRef(url)) in graph


def test_sd_conforms_to_schema(description, read_only_server):
    _url, response = description
    graph = Graph().parse(data=response.text, format="turtle")
    service = next(graph.subjects(RDF.type, SD.Service))
    assert SD.SPARQL11Query in set(graph.objects(service, SD.supportedLanguage))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    names = {}
    for named in graph.subjects(RDF.type, SD.NamedGraph):
        assert len(list(graph.objects(named, SD.name))) == 1, "each sd:NamedGraph has one sd:name"
        content = graph.value(named, SD.graph)
        assert (content, RDF.type, SD.Graph) in graph
        names[str(graph.value(named, SD.name))] = int(graph.value(content, VOID.triples))
    assert names["http://kasei.us/2009/09/sparql/data/data1.rdf"] == 1
    default = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) == sum(names.values())
    assert int(graph.value(dataset, VOID.classes)) > 0 and int(graph.value(dataset, VOID.properties)) > 0
    # Also in the other RDF formats, and to HEAD.
    for accept, fmt in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                        ("application/n-triples", "nt")):
        other = requests.get(read_only_server + "/sparql", headers={"Accept": accept}, timeout=10)
        assert len(Graph().parse(data=other.content, format=fmt)) == len(graph)
    assert requests.head(read_only_server + "/sparql", timeout=10).status_code == 200
