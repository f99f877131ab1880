"""Files read ahead in helper processes come back as the caller would have read them."""

from __future__ import annotations

import os
import signal

from article_generator import write_articles

from claimgraph.loaders import read_file
from claimgraph.loaders import read_ahead
from claimgraph.loaders.mentions import Vocabulary


def _files(tmp_path, count=12):
    paths = sorted(write_articles(tmp_path / "articles", count, seed=5))
    (tmp_path / "data.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    return [*paths[:3], tmp_path / "data.ttl", *paths[3:]]


def test_helpers_give_what_the_caller_reads_in_order(tmp_path):
    vocabulary = Vocabulary.default()
    paths = _files(tmp_path)
    skip = lambda path: path.suffix == ".ttl"  # noqa: E731
    read = list(read_ahead.read_files(paths, vocabulary, helpers=2, skip=skip))
    assert [path for path, _ in read] == paths
    assert read[3][1] is None  # skipped: the caller imports it
    for path, result in read:
        if result is not None:
            assert result == read_file(path, vocabulary)
            assert any(claim.mentions for claim in result.articles[0].claims)  # the vocabulary reached the helper


def test_a_helper_killed_midway_loses_no_file(tmp_path):
    vocabulary = Vocabulary.default()
    paths = [path for path in _files(tmp_path, count=30) if path.suffix != ".ttl"]
    reader = read_ahead.read_files(paths, vocabulary, helpers=1)
    first = next(reader)
    for pid in [p.pid for p in reader.gi_frame.f_locals["pool"]._processes.values()]:
        os.kill(pid, signal.SIGKILL)
    rest = list(reader)
    assert [path for path, _ in [first, *rest]] == paths
    assert all(result is not None and result.articles for _, result in [first, *rest])


def test_no_helpers_for_a_handful_of_files():
    assert read_ahead.helpers_for(3) == 0


def test_the_bytes_in_flight_are_bounded_yet_every_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(read_ahead, "AHEAD_BYTES", 1)  # one file at a time
    paths = [path for path in _files(tmp_path) if path.suffix != ".ttl"]
    read = list(read_ahead.read_files(paths, Vocabulary.default(), helpers=1))
    assert [path for path, _ in read] == paths and all(result.articles for _, result in read)
