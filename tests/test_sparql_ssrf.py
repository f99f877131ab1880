"""SSRF through SERVICE (issue 13, item 1), against a live server and a local listener
that records whether anything reached it.

Two layers are tested apart: the refusal decided on the parsed query (every spelling
that fooled the old lexer: codepoint escapes, a no-break space in an IRI, escaped
characters in a prefixed name), and the query workers' seccomp filter, which stops
the engine's own connection even when a SERVICE query reaches it."""

from __future__ import annotations

import pytest
import requests
from pyoxigraph import Store

from claimgraph.graph.queries import syntax as sparql_syntax
from claimgraph.graph.store import ClaimStore
from claimgraph.web.query_runner import QueryRequest, QueryRunner
from claimgraph.web.worker_limits import network_filter
from sparql_live import RecordingEndpoint, live_server

TOKEN = "ssrf-test-token"
# Each spelling puts something before SERVICE that the old lexer misread as the start of
# a comment or a string, so that it never saw the keyword.
SPELLINGS = {
    "u-escape in an IRI": r"BIND(<http://a\u0041#x> AS ?y) SERVICE <{url}> {{ ?s ?p ?o }}",
    "U-escape in an IRI": r"BIND(<http://a\U00000041#x> AS ?y) SERVICE <{url}> {{ ?s ?p ?o }}",
    "no-break space in an IRI": "BIND(<http://a\u00a0#x> AS ?y) SERVICE <{url}> {{ ?s ?p ?o }}",
    "escaped # in a prefixed name": r"BIND(ex:a\#b AS ?y) SERVICE <{url}> {{ ?s ?p ?o }}",
    "escaped quote in a prefixed name": r"BIND(ex:a\'b AS ?y) SERVICE <{url}> {{ ?s ?p ?o }} BIND(ex:c\'d AS ?z)",
    "plain": "SERVICE SILENT <{url}> {{ ?s ?p ?o }}",
    # The engine ends a comment at CR; rdflib's grammar read on to the LF.
    "carriage return ending a comment": "BIND(1 AS ?y) #x\rSERVICE <{url}> {{ ?s ?p ?o }}\n",
}


def query(spelling: str, url: str) -> str:
    return "PREFIX ex: <http://example.org/> SELECT * WHERE { " + SPELLINGS[spelling].format(url=url) + " }"


def update(spelling: str, url: str) -> str:
    return ("PREFIX ex: <http://example.org/> INSERT { <urn:x> <urn:y> ?s } WHERE { "
            + SPELLINGS[spelling].format(url=url) + " }")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = ClaimStore(tmp_path_factory.mktemp("ssrf") / "store")
    store.ensure_static_graphs()
    store.flush()
    with live_server(store, UPDATES_ENABLED=True, UPDATE_TOKEN=TOKEN) as (base, app):
        yield base, app


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_the_engine_would_run_each_spelling(spelling):
    """The spellings are real SERVICE calls to pyoxigraph (else the tests prove nothing)."""
    with RecordingEndpoint() as listener:
        rows = list(Store().query(query(spelling, listener.url)))
    assert listener.contacted, spelling
    assert any(str(row["s"].value) == "urn:from-the-listener" for row in rows)


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_service_is_refused_however_it_is_spelled(server, spelling):
    base, _app = server
    with RecordingEndpoint() as listener:
        for method in ("get", "post"):
            response = requests.request(method, base + "/sparql", timeout=60,
                                        headers={"Accept": "application/json"},
                                        **{"params" if method == "get" else "data":
                                           {"query": query(spelling, listener.url)}})
            assert response.status_code == 403, (method, response.text)
            error = response.json()["error"]
            assert error["status"] == 403 and "SERVICE" in error["detail"]
        response = requests.post(base + "/sparql/update", data={"update": update(spelling, listener.url)},
                                 headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}, timeout=60)
        assert response.status_code == 403, response.text
        assert "SERVICE" in response.json()["error"]["detail"]
    assert not listener.contacted, listener.requests


def test_the_word_service_elsewhere_is_no_service_clause():
    for text in ['SELECT * WHERE { ?s ?p "customer SERVICE desk" }',
                 "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE",
                 "SELECT ?service WHERE { ?service ?p ?o }",
                 "SELECT * WHERE { ?s <http://x/#a> ?o . ?s ?p 'self-service' }"]:
        assert sparql_syntax.uses_service(text) is False, text
    assert sparql_syntax.uses_service("select * where { service <http://x/> { ?s ?p ?o } }")
    with pytest.raises(sparql_syntax.Unreadable):
        sparql_syntax.uses_service("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o ")


def test_workers_cannot_open_network_sockets(tmp_path):
    """Layer (a) alone: a SERVICE query handed straight to the workers (no refusal in
    front) fails there without contacting the listener; with the network allowed (SERVICE
    enabled), the same query reaches it."""
    store = ClaimStore(tmp_path / "store")
    store.ensure_static_graphs()
    store.flush()
    with RecordingEndpoint() as listener:
        job = QueryRequest(sparql=f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        runner = QueryRunner(store.path, workers=1, short_workers=0)
        try:
            outcome = runner.run(job, 60)
            assert runner.setup_problems == []
        finally:
            runner.close()
        assert outcome.status == 500, outcome
        assert not listener.contacted
        runner = QueryRunner(store.path, workers=1, short_workers=0, allow_network=True)
        try:
            outcome = runner.run(job, 60)
        finally:
            runner.close()
        assert outcome.status == 200, outcome
        assert listener.contacted


def test_the_filter_is_built_for_both_architectures():
    for machine in ("x86_64", "aarch64"):
        program = network_filter(machine)
        assert len(program) % 8 == 0 and len(program) // 8 == 11
    with pytest.raises(KeyError):
        network_filter("riscv64")


def test_the_check_holds_under_concurrent_requests():
    """rdflib's SPARQL parser is one object per process: threads parsing at once broke each
    other's parse, and a harmless query mentioning "service" got 403 under load."""
    import threading
    from pathlib import Path

    text = (Path(sparql_syntax.__file__).parent / "examples" / "dataset-statistics.rq").read_text()
    assert sparql_syntax.mentions(text, "service")
    answers: list = []

    def check():
        for _ in range(20):
            try:
                answers.append(sparql_syntax.uses_service(text))
            except sparql_syntax.Unreadable as exc:
                answers.append(exc)

    threads = [threading.Thread(target=check) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [False] * 120
