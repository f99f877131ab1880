"""SIGKILL ``claimgraph load`` at random moments: every article ends complete or absent.

A folder of generated articles is loaded by the real command in a subprocess,
killed at seeded random moments; after each kill the store is reopened and
checked: every article present has all its claims (as many as cg:claimCount and
as the loader reads from the file), each cited claim its citation, and the search index agrees with the
store once the interrupted load's pending derived data is worked off. Re-running
the load completes it. The short variant runs in CI; the 20-kill, 1000-article
one is marked slow.
"""

from __future__ import annotations

import gc
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from article_generator import write_articles
from reliability_report import reliability  # noqa: F401 - fixture

from claimgraph.graph.index import search
from claimgraph.graph.index import derived
from claimgraph.graph.store import ClaimStore

_ARTICLES = """
PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?version ?title ?count (COUNT(DISTINCT ?claim) AS ?claims) (COUNT(DISTINCT ?cited) AS ?cited_claims)
WHERE {
  ?version a cg:Article ; dcterms:title ?title ; cg:claimCount ?count .
  OPTIONAL { ?claim a cg:Claim ; dcterms:isPartOf ?version .
             OPTIONAL { ?claim <http://purl.org/spar/cito/cites> ?source . BIND(?claim AS ?cited) } }
}
GROUP BY ?version ?title ?count
"""


def _expected(paths) -> dict[str, tuple[int, int]]:
    """Title -> (claims, cited claims) as the loader reads each file."""
    from claimgraph.loaders import read_file

    expected = {}
    for path in paths:
        article = read_file(path).articles[0]
        expected[article.title] = (len(article.claims), sum(bool(c.markers) for c in article.claims))
    return expected


def _load_command(store_path, folder, *options: str) -> list[str]:
    # Small write groups, so that kills land between groups (with the default of 100
    # per transaction, the short variant's articles were one write, always finished).
    group = "10" if "--bulk" in options else "5"
    return [sys.executable, "-m", "claimgraph", "--store", str(store_path), "load", "--group-articles", group,
            *options, str(folder)]


reliability_notes: list[str] = []


def _check_store(store_path, expected: dict[str, tuple[int, int]]) -> int:
    """Every article complete or absent, the index in step; returns how many are present."""
    store = ClaimStore(store_path)
    try:
        if derived.catch_up(store):  # what `claimgraph load` and `serve` do, too
            reliability_notes.append("derived data caught up after a kill")
        rows = store.select(_ARTICLES)
        for row in rows:
            assert row["title"] in expected, f"an article nobody loaded: {row['title']!r}"
            claims, cited = expected[row["title"]]
            assert row["claims"] == row["count"] == claims, f"partial article {row['title']!r}: {row}"
            assert row["cited_claims"] == cited, f"claims without their citation in {row['title']!r}: {row}"
        assert len({row["title"] for row in rows}) == len(rows), "an article loaded twice"
        drift = search.drift(store)
        assert search.in_step(drift), f"search index out of step with the store: {drift}"
        assert derived.pending(store) == []
        return len(rows)
    finally:
        del store
        gc.collect()  # closes the store (releases its lock) before the next load starts


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (its file-reading and refresh helpers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _assert_gone(pids: list[int], wait: float = 5.0) -> None:
    """Helpers of a killed load end with it (they ask the kernel to be killed with it)."""
    deadline = time.monotonic() + wait
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if _running(pid)]
    assert not alive, f"helper processes outlived the killed load: {alive}"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _kill_and_check(tmp_path, reliability, articles: int, kills: int, seed: int,  # noqa: F811
                    options: tuple[str, ...] = (), wait: tuple[float, float] | None = (0.9, 1.8)):
    folder, store_path = tmp_path / "articles", tmp_path / "store"
    expected = _expected(write_articles(folder, articles, seed=seed))
    if wait is None:  # kill within the writes, however fast this machine loads: time a whole load first
        started = time.monotonic()
        subprocess.run(_load_command(tmp_path / "timing-store", folder, *options), capture_output=True, timeout=600,
                       check=True)
        took = time.monotonic() - started
        wait = (0.3 * took, 0.6 * took)
    rng = random.Random(seed)
    present_after_kill = []
    for _ in range(kills):
        process = subprocess.Popen(_load_command(store_path, folder, *options), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Startup (imports, store, vocabulary) takes about a second; kill during the writes.
        time.sleep(rng.uniform(*wait))
        finished = process.poll() is not None
        helpers = _children(process.pid)
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        _assert_gone(helpers)
        reliability.add("crash:sigkill-load", "finished-before-kill" if finished else "killed")
        present = _check_store(store_path, expected)
        reliability.add("crash:store-after-kill", "consistent")
        present_after_kill.append(present)
    completed = subprocess.run(_load_command(store_path, folder, *options), capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert _check_store(store_path, expected) == articles
    reliability.add("crash:reload-completes", "complete")
    reliability.note(f"crash test ({articles} articles, {kills} SIGKILLs, seed {seed}{', ' if options else ''}"
                     f"{' '.join(options)}): articles present "
                     f"after each kill {present_after_kill}; derived data left pending by {len(reliability_notes)}"
                     f" kill(s) and caught up; all {articles} complete after re-running the load")
    reliability_notes.clear()


def test_sigkill_during_load_leaves_articles_complete_or_absent(tmp_path, reliability):  # noqa: F811
    _kill_and_check(tmp_path, reliability, articles=100, kills=4, seed=11)


def test_sigkill_during_a_bulk_load_leaves_articles_complete_or_absent(tmp_path, reliability):  # noqa: F811
    # Each group of 10 goes through the engine's bulk loader, whose files join the store at
    # once; the files are read by a helper process, which must not outlive a killed load.
    _kill_and_check(tmp_path, reliability, articles=300, kills=4, seed=13, options=("--bulk",), wait=None)


@pytest.mark.slow
def test_sigkill_twenty_times_during_a_thousand_article_load(tmp_path, reliability):  # noqa: F811
    _kill_and_check(tmp_path, reliability, articles=1000, kills=20, seed=12)
