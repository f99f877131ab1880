"""The example queries: each runs against the seed with answers, is in the graph as a
SHACL executable, and shows on /examples and in the editor."""

from __future__ import annotations

import pytest
from markupsafe import escape
from pyoxigraph import QuerySolutions

from claimgraph.graph.rules import examples as example_queries
from claimgraph.graph.rules.examples import GRAPH_EXAMPLES, ExampleError, parse_example
from claimgraph.graph.rules.statistics import GRAPH_STATISTICS

EXAMPLES = example_queries.load_examples()
# Examples that must have answers on the seed alone (others, e.g. about reviews, may be empty there).
ANSWERED_ON_SEED = {"claims-citing-a-source", "evidence-for-drug-condition", "uncited-claims",
                    "sources-by-citation-count", "claims-backed-by-guideline", "article-version-history",
                    "dataset-statistics"}


def test_the_issue_examples_are_there():
    assert ANSWERED_ON_SEED <= {e.name for e in EXAMPLES}
    for example in EXAMPLES:
        assert example.title and example.description and example.form


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory, vocabulary):
    """Every example's rows on the seed (loaded once for the module)."""
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.store import ClaimStore
    from claimgraph.loaders import read_file

    from conftest import SEED

    store = ClaimStore(tmp_path_factory.mktemp("examples") / "store")
    store.ensure_static_graphs()
    assert ingest(store, read_file(SEED, vocabulary)).ok
    results = {"_written": example_queries.load_examples()}  # what the load wrote into the graph
    for example in EXAMPLES:
        answer = store.query(example.text)
        results[example.name] = list(answer) if isinstance(answer, QuerySolutions) else answer
    return store, results


@pytest.mark.parametrize("name", sorted(ANSWERED_ON_SEED))
def test_example_answers_on_the_seed(seed_results, name):
    _store, results = seed_results  # every example ran in the fixture; these must also answer
    assert results[name], f"{name}.rq gave no rows on the seed"


def test_seed_specifics(seed_results):
    _store, results = seed_results
    assert len(results["sources-by-citation-count"]) == 6  # the seed cites six sources
    assert len(results["article-version-history"]) == 1
    assert all(str(row["current"].value) == "true" for row in results["article-version-history"])


def test_examples_graph_holds_shacl_executables(seed_results):
    store, results = seed_results
    rows = store.select("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?query ?label WHERE { GRAPH ?g { ?query a sh:SPARQLExecutable ; rdfs:label ?label } }""")
    written = results["_written"]
    assert len(rows) == len(written) >= len(ANSWERED_ON_SEED)
    assert {r["label"] for r in rows} == {e.title for e in written}
    assert store.has_graph(GRAPH_EXAMPLES) and store.has_graph(GRAPH_STATISTICS)


def test_a_bad_example_file_is_named():
    with pytest.raises(ExampleError, match="queries/examples/broken.rq: no '# description:'"):
        parse_example("broken", "# title: Broken\nSELECT * {}")


def test_pages_show_the_examples(seed_results):
    from claimgraph.web import create_app
    from claimgraph.web.sparql import close_runner

    store, _results = seed_results
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True})
    client = app.test_client()
    try:
        page = client.get("/examples").get_data(as_text=True)
        editor = client.get("/query").get_data(as_text=True)
        for example in EXAMPLES:
            assert str(escape(example.title)) in page
            assert str(escape(example.title)) in editor
        # The plain form (no JavaScript) runs a query and shows a table.
        table = client.get("/query", query_string={"query": EXAMPLES[0].text}).get_data(as_text=True)
        assert "<table>" in table and "row(s)" in table
    finally:
        close_runner(app)
