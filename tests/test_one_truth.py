"""Every write path leaves the derived data equal to a rebuild from the store.

Search, the home page's lists, the findings lists and the statistics are derived
from the store; ``graph.check.compare`` rebuilds them from the store's quads in a
scratch store and compares. These tests write the way users do -- loads, SPARQL
Update, the Graph Store protocol, verdicts -- and the way a bad day does -- a
refresh that fails, a process killed before it refreshes, a corrupt index file --
and after each the comparison must find nothing.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest
from article_generator import write_articles
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode

from claimgraph.graph.index import check
from claimgraph.graph.index import derived
from claimgraph.graph.write import reviews
from claimgraph.graph.index import search
from claimgraph.graph.index import search_query
from claimgraph.graph.write import updates as writes
from claimgraph.graph.write.batch import load_files
from claimgraph.graph.store import ClaimStore

CG = "https://w3id.org/claimgraph/ns#"
C4O = "http://purl.org/spar/c4o/"
DCTERMS = "http://purl.org/dc/terms/"


def _in_step(store) -> None:
    differences = check.compare(store)
    assert not differences, "\n".join(d.describe() for d in differences)


def _versions(store) -> list[str]:
    return [r["v"] for r in store.select(f"SELECT ?v WHERE {{ ?v a <{CG}Article> }} ORDER BY ?v")]


def _insert_claim(store, version: str, n: int, text: str) -> None:
    claim = f"{version}/claim-{n}"
    writes.apply_update(store, f"""
        INSERT DATA {{ GRAPH <{version}> {{
          <{claim}> a <{CG}Claim> ; <{C4O}hasContent> "{text}" ;
                    <{DCTERMS}isPartOf> <{version}> ; <{CG}position> {n} .
        }} }}""")


def _found(store, words: str) -> list[str]:
    return [hit.iri for hit in search_query.search(store, words).hits]


def _indexed_claims(store) -> dict[str, int]:
    """Claims the search index holds, per article version."""
    with search._connect(store) as conn:
        return dict(conn.execute("SELECT version, COUNT(*) FROM docs WHERE type = 'claim' GROUP BY version"))


@pytest.fixture
def articles(tmp_path):
    return write_articles(tmp_path / "articles", 4, seed=21)


def test_a_claim_inserted_by_sparql_update_is_searched_and_counted(store, articles):
    load_files(store, articles[:2])
    version = _versions(store)[0]
    _insert_claim(store, version, 900, "Zebrafish oil cured the unicorn myopathy")
    assert f"{version}/claim-900" in _found(store, "zebrafish unicorn")
    assert derived.pending(store) == []
    _in_step(store)


def test_updates_with_unknown_graphs_rebuild_everything(store, articles):
    load_files(store, articles[:2])
    version = _versions(store)[0]
    # GRAPH ?g: which graphs it writes is not known from the update; everything is rebuilt.
    writes.apply_update(store, f"""DELETE {{ GRAPH ?g {{ ?c ?p ?o }} }}
        WHERE {{ GRAPH ?g {{ ?c <{DCTERMS}isPartOf> <{version}> ; a <{CG}Claim> ; ?p ?o }} }}""")
    assert version not in _indexed_claims(store)
    _in_step(store)


def test_graph_store_writes_keep_the_index_in_step(store, articles):
    from pyoxigraph import Literal, Quad

    load_files(store, articles[:3])
    first, second = _versions(store)[:2]
    writes.delete_graph(store, NamedNode(first))  # an article version dropped whole
    assert first not in _indexed_claims(store)
    claim = NamedNode(second + "/claim-1")
    writes.put_graph(store, NamedNode("http://example.org/notes"),  # a user's own graph
                     [Quad(claim, NamedNode("http://example.org/note"), Literal("checked"),
                           NamedNode("http://example.org/notes"))], replace=True)
    _in_step(store)


def test_a_verdict_keeps_the_lists_in_step(store, articles):
    load_files(store, articles[:2])
    version = _versions(store)[0]
    reviews.record_verdict(store, f"{version}/claim-1", "supported", "Ada")
    assert derived.pending(store) == []
    _in_step(store)


def test_a_failed_refresh_is_caught_up_by_the_next_load(store, articles, monkeypatch):
    real = search.refresh
    monkeypatch.setattr(search, "refresh", lambda s, v: (_ for _ in ()).throw(OSError("database is locked")))
    outcomes = load_files(store, articles[:2])
    assert all("derived data not refreshed" in " ".join(o.warnings) for o in outcomes)
    assert derived.pending(store), "the failed refresh must leave its change notes"
    monkeypatch.setattr(search, "refresh", real)
    load_files(store, articles[2:3])  # a later load takes up the earlier notes too
    assert derived.pending(store) == []
    assert len(_indexed_claims(store)) == 3
    _in_step(store)


def test_a_load_killed_before_its_refresh_is_caught_up_at_serve_start(tmp_path, articles, monkeypatch):
    store = ClaimStore(tmp_path / "store")
    monkeypatch.setattr(derived, "_run", lambda s, v: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):  # the process dies between the write and the refresh
        load_files(store, articles)
    monkeypatch.undo()
    del store
    restarted = ClaimStore(tmp_path / "store")
    assert len(derived.pending(restarted)) == 4
    derived.ready(restarted)  # what `claimgraph serve` does before serving
    assert derived.pending(restarted) == []
    _in_step(restarted)


def test_a_corrupt_index_is_rebuilt_not_fatal(tmp_path, articles):
    location = tmp_path / "store"
    store = ClaimStore(location)
    load_files(store, articles[:2])
    del store
    index = location / search.INDEX_FILE
    os.truncate(index, index.stat().st_size // 2)
    for command in ("reindex", "check"):  # the CLI as a user runs it: no traceback
        proc = subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(location), command],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
    assert "in step" in proc.stdout
    # Garbage in place of the index: serve's start rebuilds it.
    index.write_bytes(b"not a database" * 100)
    reopened = ClaimStore(location)
    derived.ready(reopened)  # what `claimgraph serve` does before serving
    assert len(_indexed_claims(reopened)) == 2
    _in_step(reopened)


def test_check_says_what_differs(store, articles):
    load_files(store, articles[:1])
    with search._connect(store) as conn, conn:  # drift behind the pipeline's back
        conn.execute("DELETE FROM docs WHERE type = 'claim' AND id IN (SELECT id FROM docs LIMIT 1)")
    differences = check.compare(store)
    assert any(d.part == "index:docs" and d.missing for d in differences)


# -- any sequence of writes and failures --------------------------------------------
_OPS = st.sampled_from(["load", "new-version", "insert", "delete", "verdict", "fail", "kill"])


@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(_OPS, st.integers(0, 3)), min_size=3, max_size=6))
def test_any_sequence_of_writes_kills_and_failures_ends_in_step(tmp_path_factory, ops):
    folder = tmp_path_factory.mktemp("seq")
    paths = write_articles(folder / "articles", 4, seed=3)
    location = folder / "store"
    store = ClaimStore(location)
    load_files(store, paths[:1])
    for op, n in ops:
        if _apply(store, folder, paths, op, n) == "restart":
            del store
            gc.collect()  # the dead process's store object lets go of the lock
            store = ClaimStore(location)
    derived.catch_up(store)  # the next write or serve start
    assert derived.pending(store) == []
    _in_step(store)


def _apply(store, folder, paths, op: str, n: int) -> str | None:
    versions = _versions(store)
    if op == "load":
        load_files(store, [paths[n]])
    elif op == "new-version":
        revised = folder / f"revised-{n}-{len(versions)}.txt"
        text = paths[n].read_text(encoding="utf-8")
        revised.write_text(text.replace("myopathy", "myositis", 1) + "\nA late addition about rituximab [1].\n",
                           encoding="utf-8")
        load_files(store, [revised])
    elif op == "insert" and versions:
        _insert_claim(store, versions[n % len(versions)], 800 + n, f"Inserted claim {n} about statins")
    elif op == "delete" and versions:
        version = versions[n % len(versions)]
        writes.apply_update(store, f"DELETE WHERE {{ GRAPH <{version}> {{ <{version}/claim-1> ?p ?o }} }}")
    elif op == "verdict" and versions:
        claims = store.select(f"SELECT ?c WHERE {{ ?c a <{CG}Claim> }} ORDER BY ?c LIMIT 1 OFFSET {n}")
        if claims:
            reviews.record_verdict(store, claims[0]["c"], "supported", "Ada")
    elif op == "fail":  # the next write's refresh fails; its notes stay
        real = search.refresh
        search.refresh = lambda s, v: (_ for _ in ()).throw(OSError("disk full"))
        try:
            load_files(store, [paths[n]])
        finally:
            search.refresh = real
    elif op == "kill":  # a write whose process dies before refreshing: a new process goes on
        real = derived._run
        derived._run = lambda s, v: (_ for _ in ()).throw(KeyboardInterrupt())
        try:
            load_files(store, [paths[(n + 1) % len(paths)]])
        except KeyboardInterrupt:
            pass
        finally:
            derived._run = real
        return "restart"
    return None


def test_writes_over_http_reach_search_and_the_home_page(store, articles):
    """SPARQL Update and Graph Store writes through the web app, then the pages."""
    from claimgraph.web import create_app

    load_files(store, articles[:2])
    version = _versions(store)[0]
    app = create_app({"STORE": store, "TESTING": True, "UPDATES_ENABLED": True, "UPDATE_TOKEN": "t0ken"})
    client = app.test_client()
    auth = {"Authorization": "Bearer t0ken"}
    update = (f'INSERT DATA {{ GRAPH <{version}> {{ <{version}/claim-901> a <{CG}Claim> ; '
              f'<{C4O}hasContent> "Quokka serum reverses myopathy" ; <{DCTERMS}isPartOf> <{version}> ; '
              f'<{CG}position> 901 }} }}')
    response = client.post("/sparql/update", data={"update": update}, headers=auth)
    assert response.status_code == 204, response.data
    assert "serum reverses" in client.get("/search?q=quokka").get_data(as_text=True)
    response = client.delete("/rdf-graph-store", query_string={"graph": version}, headers=auth)
    assert response.status_code == 204, response.data
    assert "serum reverses" not in client.get("/search?q=quokka").get_data(as_text=True)
    _in_step(store)


def test_one_index_file_replaces_the_older_releases_files(tmp_path, articles):
    """Derived tables live in one file with one schema version; the three files older
    releases kept beside the store are removed and their content rebuilt from the store."""
    from claimgraph.graph import index

    location = tmp_path / "store"
    store = ClaimStore(location)
    load_files(store, articles[:2])
    del store
    gc.collect()
    os.replace(location / index.INDEX_FILE, location / "search.sqlite")  # as an older release left it
    for name in ("statistics.sqlite", "evidence-facts.sqlite"):
        (location / name).write_bytes(b"")
    reopened = ClaimStore(location)
    derived.ready(reopened)  # what `claimgraph serve` does before serving
    assert [p.name for p in location.glob("*.sqlite")] == [index.INDEX_FILE]
    assert len(_indexed_claims(reopened)) == 2
    _in_step(reopened)


def test_an_update_the_engine_refuses_is_a_400_and_leaves_no_note(store):
    """CLEAR GRAPH of a graph that does not exist (no SILENT): the engine refuses it; the client
    gets 400 naming why, not a 500, and the change note written before it is taken back."""
    from claimgraph.web import create_app

    app = create_app({"STORE": store, "TESTING": True, "UPDATES_ENABLED": True, "UPDATE_TOKEN": "t0ken"})
    response = app.test_client().post("/sparql/update", data={"update": "CLEAR GRAPH <http://example.org/none>"},
                                      headers={"Authorization": "Bearer t0ken"})
    assert response.status_code == 400 and "does not exist" in response.get_data(as_text=True)
    assert derived.pending(store) == []
