"""Where a `claimgraph load` spends its time: wall seconds per derived-data step.

    python -m bench.incremental STORE_DIR PATH... [--skip-derived search]

Runs `claimgraph load PATH...` into STORE_DIR in this process (a fresh folder for a
whole load; an existing store to time adding articles to it) with timers around
each derived module's refresh and the heavier steps inside them, then prints a
table: calls, seconds, and how much the process's peak RSS rose while the step
ran (the kernel's high-water mark, so a step that only reuses memory shows 0).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import sys
import time
from collections import defaultdict

# module:function pairs timed; nested ones are counted inside their callers too.
STEPS = [
    "ingest:ArticleWriter.flush",
    "sources:refresh", "sources:note_probable_matches", "sources:settle", "sources:fold",
    "evidence:refresh", "evidence:refresh_sources",
    "findings:refresh", "findings:version_findings", "findings:duplicate_source_findings",
    "search:refresh", "examples:refresh", "statistics:refresh",
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
    args = parser.parse_args(argv)

    from claimgraph.commands import main as claimgraph
    from claimgraph.graph import derived
    from claimgraph.graph.store import ClaimStore

    for name in filter(None, args.skip_derived.split(",")):
        derived.DERIVED_MODULES.remove(name)
    install_timers(STEPS)
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
    quads = len(ClaimStore(args.store_dir, read_only=True))
    print(f"{'step':<42} {'calls':>6} {'seconds':>8} {'RSS rise MB':>12}")
    for name in sorted(_seconds, key=lambda n: -_seconds[n]):
        print(f"{name:<42} {_calls[name]:>6} {_seconds[name]:>8.2f} {_rss_rise[name]:>12.0f}")
    print(f"{'total (claimgraph load)':<42} {'':>6} {total:>8.2f}")
    print(f"quads in store: {quads}; peak RSS {_peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
