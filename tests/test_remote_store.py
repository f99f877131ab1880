"""The remote store against a real Virtuoso (Debian's virtuoso-opensource) on loopback.

A throw-away database per test session from tests/data/virtuoso.ini; updates go
through /sparql-auth with digest credentials from the environment, as users run it.
"""

import os
import subprocess

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.store.remote import RemoteStore, with_values
from claimgraph.graph.store import ClaimStore, open_store
from virtuoso_support import CREDENTIALS, NEEDS_VIRTUOSO, clear

pytestmark = NEEDS_VIRTUOSO


@pytest.fixture
def remote(virtuoso, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    store = open_store(f"sparql+{virtuoso}/sparql-auth")
    assert isinstance(store, RemoteStore)
    clear(store)  # Virtuoso's own system graphs stay
    return store


def test_bindings_reach_the_sub_selects_that_project_them():
    """pyoxigraph substitutes a bound variable everywhere; a VALUES block only at the top
    would let a ``LIMIT 1`` sub-select answer for another IRI (page-resource-exists)."""
    text = with_values("SELECT ?iri ?t WHERE {\n  { SELECT ?iri WHERE { ?iri ?p ?o } LIMIT 1 }\n"
                       "  { SELECT ?x WHERE { ?x ?q ?iri } }\n  OPTIONAL { ?iri a ?t } }",
                       {"iri": NamedNode("http://example.org/a")})
    assert text.count("VALUES (?iri) { (<http://example.org/a>) }") == 2  # the outer WHERE, the sub-select projecting ?iri


def test_write_read_and_graphs(remote):
    graph = NamedNode("http://example.org/g")
    quads = [Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"),
                  Literal(f"value {i} with \"quotes\"\nand a line"), graph) for i in range(2500)]
    remote.write(quads)  # more than one INSERT DATA chunk
    assert remote.has_graph(graph)
    assert remote.contains(quads[7])
    rows = remote.select("SELECT ?o WHERE { ?s <http://example.org/p> ?o }", s=NamedNode("http://example.org/s7"))
    assert rows == [{"o": 'value 7 with "quotes"\nand a line'}]
    remote.replace_graph(graph, quads[:3])
    assert len(remote.select("SELECT ?s WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }")) == 3


def test_more_rows_than_virtuosos_default_cap(remote):
    graph = NamedNode("http://example.org/many")
    remote.write(Quad(NamedNode(f"http://example.org/m{i}"), NamedNode("http://example.org/p"), Literal(str(i)), graph)
                 for i in range(12_000))
    assert len(remote.select("SELECT ?s WHERE { GRAPH <http://example.org/many> { ?s ?p ?o } }")) == 12_000


def test_seed_loads_and_queries_agree_with_the_embedded_store(remote, shared, vocabulary, tmp_path):
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file

    seed = shared / "data" / "seeds" / "myopathy-necrosis.txt"
    local = ClaimStore(tmp_path / "local")
    for store in (local, remote):
        store.ensure_static_graphs()
        outcome = ingest(store, read_file(seed, vocabulary))
        assert outcome.ok, outcome.errors
    claims = local.select("cited-claims-sample")
    assert claims
    for name, bindings in (("claim-evidence", {"claim": NamedNode(claims[0]["claim"])}),
                           ("uncited-claims-count", {}), ("sources-by-citations", {}),
                           ("claim-text-contains", {"phrase": "corticosteroids"}),
                           ("page-claims", {"version": NamedNode(claims[0]["version"])})):
        expected = sorted(map(repr, local.select(with_values(_query(name), bindings))))
        assert sorted(map(repr, remote.select(name, **bindings))) == expected, name


def _query(name: str) -> str:
    from claimgraph.graph import queries

    return queries.get(name)


def test_credentials_come_from_the_environment(virtuoso, monkeypatch):
    monkeypatch.delenv("CLAIMGRAPH_SPARQL_USER", raising=False)
    store = RemoteStore(f"sparql+{virtuoso}/sparql-auth")
    with pytest.raises(RuntimeError, match="401"):
        store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_the_command_line_works_on_the_remote_store(remote, virtuoso, shared):
    """`claimgraph --store sparql+http://…` goes through open_store for writing and reading."""
    import json as json_module
    import os
    import sys

    location = f"sparql+{virtuoso}/sparql-auth"
    env = {**os.environ, **CREDENTIALS}
    seed = shared / "data/seeds/myopathy-necrosis.txt"
    for args in (["load", str(seed)], ["stats", "--json"]):
        done = subprocess.run([sys.executable, "-m", "claimgraph", "--store", location, *args],
                              capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    counts = json_module.loads(done.stdout)
    assert counts["articles"] == 1 and counts["claims"] == 25 and counts["uncited_claims"] == 10
    # ...and the data is in Virtuoso, not in a local folder named like the URL
    assert remote.select("stats")[0]["claims"] == 25
