"""A bad day for the SPARQL endpoint, against a live server: a query that would take
the machine's memory (issue 13 item 2), runaway queries holding every worker and
thread (issue 15 "a busy day"), and brackets nested deeper than the engine survives."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.store import ClaimStore
from sparql_live import live_server

EXPLODING = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"  # the query
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # CPU for ever, little memory
TRIVIAL = "ASK { }"
JSON = {"Accept": "application/sparql-results+json, application/json;q=0.9"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = ClaimStore(tmp_path_factory.mktemp("limits") / "store")
    store.ensure_static_graphs()
    store.write(Quad(NamedNode(f"urn:s{i}"), NamedNode("urn:p"), Literal(f"value {i}"), NamedNode("urn:g"))
                for i in range(3000))
    store.flush()
    return store


def ask(base: str, sparql: str = TRIVIAL, **params) -> requests.Response:
    return requests.get(base + "/sparql", params={"query": sparql, **params}, headers=JSON, timeout=120)


def in_background(function, *args) -> tuple[threading.Thread, list]:
    answers: list = []

    def target():
        try:
            answers.append(function(*args))
        except requests.RequestException as exc:  # the server closing under a runaway
            answers.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, answers


def test_a_query_past_the_memory_cap_gets_503_while_others_are_answered(store):
    with live_server(store, QUERY_MEMORY_MB=250, QUERY_WORKERS=2) as (base, app):
        thread, answers = in_background(ask, base, EXPLODING)
        trivial = [ask(base) for _ in range(3)]
        thread.join(120)
        assert [r.status_code for r in trivial] == [200, 200, 200]
        response = answers[0]
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["title"] == "Query too large"
        assert "memory limit of 250 MB" in error["detail"]
        assert app.extensions["claimgraph.query_runner"].memory_stops == 1
        assert ask(base).status_code == 200  # the worker was replaced


def test_runaway_queries_do_not_starve_cheap_queries_or_health(store):
    with live_server(store, QUERY_WORKERS=2, QUERY_TIMEOUT=60, SERVER_THREADS=8) as (base, app):
        assert ask(base).status_code == 200  # workers started
        runaways = [in_background(ask, base, RUNAWAY) for _ in range(10)]
        # Pages and health never wait for the SPARQL pool, even while the runaways flood in.
        assert requests.get(base + "/healthz", timeout=60).status_code == 200
        assert requests.get(base + "/", timeout=60).status_code == 200
        # The flood settles: runaways past what the server takes in are told to come back
        # later (the short lane found them long; the general workers' queue is full).
        for _ in range(1200):
            if sum(1 for _thread, answers in runaways if answers) >= 6:
                break
            time.sleep(0.1)
        busy = [answers[0] for _thread, answers in runaways if answers]
        assert len(busy) >= 6 and all(r.status_code == 503 and r.headers.get("Retry-After") for r in busy)
        # Two runaways hold the general workers and two wait for them: cheap queries are
        # answered at once by the short lane.
        cheap = [ask(base, timeout=30) for _ in range(3)]
        assert [r.status_code for r in cheap] == [200, 200, 200], [r.text for r in cheap]
        assert sum(1 for _thread, answers in runaways if not answers) == 4
        assert requests.get(base + "/healthz", timeout=60).status_code == 200


def test_the_wait_for_a_worker_is_bounded_by_the_request_timeout(store):
    with live_server(store, QUERY_WORKERS=1, QUERY_SHORT_WORKERS=0, QUERY_TIMEOUT=60) as (base, _app):
        assert ask(base).status_code == 200
        thread, _answers = in_background(ask, base, RUNAWAY)
        runner = _app.extensions["claimgraph.query_runner"]
        while runner.idle()["general"]:  # until the runaway holds the one worker
            thread.join(0.05)
        response = ask(base, timeout=1)
        assert response.status_code == 503
        assert "busy" in response.json()["error"]["detail"]


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * 50_000 + " ?s ?p ?o " + "}" * 50_000,
    "SELECT * WHERE { FILTER(" + "(" * 100_000 + "1" + ")" * 100_000 + ") }",
    "SELECT * WHERE " + "{ OPTIONAL " * 3_000 + "{ ?s ?p ?o }" + " }" * 3_000,
])
def test_deep_nesting_is_a_clear_400_and_no_worker_dies(store, text):
    with live_server(store, QUERY_WORKERS=1, QUERY_SHORT_WORKERS=0) as (base, app):
        response = requests.post(base + "/sparql", data=text.encode(), timeout=120,
                                 headers={"Content-Type": "application/sparql-query", "Accept": "application/json"})
        assert response.status_code == 400, response.text
        assert "nests brackets more than 500 deep" in response.json()["error"]["detail"]
        runner = app.extensions.get("claimgraph.query_runner")
        assert runner is None or runner.timeouts == 0
        assert ask(base).status_code == 200


def test_nesting_inside_strings_and_iris_does_not_count():
    from claimgraph.graph.queries.syntax import too_deep

    assert too_deep('SELECT * WHERE { ?s ?p "' + "(" * 2000 + '" }') is None
    assert too_deep("SELECT * WHERE { ?s ?p ?o } # " + "{" * 2000) is None
    assert too_deep("SELECT * WHERE " + "{" * 501 + "}" * 501) is not None
    assert too_deep("SELECT * WHERE " + "\\u007B" * 501 + "}" * 501) is not None


def test_a_deeply_nested_update_is_refused_before_it_reaches_the_engine(tmp_path):
    """Updates run in the server process: the engine's stack overflow would kill the server
    (on main this test ends the test process with a segmentation fault)."""
    from claimgraph.web import create_app

    store = ClaimStore(tmp_path / "store")
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True,
                      "UPDATES_ENABLED": True, "UPDATE_TOKEN": "t"})
    update = "INSERT { <urn:a> <urn:b> <urn:c> } WHERE " + "{" * 5_000 + "}" * 5_000
    response = app.test_client().post("/sparql/update", data={"update": update},
                                      headers={"Authorization": "Bearer t", "Accept": "application/json"})
    assert response.status_code == 400
    assert "update nests brackets more than 500 deep" in response.get_json()["error"]["detail"]
    assert len(store) == 0
