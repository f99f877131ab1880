"""The benchmark's correctness gate on a tiny corpus: every query of the mix gives the
same rows on claimgraph's HTTP endpoint, raw pyoxigraph, rdflib and, when it is installed,
Virtuoso (no timings)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gate_passes_on_thirty_articles(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.run", str(tmp_path), "--articles", "30", "--gate-only",
                          "--virtuoso"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "results-30.json").read_text())
    assert "gate_failure" not in report
    assert {row["query"] for row in report["gate"]} >= {
        "claim-evidence", "pair-evidence", "uncited-claims-count", "uncited-claims-page",
        "sources-by-citations", "claim-text-contains", "page-claims"}
    assert all(row["rows"] > 0 for row in report["gate"])  # the parameters hit data
    loads = {load["peer"]: load for load in report["loads"]}
    assert loads["claimgraph"]["quads"] == loads["oxigraph"]["quads"] > 0
    assert all(loads[peer]["disk_mb_optimized"] > 0 for peer in ("claimgraph", "oxigraph"))
    if shutil.which("virtuoso-t"):
        assert loads["virtuoso"]["quads"] == loads["claimgraph"]["quads"]


def test_corpus_is_nested_and_deterministic(tmp_path):
    sys.path.insert(0, str(REPO))
    from bench import corpus

    small = corpus.generate(tmp_path / "a", 3, seed=3)
    large = corpus.generate(tmp_path / "b", 5, seed=3)
    assert [p.read_text() for p in small] == [p.read_text() for p in large[:3]]
    assert large[0].suffix == ".txt" and large[1].suffix == ".md"


def test_parameters_written_in_give_the_rows_of_a_values_block(seed_store):
    """bench.peers writes parameters in as constants (pyoxigraph plans a VALUES block
    badly); the rows must be those of the same query with the VALUES block."""
    sys.path.insert(0, str(REPO))
    from bench.peers import _PREFIX_LINES, _WHERE, sparql_text, term
    from claimgraph.graph import queries

    def values_form(name, bindings):
        text = queries.get(name)
        opening = _WHERE.search(text).end()
        names = " ".join(f"?{key}" for key in bindings)
        row = " ".join(str(term(value)) for value in bindings.values())
        return f"{_PREFIX_LINES}{text[:opening]} VALUES ({names}) {{ ({row}) }} {text[opening:]}"

    def rows(sparql):
        result = seed_store.store.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [tuple(None if r[n] is None else r[n].value for n in names) for r in result]

    claims = [row["claim"].value for row in seed_store.store.query(
        "PREFIX cito: <http://purl.org/spar/cito/> SELECT DISTINCT ?claim WHERE { ?claim cito:cites ?s } "
        "ORDER BY ?claim LIMIT 3", use_default_graph_as_union=True)]
    version = next(iter(seed_store.store.query(
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?v WHERE { <%s> dcterms:isPartOf ?v }" % claims[0],
        use_default_graph_as_union=True)))["v"].value
    cases = [("claim-evidence", {"claim": c}) for c in claims]
    cases += [("page-claims", {"version": version}), ("page-claims", {"claim": claims[0]}),
              ("claim-text-contains", {"phrase": "rituximab"})]
    for name, bindings in cases:
        written_in = rows(sparql_text(name, bindings))
        assert written_in, (name, bindings)
        assert written_in == rows(values_form(name, bindings)), (name, bindings)
