"""Loading through the server on a bad day (issue 13 item 11): a server killed during a
load leaves no upload folder once it is started again, and ``claimgraph load --server``
keeps the report of the batches that finished when a later one fails."""

from __future__ import annotations

import os
import random
import signal
import sys
import subprocess
import threading
import time

import requests
from article_generator import article_text
from served import claimgraph, served_process
from sparql_live import live_server

from claimgraph.graph.store import ClaimStore

TOKEN = "load-token-for-the-hardening-tests"


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def test_a_server_killed_during_a_load_leaves_no_upload_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"CLAIMGRAPH_LOAD_TOKEN": TOKEN, "TMPDIR": str(scratch)}
    files = [("file", (f"article-{n}.txt", article_text(n, random.Random(n)).encode())) for n in range(7000, 7300)]
    with served_process(tmp_path / "store", tmp_path / "serve.log", env=env) as (base, process):
        def post():
            try:
                requests.post(base + "/load", files=files, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
            except requests.RequestException:
                pass  # the server is killed under it

        sender = threading.Thread(target=post, daemon=True)
        sender.start()
        deadline = time.monotonic() + 120
        while not list(scratch.glob("claimgraph-upload-*/*/*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = list(scratch.glob("claimgraph-upload-*"))
        assert left, "the load never started"
        workers = _children(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for pid in workers:  # query workers end when their pipe closes; make sure
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sender.join(30)
    assert all(folder.exists() for folder in left)  # what a killed process leaves
    with served_process(tmp_path / "store", tmp_path / "serve2.log", env=env):
        assert not list(scratch.glob("claimgraph-upload-*"))


def test_load_through_the_server_keeps_the_batches_that_finished(tmp_path):
    store = ClaimStore(tmp_path / "store")
    store.ensure_static_graphs()
    store.flush()
    small = tmp_path / "article-7400.txt"
    small.write_text(article_text(7400, random.Random(7400)), encoding="utf-8")
    big = tmp_path / "zz-big.txt"  # over 16 MB: a batch of its own, over the server's limit
    big.write_bytes(b"What is big?\n\n" + b"Filler sentence about statins. " * 600_000)
    with live_server(store, QUERY_WORKERS=1, LOAD_TOKEN=TOKEN, LOAD_MAX_BYTES=1024 * 1024) as (base, _app):
        ran = subprocess.run([sys.executable, "-m", "claimgraph", "load", "--server", base, str(small), str(big)],
                             capture_output=True, text=True, timeout=300,
                             env=os.environ | {"CLAIMGRAPH_LOAD_TOKEN": TOKEN})
    assert ran.returncode == 1, ran.stderr
    assert f"{small} [text] ok" in ran.stdout
    assert "2 file(s), 1 with errors" in ran.stdout
    assert str(big) in ran.stderr and "Traceback" not in ran.stderr
