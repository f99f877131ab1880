"""Dump -> restore -> dump, and a user's own RDF files, through the command line.

A backup is only a backup if it comes back: ``claimgraph restore`` takes what
``claimgraph export dump`` wrote, gives the same bytes when dumped again, and the
derived data (search, statistics) answers as before. Plain RDF files load into a
named graph of their own.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest
from conftest import DATA, SEED

EXAMPLES = DATA.parent.parent / "examples"


def run(store, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), *map(str, args)],
                          capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.mark.parametrize("fmt,suffix", [("nquads", "nq"), ("trig", "trig")])
def test_dump_restore_dump_is_byte_identical(tmp_path, fmt, suffix):
    original, restored = tmp_path / "original", tmp_path / "restored"
    run(original, "load", SEED, EXAMPLES / "guidelines", EXAMPLES / "labels")
    run(original, "review", "--help")  # the CLI still answers around the store
    first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
    run(original, "export", "dump", "--format", fmt, "-o", first)
    out = run(restored, "restore", first)
    assert "restored" in out.stdout
    run(restored, "export", "dump", "--format", fmt, "-o", second)
    assert first.read_bytes() == second.read_bytes()
    # The derived data answers as before: statistics and search.
    assert json.loads(run(original, "stats", "--json").stdout) == json.loads(run(restored, "stats", "--json").stdout)
    run(restored, "check")
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Claim }"
    assert run(original, "query", query, "--format", "csv").stdout == run(restored, "query", query, "--format",
                                                                          "csv").stdout


def test_restore_refuses_a_store_that_is_not_empty_and_a_broken_dump(tmp_path):
    store = tmp_path / "store"
    run(store, "load", SEED)
    dump = tmp_path / "dump.nq"
    run(store, "export", "dump", "-o", dump)
    proc = run(store, "restore", dump, check=False)
    assert proc.returncode != 0 and "not empty" in proc.stderr
    broken = tmp_path / "broken.nq"
    broken.write_text(dump.read_text(encoding="utf-8")[:5000] + "\n<oops> <broken\n", encoding="utf-8")
    proc = run(store, "restore", broken, "--replace", check=False)
    assert proc.returncode != 0 and "broken.nq" in proc.stderr and "Traceback" not in proc.stderr
    # Nothing was replaced: the store still answers with the seed.
    assert "25" in run(store, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Claim }", "--format",
                       "csv").stdout
    run(store, "restore", dump, "--replace")
    run(store, "check")


def test_plain_rdf_files_load_into_a_named_graph(tmp_path):
    store = tmp_path / "store"
    turtle = tmp_path / "my-notes.ttl"
    turtle.write_text('@prefix ex: <http://example.org/> .\nex:a ex:says "hello" .\n', encoding="utf-8")
    out = run(store, "load", turtle)
    assert "1 triple(s) into graph" in out.stdout
    run(store, "load", turtle)  # again: replaced, not duplicated
    rows = run(store, "query", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/says> ?o } } "
                               "GROUP BY ?g", "--format", "csv").stdout.splitlines()
    assert len(rows) == 2 and rows[1].endswith(",1") and "/graph/file/my-notes-" in rows[1]
    run(store, "load", "--graph", "http://example.org/mine", turtle)
    assert "http://example.org/mine" in run(store, "query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                            "--format", "csv").stdout
    # A claimgraph dump is not plain RDF: `load` says to restore it.
    dump = tmp_path / "dump.trig"
    run(store, "export", "dump", "--format", "trig", "-o", dump)
    proc = run(store, "load", dump, check=False)
    assert proc.returncode == 1 and "claimgraph restore" in proc.stdout + proc.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:says \n", encoding="utf-8")
    proc = run(store, "load", bad, check=False)
    assert proc.returncode == 1 and "bad.ttl" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    run(store, "check")


def test_a_store_of_the_older_model_is_upgraded(tmp_path):
    """Before sources were described once, each citing version described its sources in its
    own graph. `claimgraph upgrade` moves that to the cited-sources graph: the store then
    holds what a load by this release writes."""
    from pyoxigraph import RdfFormat

    from claimgraph.graph.index import check
    from claimgraph.graph.write.batch import load_files
    from claimgraph.graph.store import ClaimStore

    location = tmp_path / "store"
    store = ClaimStore(location)
    load_files(store, [SEED, DATA / "sources-cites-doi.md", EXAMPLES / "guidelines"])
    expected = _lines(store, RdfFormat.N_QUADS)
    # The older layout, made from this one: descriptions (and publishers) back in the citing graphs.
    store.update("""
        PREFIX biro: <http://purl.org/spar/biro/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        INSERT { GRAPH ?g { ?s ?p ?o . ?org ?op ?oo } } WHERE {
          GRAPH ?g { ?r biro:references ?s }
          GRAPH cgid:graph\\/sources\\/cited { ?s ?p ?o FILTER(?p != prov:wasDerivedFrom)
                                                OPTIONAL { ?s dcterms:publisher ?org . ?org ?op ?oo } }
        } ;
        DROP GRAPH cgid:graph\\/sources\\/cited""")
    assert _lines(store, RdfFormat.N_QUADS) != expected
    del store
    gc.collect()
    out = run(location, "upgrade")
    assert "upgraded" in out.stdout
    assert "already current" in run(location, "upgrade").stdout
    upgraded = ClaimStore(location)
    assert _lines(upgraded, RdfFormat.N_QUADS) == expected
    assert not check.compare(upgraded)


def _lines(store, fmt) -> list[str]:
    """The store's quads as sorted N-Quads lines, the statistics' time left out."""
    import io

    out = io.BytesIO()
    store.dump(out, fmt)
    return sorted(line for line in out.getvalue().decode("utf-8").splitlines()
                  if "dc/terms/modified" not in line)
