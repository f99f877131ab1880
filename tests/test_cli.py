"""The `claimgraph` command as a user runs it: real subprocesses, a real on-disk store."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import DATA, SEED

EXPERTQA = "data/attributed-qa/expertqa_domain_test_medicine.jsonl"


def run(store: Path, *args, check=True, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture
def store_dir(tmp_path) -> Path:
    return tmp_path / "store"


def test_load_prints_a_per_file_summary(store_dir):
    proc = run(store_dir, "load", SEED)
    assert "myopathy-necrosis.txt [text] ok" in proc.stdout
    assert "added       25 claims, 22 citations, 6 references" in proc.stdout
    again = run(store_dir, "load", SEED)
    assert "unchanged" in again.stdout


def test_stats_after_loading_seed_and_expertqa(store_dir, shared):
    run(store_dir, "load", SEED, shared / EXPERTQA)
    counts = json.loads(run(store_dir, "stats", "--json").stdout)
    assert counts["articles"] == 52  # the seed and 51 ExpertQA answers
    assert counts["claims"] == 25 + 247
    assert counts["uncited_claims"] >= 10
    assert counts["mentions"] > 50


def test_a_bad_file_fails_alone_and_is_named(store_dir, tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    empty = tmp_path / "empty.md"
    empty.write_text("")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("What is caf\xe9 myopathy?\n\nFrom the Research\n\nIt is rare 1.\n".encode("latin-1"))
    proc = run(store_dir, "load", binary, SEED, empty, latin1, check=False)
    assert proc.returncode == 1
    assert f"{binary}: byte 8: looks like a binary file" in proc.stderr
    assert f"{empty}: file is empty" in proc.stderr
    assert f"{latin1}: line 1, column 12: not valid UTF-8" in proc.stderr
    assert "traceback" not in (proc.stdout + proc.stderr).lower()
    # the good file in the same batch is stored
    assert json.loads(run(store_dir, "stats", "--json").stdout)["articles"] == 1


def test_query_formats(store_dir):
    run(store_dir, "load", SEED)
    out = run(store_dir, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Claim }", "--format", "csv").stdout
    assert list(csv.reader(io.StringIO(out))) == [["n"], ["25"]]
    table = run(store_dir, "query", "SELECT ?t WHERE { ?a a cg:Article ; dcterms:title ?t }").stdout
    assert "muscular necrosis" in table and "(1 rows)" in table
    ttl = run(store_dir, "query", "CONSTRUCT WHERE { ?s a cg:Guideline }").stdout
    assert "Guideline" in ttl
    bad = run(store_dir, "query", "SELECT WHERE {", check=False)
    assert bad.returncode == 1 and "query syntax" in bad.stderr


def test_validate_conforms(store_dir):
    run(store_dir, "load", SEED)
    proc = run(store_dir, "validate")
    assert proc.stdout.startswith("conforms")


@pytest.mark.parametrize("fmt,parser", [("nquads", "nquads"), ("trig", "trig")])
def test_export_dump_round_trips(store_dir, tmp_path, fmt, parser):
    run(store_dir, "load", SEED)
    out = tmp_path / f"dump.{fmt}"
    run(store_dir, "export", "dump", "--format", fmt, "-o", out)
    # load the dump into a fresh pyoxigraph store and compare both as rdflib datasets
    other = tmp_path / "other"
    script = ("import sys, pyoxigraph as p; s = p.Store(sys.argv[1]); "
              f"s.load(path=sys.argv[2], format=p.RdfFormat.{'N_QUADS' if fmt == 'nquads' else 'TRIG'}); s.flush()")
    subprocess.run([sys.executable, "-c", script, str(other), str(out)], check=True, timeout=60)
    out2 = tmp_path / f"dump2.{fmt}"
    run(other, "export", "dump", "--format", fmt, "-o", out2)
    first, second = rdflib.Dataset(), rdflib.Dataset()
    first.parse(out, format=parser)
    second.parse(out2, format=parser)
    assert len(list(first.quads())) > 1000
    assert datasets_isomorphic(first, second)


def datasets_isomorphic(a: rdflib.Dataset, b: rdflib.Dataset) -> bool:
    """Same graph names, and each named graph isomorphic to its counterpart."""
    names_a = {g.identifier for g in a.graphs() if len(g)}
    names_b = {g.identifier for g in b.graphs() if len(g)}
    return names_a == names_b and all(isomorphic(a.graph(n), b.graph(n)) for n in names_a)


def test_user_vocabulary_is_kept_in_the_store(store_dir, tmp_path):
    article = tmp_path / "eculizumab.md"
    article.write_text("# Is eculizumab used in myositis?\n\n"
                       "Eculizumab has been tried in refractory juvenile dermatomyositis [1].\n\n"
                       "## References\n\n1. Doe J. A trial. J Test. 2020. doi:10.1000/test.1\n")
    run(store_dir, "load", "--vocab", DATA / "user-vocabulary.tsv", article)
    rows = run(store_dir, "query", "SELECT ?label WHERE { ?c cg:mentions ?x . ?x skos:prefLabel ?label } "
               "ORDER BY ?label", "--format", "csv").stdout.split()
    assert "eculizumab" in [r.lower() for r in rows]
    assert run(store_dir, "validate").stdout.startswith("conforms")
    bad = tmp_path / "bad.tsv"
    bad.write_text("label\tconcept\tkind\nfoo\tbar\tplanet\n")
    proc = run(store_dir, "load", "--vocab", bad, article, check=False)
    assert proc.returncode == 1 and str(bad) in proc.stderr and "line 2" in proc.stderr


def test_store_option_and_environment(tmp_path):
    env_store = tmp_path / "from-env"
    proc = subprocess.run([sys.executable, "-m", "claimgraph", "load", str(SEED)], capture_output=True,
                          text=True, timeout=120, env={**__import__("os").environ, "CLAIMGRAPH_STORE": str(env_store)})
    assert proc.returncode == 0, proc.stderr
    assert env_store.is_dir()


def test_reading_commands_work_while_another_process_writes(store_dir):
    from claimgraph.graph.store import ClaimStore

    run(store_dir, "load", SEED)
    holder = ClaimStore(store_dir)  # holds the write lock, as a running server does
    try:
        counts = json.loads(run(store_dir, "stats", "--json").stdout)
        assert counts["claims"] == 25
        busy = run(store_dir, "load", SEED, check=False)
        assert busy.returncode == 1 and "another claimgraph process" in busy.stderr
    finally:
        del holder
