"""A throw-away Virtuoso (Debian's virtuoso-opensource) on loopback, for every test that
runs claimgraph on a remote store: one database folder from tests/data/virtuoso.ini,
free ports, stopped when the test is done. Updates go through /sparql-auth with
digest credentials from the environment, as users run it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

VIRTUOSO = shutil.which("virtuoso-t")
DATA = Path(__file__).parent / "data"
CREDENTIALS = {"CLAIMGRAPH_SPARQL_USER": "dba", "CLAIMGRAPH_SPARQL_PASSWORD": "dba",  # the throw-away database's
               "CLAIMGRAPH_SPARQL_AUTH": "digest"}
# Marks for a module or test that needs Virtuoso: skipped only when virtuoso-t is absent.
NEEDS_VIRTUOSO = [pytest.mark.virtuoso,
                  pytest.mark.skipif(VIRTUOSO is None, reason="virtuoso-t not installed "
                                     "(apt-get install virtuoso-opensource; `make system-deps` does it)")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_virtuoso(folder: Path):
    """Yields ``http://127.0.0.1:<port>`` of a Virtuoso whose database lives in ``folder``."""
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t not installed")
    http_port, sql_port = _free_port(), _free_port()
    ini = (DATA / "virtuoso.ini").read_text()
    ini = ini.replace("{dir}", str(folder)).replace("{http_port}", str(http_port))
    (folder / "virtuoso.ini").write_text(ini.replace("{sql_port}", str(sql_port)))
    process = subprocess.Popen([VIRTUOSO, "-f", "-c", "virtuoso.ini"], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}/sparql"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if requests.get(url, params={"query": "ASK {}"}, timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Virtuoso did not start; see {folder}/virtuoso.log")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{http_port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def remote_location(base: str) -> str:
    return f"sparql+{base}/sparql-auth"


def open_remote(base: str):
    """The remote store over ``base``, credentials set in this process's environment."""
    from claimgraph.graph.store import open_store

    os.environ.update(CREDENTIALS)
    return open_store(remote_location(base))


def clear(store) -> None:
    """Drop claimgraph's graphs and the tests' own; Virtuoso's system graphs stay."""
    for row in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                            "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/claimgraph/') || "
                            "STRSTARTS(STR(?g), 'http://example.org/') || "
                            "STRSTARTS(STR(?g), 'http://kasei.us/')) }"):
        store.update(f"DROP SILENT GRAPH <{row['g']}>")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """One Virtuoso for the session; tests clear what they wrote (``clear``)."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as base:
        yield base
