"""A full disk (issue 13 item 5), for real: the store lives on a small tmpfs that the
test fills (tests/small_fs.py; skipped without root). The CLI ends with a per-file
report naming the cause; the server keeps answering reads, says so on /healthz, and
writes again once space is freed, without a restart."""

from __future__ import annotations

import os
import random

import pytest
import requests
from article_generator import article_text
from served import claimgraph, served_process
from small_fs import fill, small_filesystem

from conftest import SEED

TOKEN = "load-token-for-the-disk-tests"
READS = ["/", "/search?q=statin", "/findings", "/network", "/sparql?query=ASK%7B%7D"]


def _leave(filler, free: int) -> None:
    """Free ``free`` bytes of a full file system (the filler shrinks)."""
    os.truncate(filler, max(0, filler.stat().st_size - free))


def _article(folder, number: int):
    path = folder / f"article-{number}.txt"
    path.write_text(article_text(number, random.Random(number)) * 80, encoding="utf-8")  # ~0.6 MB of claims
    return path


def _load(base: str, number: int):
    body = article_text(number, random.Random(number)).encode()
    return requests.post(base + "/load", files=[("file", (f"article-{number}.txt", body))],
                         headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}, timeout=120)


@pytest.fixture
def full_disk(tmp_path):
    with small_filesystem(tmp_path / "disk", "96m") as disk:
        store = disk / "store"
        loaded = claimgraph(store, "load", SEED, timeout=300)
        assert loaded.returncode == 0, loaded.stderr
        yield disk, store


def test_the_cli_names_each_file_and_the_cause(full_disk, tmp_path):
    disk, store = full_disk
    files = [_article(tmp_path, n) for n in range(9100, 9110)]
    _leave(fill(disk), 8 * 1024 * 1024)  # room to open the store (RocksDB's manifest), not to load them all
    ran = claimgraph(store, "load", *files, timeout=300)
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert "disk holding the store is full" in ran.stderr and "No space left on device" in ran.stderr
    for path in files:
        assert f"{path}: " in ran.stdout
    assert "NOT LOADED (disk full)" in ran.stdout


def test_the_server_reads_on_reports_and_refuses_writes_while_the_disk_is_full(full_disk, tmp_path):
    disk, store = full_disk
    env = {"CLAIMGRAPH_LOAD_TOKEN": TOKEN}
    with served_process(store, tmp_path / "serve.log", env=env) as (base, _process):
        assert requests.get(base + "/healthz", timeout=30).json()["status"] == "ok"
        filler = fill(disk)
        for path in READS:
            assert requests.get(base + path, timeout=60).status_code == 200, path
        health = requests.get(base + "/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert "free on the file system of the store" in health.json()["problems"][0]
        refused = _load(base, 9200)
        assert refused.status_code == 507 and "no space to write" in refused.json()["error"]["detail"]
        filler.unlink()
        assert _load(base, 9201).status_code == 200
        assert requests.get(base + "/healthz", timeout=30).status_code == 200


def test_writes_resume_after_a_write_that_failed_for_want_of_space(full_disk, tmp_path):
    """With the free-space check off, the write itself fails (RocksDB then stops writing on
    that handle for good); once space is back, the next load opens the store again."""
    disk, store = full_disk
    env = {"CLAIMGRAPH_LOAD_TOKEN": TOKEN, "CLAIMGRAPH_MIN_FREE_BYTES": "0"}
    with served_process(store, tmp_path / "serve.log", env=env) as (base, _process):
        filler = fill(disk)
        # The serving processes may take the few pages freed (their logs, a snapshot renewal)
        # before the upload's free-space check runs; that check then refuses first. Free a
        # little more each time until the write itself is what fails.
        for _attempt in range(8):
            _leave(filler, 16 * 1024)
            failed = _load(base, 9300)
            assert failed.status_code == 507, failed.text
            if "no space to write" not in failed.json()["error"]["detail"]:
                break
        assert "disk is full" in failed.json()["error"]["detail"]
        for path in READS:
            assert requests.get(base + path, timeout=60).status_code == 200, path
        health = requests.get(base + "/healthz", timeout=30)
        assert health.status_code == 503 and "a write failed for want of space" in health.json()["problems"][-1]
        filler.unlink()
        loaded = _load(base, 9301)
        assert loaded.status_code == 200, loaded.text
        assert requests.get(base + "/healthz", timeout=30).status_code == 200
        titles = requests.get(base + "/search.json?q=case+9301", timeout=60).json()["total"]
        assert titles >= 1
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
