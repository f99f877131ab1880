"""One kind of request cannot starve the others (issue 13 item 4, pages and exports
half): eight concurrent whole-store audit exports against ``claimgraph serve`` with
its default limits, and a search in the middle of them."""

from __future__ import annotations

import random
import threading
import time

import pytest
import requests
from article_generator import article_text
from served import claimgraph, serving

from claimgraph.graph.exports import ExportLimits, ExportTooLarge, Selection, export


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    """150 generated articles: a whole-store export takes a second or two of work."""
    folder = tmp_path_factory.mktemp("starvation")
    for n in range(150):
        (folder / f"article-{n}.txt").write_text(article_text(11000 + n, random.Random(n)), encoding="utf-8")
    loaded = claimgraph(folder / "store", "load", *sorted(folder.glob("article-*.txt")), timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    return folder


def test_eight_whole_store_exports_do_not_stall_a_search(big_store):
    # One request process: the class limits are counted per process (with two, eight exports
    # could all be running or queued and none refused).
    with serving(big_store / "store", big_store / "serve.log", "--workers", "1") as base:
        finished: list[tuple[str, int, float, dict]] = []
        lock = threading.Lock()

        def get(kind: str, path: str) -> None:
            answer = requests.get(base + path, timeout=300)
            with lock:
                finished.append((kind, answer.status_code, time.monotonic(), dict(answer.headers)))

        exports = [threading.Thread(target=get, args=("export", "/export/audit.xlsx")) for _ in range(8)]
        started = time.monotonic()
        for thread in exports:
            thread.start()
        time.sleep(0.3)  # the exports have the server's threads
        get("search", "/search?q=statin")
        for thread in exports:
            thread.join()
    search = next(f for f in finished if f[0] == "search")
    done = [f for f in finished if f[0] == "export" and f[1] == 200]
    refused = [f for f in finished if f[0] == "export" and f[1] == 503]
    print(f"search answered after {search[2] - started:.1f} s; first export done after "
          f"{min(f[2] for f in done) - started:.1f} s; {len(done)} exported, {len(refused)} refused")
    assert search[1] == 200
    assert done and search[2] < min(f[2] for f in done), "the search waited for an export to finish"
    assert refused and all(f[3].get("Retry-After") for f in refused)
    assert len(done) + len(refused) == 8


def test_export_limits(big_store, tmp_path):
    from claimgraph.graph.store import ClaimStore

    store = ClaimStore(big_store / "store", read_only=True)
    with pytest.raises(ExportTooLarge, match="150 articles, over the 100"):
        export(store, Selection(), "csv", tmp_path / "a.csv", limits=ExportLimits(max_articles=100))
    with pytest.raises(ExportTooLarge, match="over 1000 bytes"):
        export(store, Selection(), "csv", tmp_path / "a.csv", limits=ExportLimits(max_bytes=1000))
    with pytest.raises(ExportTooLarge) as timed:
        export(store, Selection(), "html", tmp_path / "a.html", limits=ExportLimits(seconds=1e-9))
    assert timed.value.timed_out
    assert not list(tmp_path.iterdir())  # nothing left behind, not even the partial file


def test_a_full_queue_is_refused_at_once():
    """A waiting request holds a server thread, so a class may hold at most
    "at once + queue" threads; the next request is refused without waiting."""
    from claimgraph.web.limits import _Places

    places = _Places(concurrency=1, queue=1)
    assert places.take(0)
    waiter = threading.Thread(target=lambda: places.take(2.0))
    waiter.start()
    time.sleep(0.1)  # the waiter holds the one queue place
    began = time.monotonic()
    assert not places.take(5.0)
    assert time.monotonic() - began < 0.5, "refused without waiting"
    places.release()  # the waiter gets the place
    waiter.join()
    places.release()
    assert places.take(0)
