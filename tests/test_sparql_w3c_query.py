"""The W3C SPARQL 1.1 and 1.0 query-evaluation suites (512 tests, tests/data/w3c-sparql)
over HTTP against a live server, compared with the same engine in this process
(tests/w3c_query_suite.py). Fails when the HTTP layer loses a test the engine passes.

The engine's own failures and the tests whose answer depends on the base IRI are listed
in docs/sparql-conformance.md; the lists below keep that page honest: a change in
either shows here first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import w3c_query_suite as suite
from claimgraph.graph.store import ClaimStore
from sparql_live import live_server

# Relative IRIs in these queries resolve against the endpoint's URL over HTTP, not
# against the query file's URL as the suite assumes (the protocol carries no base).
BASE_DEPENDENT = {
    "sparql10/dataset#dawg-dataset-01", "sparql10/dataset#dawg-dataset-03", "sparql10/dataset#dawg-dataset-05",
    "sparql10/dataset#dawg-dataset-06", "sparql10/dataset#dawg-dataset-07", "sparql10/dataset#dawg-dataset-08",
    "sparql10/dataset#dawg-dataset-11", "sparql10/dataset#dawg-dataset-12b", "sparql10/graph#graph-exist",
    "sparql11/construct#constructwhere04", "sparql11/exists#exists03", "sparql11/property-path#pp34",
    "sparql11/property-path#pp35",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tests = suite.read_tests()
    store = ClaimStore(tmp_path_factory.mktemp("w3c") / "store")
    store.write(suite.quads_for_server(tests))
    store.flush()
    with live_server(store, QUERY_WORKERS=2, QUERY_SHORT_WORKERS=1) as (base, _app), \
            requests.Session() as session:
        endpoint = base + "/sparql"
        with ThreadPoolExecutor(max_workers=3) as pool:
            over_http = list(pool.map(lambda t: suite.run_over_http(session, endpoint, t), tests))
        yield [(test, endpoint, http) for test, http in zip(tests, over_http)]


def verdicts(results):
    engine_passes, losses, base_dependent = set(), {}, set()
    for test, endpoint, over_http in results:
        if not suite.passes(test, suite.run_in_process(test, test.query)):
            continue
        engine_passes.add(test.name)
        if suite.passes(test, over_http):
            continue
        # The engine with the base IRI the endpoint resolves against.
        if suite.passes(test, suite.run_in_process(test, endpoint)):
            losses[test.name] = over_http
        else:
            base_dependent.add(test.name)
    return engine_passes, losses, base_dependent


def test_the_http_layer_loses_no_test_the_engine_passes(results):
    engine_passes, losses, base_dependent = verdicts(results)
    assert len(results) == 512
    assert not losses, "\n".join(f"{name}: {str(answer)[:300]}" for name, answer in sorted(losses.items()))
    assert base_dependent == BASE_DEPENDENT, sorted(base_dependent ^ BASE_DEPENDENT)
    # Over HTTP: every test the engine passes, less the base-dependent ones.
    assert len(engine_passes) >= 459
