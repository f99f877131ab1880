"""What the command line says when a newcomer gets something wrong (issue 18, items
14-17): real subprocesses on a real on-disk store."""

from __future__ import annotations

import json


from conftest import SEED
from test_cli import run

ID = "https://w3id.org/claimgraph/id/"


def test_readers_refuse_a_path_that_is_not_a_store(tmp_path):
    missing = tmp_path / "mistyped-store"
    for args in (["stats"], ["query", "ASK { ?s ?p ?o }"], ["export", "dump", "-o", str(tmp_path / "d.nq")],
                 ["validate"], ["export", "sources", "-o", str(tmp_path / "s.ris")]):
        proc = run(missing, *args, check=False)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert f"no store at {missing}" in proc.stderr and "--store" in proc.stderr, proc.stderr
    assert not missing.exists()  # nothing was created in its place
    assert not (tmp_path / "d.nq").exists()

    other = tmp_path / "papers"
    other.mkdir()
    (other / "notes.txt").write_text("not a store")
    proc = run(other, "stats", check=False)
    assert proc.returncode == 1 and f"{other} is not a claimgraph store" in proc.stderr, proc.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    proc = run(other / "notes.txt", "stats", check=False)
    assert proc.returncode == 1 and "is a file, not a store folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_export_sources_with_nothing_to_export_says_so(tmp_path, shared):
    from claimgraph.graph.store import ClaimStore

    store_dir = tmp_path / "store"
    ClaimStore(store_dir).ensure_static_graphs()  # a store, with no source in it
    out = tmp_path / "sources.bib"
    proc = run(store_dir, "export", "sources", "--format", "bibtex", "-o", out, check=False)
    assert proc.returncode == 1
    assert "nothing to export" in proc.stderr and "wrote" not in proc.stderr
    assert not out.exists()
    run(store_dir, "load", SEED)  # its references have no titles: still nothing
    assert "nothing to export" in run(store_dir, "export", "sources", "-o", out, check=False).stderr
    run(store_dir, "load", shared / "data/pubmed/pubmed7.xml")
    done = run(store_dir, "export", "sources", "--format", "bibtex", "-o", out)
    assert "wrote" in done.stderr and "wrote 1 source(s) as bibtex" in done.stderr and out.stat().st_size > 0


def _targets(store_dir) -> list[str]:
    out = run(store_dir, "query", "SELECT ?c WHERE { ?v a cg:Verdict ; oa:hasTarget ?c } ORDER BY ?c",
              "--format", "json").stdout
    return [b["c"]["value"] for b in json.loads(out)["results"]["bindings"]]


def test_review_takes_the_page_url_the_iri_or_key_and_claim_number(tmp_path):
    store_dir = tmp_path / "store"
    run(store_dir, "load", SEED)
    out = run(store_dir, "query", "SELECT ?v WHERE { ?v a cg:Article }", "--format", "json").stdout
    version = json.loads(out)["results"]["bindings"][0]["v"]["value"]
    key = version[len(ID + "article/"):].split("/v-")[0]
    review = ["--verdict", "supported", "--reviewer", "Ada"]
    run(store_dir, "review", f"{version}/claim-1", *review)  # the IRI
    run(store_dir, "review", f"http://127.0.0.1:8080/id/{version[len(ID):]}/claim-2", *review)  # its page
    run(store_dir, "review", f"http://example.org/kg/id/{version[len(ID):]}/claim-3#x", *review)  # behind a proxy
    run(store_dir, "review", f"{key}/claim-4", *review)  # the current version's claim 4
    run(store_dir, "review", f"article/{key}/claim-5", *review)
    assert _targets(store_dir) == sorted(f"{version}/claim-{n}" for n in range(1, 6))

    for wrong, said in ((f"{key}/claim-99", "no claim"), ("what-is-it/claim-1", "no article 'what-is-it'"),
                        ("claim-3", "is not a claim's IRI, page URL or ARTICLE-KEY/claim-N")):
        proc = run(store_dir, "review", wrong, *review, check=False)
        assert proc.returncode == 1 and said in proc.stderr, proc.stderr
        assert "its page URL" in proc.stderr and "/id/article/" in proc.stderr  # where to find one
    assert len(_targets(store_dir)) == 5


def test_writers_say_what_works_while_a_server_holds_the_store(tmp_path):
    from claimgraph.graph.store import ClaimStore

    store_dir = tmp_path / "store"
    run(store_dir, "load", SEED)
    holder = ClaimStore(store_dir)  # holds the write lock, as a running `claimgraph serve` does
    try:
        said = {name: run(store_dir, *args, check=False)
                for name, args in (("load", ["load", SEED]), ("reindex", ["reindex"]),
                                   ("review", ["review", "x/claim-1", "--verdict", "supported",
                                               "--reviewer", "Ada"]))}
        for name, proc in said.items():
            assert proc.returncode == 1 and "another claimgraph process" in proc.stderr, (name, proc.stderr)
        assert "claimgraph load --server http://HOST:PORT FILES" in said["load"].stderr
        assert "CLAIMGRAPH_LOAD_TOKEN" in said["load"].stderr
        assert "/reviews" in said["review"].stderr and "review form" in said["review"].stderr
        assert "stop it, run reindex" in said["reindex"].stderr
        assert json.loads(run(store_dir, "stats", "--json").stdout)["claims"] == 25  # readers still work
    finally:
        del holder


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_shows_progress_names_each_file_once_and_prints_a_reviewer_token(tmp_path, shared):
    """`make run` is `claimgraph demo`: it says what it loads as it goes, and a reviewer can
    log in with the printed token and record a verdict in the browser's form."""
    import os
    import re
    import subprocess
    import sys

    import requests

    port = _free_port()
    env = {**os.environ, "CLAIMGRAPH_SHARED": str(shared)}
    for name in ("CLAIMGRAPH_REVIEWER_TOKENS", "CLAIMGRAPH_SECRET_KEY"):
        env.pop(name, None)
    server = subprocess.Popen([sys.executable, "-m", "claimgraph", "--store", str(tmp_path / "store"), "demo",
                               "--port", str(port), "--query-workers", "1"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    import threading

    from claimgraph.serve_cli import demo_files

    watchdog = threading.Timer(300, server.kill)  # a server that never comes up fails the test, not the run
    watchdog.start()
    try:
        lines = []
        for line in server.stderr:  # until the server is up
            lines.append(line.rstrip("\n"))
            if line.startswith("claimgraph serving"):
                break
        said = "\n".join(lines)
        assert server.poll() is None, said
        loaded = [line for line in lines if re.match(r"  \[\d+/\d+\] ", line)]
        count = len(demo_files())
        assert [line.split()[0] for line in loaded] == [f"[{n}/{count}]" for n in range(1, count + 1)], said
        assert sum("myopathy-necrosis.txt" in line for line in lines) == 1, said
        assert "51 article(s)" in said and "ERROR" not in said and "Warning" not in said
        assert len(lines) < 15, said
        token = re.search(r"demo reviewer: log in at (http://\S+/reviews) with the token (\S+)", said)
        assert token, said
        browser = requests.Session()
        page = browser.get(token.group(1), timeout=30)
        assert page.status_code == 200 and "Log in" in page.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # login is CSRF-protected
        done = browser.post(token.group(1) + "/login", data={"token": token.group(2), "next": "/reviews",
                                                             "csrf_token": csrf}, timeout=30)
        assert done.status_code == 200 and "Demo reviewer" in done.text, done.text[:500]
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=30)
