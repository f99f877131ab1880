"""A large refresh runs the search index in a helper process beside the findings.

What it derives must be what the same refresh derives in one process; a helper that
fails must fail the refresh (the change notes stay); a refresh that fails in this
process must not leave the helper running.
"""

from __future__ import annotations

import gc

import pytest
from article_generator import write_articles

from claimgraph.graph.index import beside, check, derived
from claimgraph.graph.rules import findings
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.write.batch import load_files


@pytest.fixture
def disk_store(tmp_path):
    store = ClaimStore(tmp_path / "store")
    yield store
    del store
    gc.collect()


def _started(monkeypatch) -> list:
    started = []
    real = beside.start

    def recording(store, module, versions):
        helper = real(store, module, versions)
        started.append(helper)
        return helper

    monkeypatch.setattr(beside, "start", recording)
    return started


def test_a_large_refresh_derives_in_a_helper_what_one_process_derives(tmp_path, disk_store, monkeypatch):
    monkeypatch.setattr(beside, "MIN_VERSIONS", 3)
    started = _started(monkeypatch)
    load_files(disk_store, write_articles(tmp_path / "articles", 6, seed=31))
    assert [helper.module for helper in started] == ["index.search"]
    assert started[0].process.exitcode == 0
    assert derived.pending(disk_store) == []
    differences = check.compare(disk_store)  # the index rebuilt from the store in one process
    assert not differences, "\n".join(d.describe() for d in differences)


def test_a_small_refresh_stays_in_this_process(tmp_path, disk_store, monkeypatch):
    started = _started(monkeypatch)
    load_files(disk_store, write_articles(tmp_path / "articles", 3, seed=32))
    assert started == []


def test_a_helper_that_fails_says_why(disk_store):
    helper = beside.start(disk_store, "index.no_such_module", None)
    with pytest.raises(RuntimeError, match="index.no_such_module refresh in a helper process: ModuleNotFoundError"):
        helper.wait()


def test_a_refresh_failing_here_stops_its_helper_and_keeps_the_notes(tmp_path, disk_store, monkeypatch):
    monkeypatch.setattr(beside, "MIN_VERSIONS", 3)
    started = _started(monkeypatch)
    monkeypatch.setattr(findings, "refresh", lambda store, versions: (_ for _ in ()).throw(OSError("disk trouble")))
    outcomes = load_files(disk_store, write_articles(tmp_path / "articles", 4, seed=33))
    assert all("derived data not refreshed" in " ".join(o.warnings) for o in outcomes)
    assert derived.pending(disk_store), "the failed refresh must leave its change notes"
    assert started and all(not helper.process.is_alive() for helper in started)
    assert not list(disk_store.path.glob(f"{beside.CHECKPOINT_PREFIX}*"))
    monkeypatch.undo()  # the trouble passes: the next catch-up (load, serve, reindex) brings all in step
    monkeypatch.setattr(beside, "MIN_VERSIONS", 3)
    assert derived.catch_up(disk_store)
    differences = check.compare(disk_store)
    assert not differences, "\n".join(d.describe() for d in differences)


def test_no_helper_to_be_had_means_the_search_index_is_refreshed_here(tmp_path, disk_store, monkeypatch):
    monkeypatch.setattr(beside, "MIN_VERSIONS", 3)
    monkeypatch.setattr(ClaimStore, "checkpoint", lambda self, target: (_ for _ in ()).throw(OSError("no space")))
    load_files(disk_store, write_articles(tmp_path / "articles", 4, seed=34))
    assert derived.pending(disk_store) == []
    differences = check.compare(disk_store)
    assert not differences, "\n".join(d.describe() for d in differences)


def test_checkpoints_go_with_their_refresh_and_a_killed_load_s_are_removed(tmp_path, disk_store, monkeypatch):
    monkeypatch.setattr(beside, "MIN_VERSIONS", 3)
    orphan = disk_store.path / f"{beside.CHECKPOINT_PREFIX}999999999-x"  # no such process
    orphan.mkdir()
    (orphan / "000001.sst").write_bytes(b"old")
    load_files(disk_store, write_articles(tmp_path / "articles", 4, seed=35))
    assert not list(disk_store.path.glob(f"{beside.CHECKPOINT_PREFIX}*"))
