"""Does a long-lived process that keeps loading hold more and more memory?

    python -m bench.load_memory STORE CORPUS_DIR [--base 200] [--articles 1500]
                                [--batch 5] [--every 100] [--skip-derived MODULES]

What ``claimgraph serve`` does for ``POST /load``, without HTTP: one process opens
the store, loads ``--base`` generated articles (``bench.corpus``) in one batch, then
the next ``--articles`` in batches of ``--batch`` through ``batch.load_files``, the
whole pipeline with its derived refreshes. After every batch it hands the C
allocator's free memory back (glibc ``malloc_trim``) and reads the anonymous
resident size (``RssAnon``), so what is printed is memory still in use, not pages
the allocator kept. Every ``--every`` articles it prints a row.

A leak grows without end; a cache grows to its capacity and stays there. The
store is pyoxigraph's RocksDB, whose string table (``id2str``) is tuned for point
look-ups with a 128 MB block cache of its own, and whose other column families
share RocksDB's default 8 MB cache: so the memory a loading process holds is
expected to rise by up to ~140 MB as those caches fill, and then stay flat.
The last column says how much of the latest ``--every`` articles' rise is left.

``--read-only`` is the control: no loads, the process reads every quad of the
store (each term decoded through ``id2str``) three times over. If the loading
run's rise is those caches, reading alone rises to about the same plateau.
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time
from pathlib import Path


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def trimmed_anon_mb() -> float:
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return _status_mb("RssAnon")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="store folder (a fresh one, or one to add to)")
    parser.add_argument("corpus", type=Path, help="articles written by python -m bench.corpus")
    parser.add_argument("--base", type=int, default=200, help="articles loaded first, in one batch")
    parser.add_argument("--articles", type=int, default=1500, help="articles then loaded in batches")
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--every", type=int, default=100, help="print a row every N articles")
    parser.add_argument("--skip-derived", default="", help="comma-separated derived modules to leave out")
    parser.add_argument("--read-only", action="store_true",
                        help="control: open the store and read every quad three times, loading nothing")
    args = parser.parse_args(argv)
    if args.read_only:
        return read_control(args.store)

    from claimgraph.graph.index import derived
    from claimgraph.graph.write.batch import load_files
    from claimgraph.graph.store import ClaimStore

    for name in filter(None, args.skip_derived.split(",")):
        derived.DERIVED_MODULES[:] = [m for m in derived.DERIVED_MODULES if m.rsplit(".", 1)[-1] != name]
    files = sorted(p for p in args.corpus.rglob("article-*") if p.is_file())
    needed = args.base + args.articles
    if len(files) < needed:
        print(f"{args.corpus} holds {len(files)} articles, {needed} needed", file=sys.stderr)
        return 2

    store = ClaimStore(args.store)
    started = time.perf_counter()
    if args.base:
        load_files(store, files[:args.base])
    baseline = trimmed_anon_mb()
    print(f"store {args.store}: {args.base} base articles loaded in {time.perf_counter() - started:.0f} s; "
          f"batches of {args.batch}; derived modules: {', '.join(derived.DERIVED_MODULES) or 'none'}")
    print(f"{'articles added':>14} {'seconds':>8} {'RssAnon MB':>11} {'rise MB':>8} {'MB/article (last rows)':>23}")
    print(f"{0:>14} {0:>8.0f} {baseline:>11.1f} {0:>8.1f}")
    started, previous = time.perf_counter(), baseline
    for offset in range(0, args.articles, args.batch):
        start = args.base + offset
        load_files(store, files[start:start + min(args.batch, args.articles - offset)])
        added = min(offset + args.batch, args.articles)
        if added % args.every == 0 or added == args.articles:
            now = trimmed_anon_mb()
            print(f"{added:>14} {time.perf_counter() - started:>8.0f} {now:>11.1f} {now - baseline:>8.1f} "
                  f"{(now - previous) / args.every:>23.3f}", flush=True)
            previous = now
    return 0


def read_control(path: Path) -> int:
    from claimgraph.graph.store import ClaimStore

    store = ClaimStore(path, read_only=True)
    baseline = trimmed_anon_mb()
    print(f"store {path}, read only")
    print(f"{'pass':>4} {'quads read':>11} {'seconds':>8} {'RssAnon MB':>11} {'rise MB':>8}")
    print(f"{0:>4} {0:>11} {0:>8.0f} {baseline:>11.1f} {0:>8.1f}")
    for number in range(1, 4):
        started, read = time.perf_counter(), 0
        for quad in store.quads(None, None, None, None):
            read += len(quad.object.value) > -1  # touch the decoded term
        now = trimmed_anon_mb()
        print(f"{number:>4} {read:>11} {time.perf_counter() - started:>8.0f} {now:>11.1f} {now - baseline:>8.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
