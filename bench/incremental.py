"""Where a `claimgraph load` spends its time: wall seconds per derived-data step.

    python -m bench.incremental STORE_DIR PATH... [--skip-derived search]
                                [--group-quads N] [--group-articles N]

Runs `claimgraph load PATH...` into STORE_DIR in this process (a fresh folder for a
whole load; an existing store to time adding articles to it) with timers around
each derived module's refresh and the heavier steps inside them, then prints a
table: calls, seconds, and how much the process's peak RSS rose while the step
ran (the kernel's high-water mark, so a step that only reuses memory shows 0).

It also prints the RSS curve of the writes: the highest resident size sampled
(every 0.2 s) by the time a quarter, half, three quarters and all of the articles
were written, and the write rate; flat figures mean the load streams.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import sys
import threading
import time
from collections import defaultdict

# module:function pairs timed; nested ones are counted inside their callers too.
STEPS = [
    "resolution:refresh",
    "write.ingest:ArticleWriter.flush",
    "write.sources:refresh", "write.sources:note_probable_matches", "write.sources:settle", "write.sources:fold",
    "rules.evidence:refresh", "rules.evidence:refresh_sources",
    "rules.findings:refresh", "rules.findings:version_findings", "rules.findings:duplicate_source_findings",
    "index.search:refresh", "index.finding_lists:refresh", "rules.examples:refresh", "rules.statistics:refresh",
]

_seconds: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_rss_rise: dict[str, float] = defaultdict(float)
_depth: dict[str, int] = defaultdict(int)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(name: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _depth[name]:  # recursion: count the outermost call only
            return function(*args, **kwargs)
        _depth[name] += 1
        rss, started = _peak_rss_mb(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _depth[name] -= 1
            _seconds[name] += time.perf_counter() - started
            _calls[name] += 1
            _rss_rise[name] += _peak_rss_mb() - rss
    return wrapper


class RssCurve:
    """Resident size sampled in a thread, and when each written group ended."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds, MB)
        self.groups: list[tuple[float, int, int]] = []  # (seconds, articles, quads) written so far
        self._articles = self._quads = 0
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append((time.perf_counter() - self._started, self.rss_mb()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def wrap_flush(self, writer_class) -> None:
        flush = writer_class.flush

        @functools.wraps(flush)
        def counted(writer):
            articles = len(writer._buffer)
            quads = sum(len(item.quads) for item in writer._buffer)
            flush(writer)
            self._articles += articles
            self._quads += quads
            self.groups.append((time.perf_counter() - self._started, self._articles, self._quads))
        writer_class.flush = counted

    def print(self) -> None:
        if not self.groups or not self._articles:
            return
        print(f"{'articles written':>16} {'quads':>10} {'seconds':>8} {'max RSS MB':>11} {'quads/s':>8}")
        for share in (0.25, 0.5, 0.75, 1.0):
            wanted = share * self._articles
            at, articles, quads = next(g for g in self.groups if g[1] >= wanted)
            peak = max((mb for t, mb in self.samples if t <= at), default=self.rss_mb())
            print(f"{articles:>16} {quads:>10} {at:>8.1f} {peak:>11.0f} {quads / at:>8.0f}")
        if self.samples:
            print(f"RSS at the end {self.samples[-1][1]:.0f} MB, highest sampled {max(mb for _, mb in self.samples):.0f} MB")


def install_timers(steps: list[str]) -> None:
    for step in steps:
        module_name, attribute = step.split(":")
        module = importlib.import_module(f"claimgraph.graph.{module_name}")
        owner, _, name = attribute.rpartition(".")
        target = getattr(module, owner) if owner else module
        if hasattr(target, name):
            setattr(target, name, _timed(f"{module_name}.{attribute}", getattr(target, name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store_dir")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--skip-derived", default="", help="comma-separated derived modules to leave out")
    parser.add_argument("--group-quads", type=int, help="ingest.GROUP_QUADS for this run")
    parser.add_argument("--group-articles", type=int, help="ingest.GROUP_ARTICLES for this run")
    args = parser.parse_args(argv)

    from claimgraph.commands import main as claimgraph
    from claimgraph.graph.index import derived
    from claimgraph.graph.write import ingest
    from claimgraph.graph.store import ClaimStore

    for name in filter(None, args.skip_derived.split(",")):
        derived.DERIVED_MODULES[:] = [m for m in derived.DERIVED_MODULES if m.rsplit(".", 1)[-1] != name]
    if args.group_quads:
        ingest.GROUP_QUADS = args.group_quads
    if args.group_articles:
        ingest.GROUP_ARTICLES = args.group_articles
    curve = RssCurve()
    curve.wrap_flush(ingest.ArticleWriter)  # before the timers, which then wrap it
    install_timers(STEPS)
    curve.start()
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:  # the per-file summary would drown the table
        sys.stdout, real = quiet, sys.stdout
        try:
            claimgraph(["--store", args.store_dir, "load", *args.paths], standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        finally:
            sys.stdout = real
    total = time.perf_counter() - started
    curve.stop()
    quads = len(ClaimStore(args.store_dir, read_only=True))
    print(f"{'step':<42} {'calls':>6} {'seconds':>8} {'RSS rise MB':>12}")
    for name in sorted(_seconds, key=lambda n: -_seconds[n]):
        print(f"{name:<42} {_calls[name]:>6} {_seconds[name]:>8.2f} {_rss_rise[name]:>12.0f}")
    print(f"{'total (claimgraph load)':<42} {'':>6} {total:>8.2f}")
    print(f"quads in store: {quads}; peak RSS {_peak_rss_mb():.0f} MB")
    curve.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
