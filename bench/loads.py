"""Each peer's load, run in a child process so that its peak RSS is its own.

    python -m bench.loads claimgraph STORE_DIR CORPUS_DIR [--skip-derived search]
    python -m bench.loads oxigraph STORE_DIR QUADS.nq
    python -m bench.loads rdflib - QUADS.nq

The child prints one JSON line: wall seconds of the load proper and the quads
loaded. ``measure()`` in the parent starts it and reads its peak RSS from
``os.wait4`` (the kernel's count for that child alone).
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
    # communicate() has reaped the child; its rusage went to RUSAGE_CHILDREN. wait4 is
    # not possible after that, so read the child's own figure it printed (ru_maxrss of SELF).
    if child.returncode != 0:
        return LoadResult(peer, 0.0, 0, 0.0, None, error=err.decode(errors="replace")[-2000:])
    report = json.loads(out.decode().strip().splitlines()[-1])
    disk = folder_mb(Path(target)) if target != "-" else None
    return LoadResult(peer, report["seconds"], report["quads"], report["peak_rss_mb"], disk)


def _peak_rss_mb() -> float:
    """This process's peak plus the largest peak of its finished children (claimgraph's
    file-reading helpers): an upper bound of what the load held at once."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # KiB on Linux


def load_claimgraph(store_dir: str, corpus: str, skip: list[str]) -> int:
    """The `claimgraph load` command itself, in this process."""
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
    return len(ClaimStore(store_dir, read_only=True))


def load_oxigraph(store_dir: str, quads_file: str) -> int:
    from pyoxigraph import RdfFormat, Store

    store = Store(store_dir)
    store.bulk_load(path=quads_file, format=RdfFormat.N_QUADS)
    store.flush()
    return len(store)


def load_rdflib(quads_file: str):
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(quads_file, format="nquads")
    return dataset


def child(argv: list[str]) -> int:
    peer, target, data = argv[:3]
    skip = argv[argv.index("--skip-derived") + 1].split(",") if "--skip-derived" in argv else []
    started = time.perf_counter()
    if peer == "claimgraph":
        with open(os.devnull, "w") as quiet:  # the per-file summary would dominate small loads
            sys.stdout, real = quiet, sys.stdout
            try:
                quads = load_claimgraph(target, data, skip)
            finally:
                sys.stdout = real
    elif peer == "oxigraph":
        quads = load_oxigraph(target, data)
    elif peer == "rdflib":
        quads = sum(len(graph) for graph in load_rdflib(data).graphs())
    else:
        raise SystemExit(f"unknown peer {peer}")
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "quads": quads, "peak_rss_mb": _peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
