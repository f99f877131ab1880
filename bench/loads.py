"""Each peer's load, run in a child process so that its peak RSS is its own.

    python -m bench.loads claimgraph STORE_DIR CORPUS_DIR [--skip-derived search]
    python -m bench.loads oxigraph STORE_DIR QUADS.nq
    python -m bench.loads rdflib - QUADS.nq
    python -m bench.loads optimize STORE_DIR -

The child prints one JSON line: wall seconds of the load proper (counting the quads
afterwards is outside them: ``len()`` of a store scans it, 1.7 s at M), the quads
loaded and its peak RSS with its own children's (``_TreeRss``, sampled), which
``measure()`` in the parent reads. ``optimize`` runs RocksDB's full compaction
(``Store.optimize()``) on a loaded store, so that its disk can be compared compacted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LoadResult:
    peer: str
    seconds: float
    quads: int
    peak_rss_mb: float
    disk_mb: float | None
    error: str | None = None

    @property
    def quads_per_second(self) -> float:
        return self.quads / self.seconds if self.seconds else 0.0


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def measure(peer: str, target: str, data: str, *, extra: list[str] = (), timeout: float = 1500) -> LoadResult:
    """Run one load in a child; a child over ``timeout`` seconds is stopped and reported."""
    command = [sys.executable, "-m", "bench.loads", peer, target, data, *extra]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=Path(__file__).resolve().parents[1])
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        return LoadResult(peer, timeout, 0, 0.0, None, error=f"stopped after {timeout:.0f} s")
    if child.returncode != 0:
        return LoadResult(peer, 0.0, 0, 0.0, None, error=err.decode(errors="replace")[-2000:])
    report = json.loads(out.decode().strip().splitlines()[-1])
    disk = folder_mb(Path(target)) if target != "-" else None
    return LoadResult(peer, report["seconds"], report["quads"], report["peak_rss_mb"], disk)


class _TreeRss:
    """Peak resident size of this process and its children (claimgraph's helper processes),
    summed and sampled every 100 ms. Not ``ru_maxrss``: Linux keeps it across exec, so a
    child forked from a large parent (the bench runner holding rdflib's dataset, a load
    starting its helpers) reported the parent's size as its own."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    def sample(self) -> None:
        pids = [os.getpid()]
        try:
            children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
            pids += [int(pid) for pid in children]
        except OSError:
            pass
        total = 0
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
            except (OSError, StopIteration, ValueError):
                continue
        self.peak_kb = max(self.peak_kb, total)

    def stop_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        self.sample()
        return self.peak_kb / 1024


def load_claimgraph(store_dir: str, corpus: str, skip: list[str]):
    """The `claimgraph load` command itself, in this process; returns how to count the quads."""
    from claimgraph.commands import main
    from claimgraph.graph.index import derived
    from claimgraph.graph.store import ClaimStore

    for name in skip:
        derived.DERIVED_MODULES[:] = [m for m in derived.DERIVED_MODULES if m.rsplit(".", 1)[-1] != name]
    try:
        main(["--store", store_dir, "load", corpus], standalone_mode=False)
    except SystemExit as exc:  # exit 1: some file had errors; the run reports that too
        if exc.code not in (0, None):
            raise RuntimeError(f"claimgraph load exited with {exc.code}") from None
    return lambda: len(ClaimStore(store_dir, read_only=True))


def load_oxigraph(store_dir: str, quads_file: str):
    from pyoxigraph import RdfFormat, Store

    store = Store(store_dir)
    store.bulk_load(path=quads_file, format=RdfFormat.N_QUADS)
    store.flush()
    return lambda: len(store)


def optimize(store_dir: str):
    """RocksDB's full compaction. Oxigraph's level-style settings store levels 0 and 1
    uncompressed, so a freshly bulk-loaded store (LZ4 files in the last level) grows when
    compacted: the size a store settles at once it has been written to."""
    from pyoxigraph import Store

    store = Store(store_dir)
    store.optimize()
    store.flush()
    return lambda: len(store)


def load_rdflib(quads_file: str):
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(quads_file, format="nquads")
    return dataset


def child(argv: list[str]) -> int:
    peer, target, data = argv[:3]
    skip = argv[argv.index("--skip-derived") + 1].split(",") if "--skip-derived" in argv else []
    rss = _TreeRss()
    started = time.perf_counter()
    if peer == "claimgraph":
        with open(os.devnull, "w") as quiet:  # the per-file summary would dominate small loads
            sys.stdout, real = quiet, sys.stdout
            try:
                count = load_claimgraph(target, data, skip)
            finally:
                sys.stdout = real
    elif peer == "oxigraph":
        count = load_oxigraph(target, data)
    elif peer == "optimize":
        count = optimize(target)
    elif peer == "rdflib":
        dataset = load_rdflib(data)
        count = lambda: sum(len(graph) for graph in dataset.graphs())  # noqa: E731
    else:
        raise SystemExit(f"unknown peer {peer}")
    seconds = time.perf_counter() - started
    peak = rss.stop_mb()
    print(json.dumps({"seconds": seconds, "quads": count(), "peak_rss_mb": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
