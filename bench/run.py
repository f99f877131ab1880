"""claimgraph against its peers, in one run, on the same data.

    python -m bench.run WORK_DIR --articles S [--seed 7] [--gate-only]

1. Generate the corpus (bench/corpus.py) into WORK_DIR/corpus (kept for reruns).
2. Loads, each in a child process: `claimgraph load` (the whole pipeline), then
   the store dumped once as N-Quads, raw pyoxigraph ``bulk_load`` of that file,
   rdflib's Memory Dataset parsing it.
3. `claimgraph serve` on 127.0.0.1 as a subprocess; the query mix (workloads.py)
   on its endpoint over HTTP, on raw pyoxigraph and on rdflib in this process.
   Correctness gate first: every query gives the same rows on every peer, or the
   run stops before any time is taken.
4. Latencies and requests/s at concurrency 1/4/16, then one incremental load.
Results go to WORK_DIR/results-<size>.json; bench/report.py writes the page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from . import corpus, loads, virtuoso, workloads
from .peers import HttpPeer, OxigraphPeer, RdflibPeer

REPO = Path(__file__).resolve().parents[1]
CONCURRENCIES = (1, 4, 16)
WARM_UP = 8.0  # seconds after serve answers before timings start
# Derived modules to leave out of the claimgraph load ("--skip-derived search,…");
# none by default: the whole pipeline is measured.
DEFAULT_SKIP = ""


class GateFailure(Exception):
    def __init__(self, message: str, peer: str | None = None):
        super().__init__(message)
        self.peer = peer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    versions = {}
    for package in ("pyoxigraph", "rdflib", "flask", "waitress", "requests"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"nproc": os.cpu_count(), "ram_gb": round(memory_kb / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(), "packages": versions}


def tree_peak_rss_mb(pid: int) -> float:
    """VmHWM of a process and its children (the endpoint's query workers)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if int(proc.name) != pid and ppid != pid:
                continue
            hwm = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("VmHWM"))
            total += int(hwm.split()[1])
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return total / 1024


class Server:
    """`claimgraph serve` on loopback, started and stopped by this run."""

    def __init__(self, store_dir: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "claimgraph", "--store", str(store_dir), "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", "16",
             "--workers", "1"],  # one request process, as in earlier runs: its pid's memory is the server's
            stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO)

    def wait(self, timeout: float = 120) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"claimgraph serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    # serve computes the evidence network's overview in the background at start
                    # (web/network.py); a process's first /network waits for it, so asking for it
                    # here keeps that work out of the timings (it took the first workload's p50
                    # from ~2 ms to ~15 ms at S).
                    requests.get(f"{self.url}/network", timeout=max(5.0, deadline - time.monotonic()))
                    # ... and its query workers start in the background too (each imports the
                    # SPARQL parser and opens the store): the first seconds are not the steady state.
                    time.sleep(WARM_UP)
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"claimgraph serve did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def ui_path_finder(http: HttpPeer, probes: list[dict], timeout: float = 15):
    """Local page path of a resource IRI when the UI serves an HTML page for it in time;
    each probe's outcome is noted in ``probes`` for the report."""
    import requests

    from claimgraph.graph.rdf.namespaces import ID

    def find(iri: str) -> str | None:
        if not iri.startswith(str(ID)):
            return None
        path = "/id/" + iri[len(str(ID)):]
        started = time.perf_counter()
        try:
            status = http.get(path, timeout=timeout)
        except requests.Timeout:
            status = f"no answer within {timeout:.0f} s"
        probes.append({"path": path, "status": status, "seconds": round(time.perf_counter() - started, 2)})
        return path if status == 200 else None

    return find


def gate(workload_list, peers) -> list[dict]:
    """Every peer gives the same rows for (up to 3 parameter sets of) every query."""
    checked = []
    for workload in workload_list:
        if workload.query is None:
            continue
        for text in workload.texts()[:3]:
            answers = {}
            for peer in peers:
                try:
                    answers[peer.name] = peer.rows(text)
                except Exception as exc:  # an error is a failed gate too, said with the peer's words
                    raise GateFailure(f"{workload.label}: {peer.name} failed: {exc}", peer.name) from None
            reference = answers[peers[0].name]
            for name, rows in answers.items():
                if rows != reference:
                    raise GateFailure(f"{workload.label}: {name} gave {len(rows)} rows, "
                                      f"{peers[0].name} {len(reference)}; first difference: "
                                      f"{sorted(set(rows) ^ set(reference))[:3]}", name)
        checked.append({"workload": workload.label, "query": workload.query, "rows": len(reference)})
    return checked


def time_workloads(workload_list, peers, http: HttpPeer, args) -> list[dict]:
    results = []
    for workload in workload_list:
        for peer in peers:
            if workload.query is None and peer is not http:
                continue
            if workload.query is None:
                paths = workload.paths
                call = lambda i, paths=paths: http.get(paths[i % len(paths)])  # noqa: E731
            else:
                texts = workload.texts()
                call = lambda i, peer=peer, texts=texts: peer.rows(texts[i % len(texts)])  # noqa: E731
            slow_peer = isinstance(peer, RdflibPeer)
            for concurrency in ((1,) if slow_peer else CONCURRENCIES):
                call(0)  # warm-up, not timed
                timing = workloads.run(call, concurrency=concurrency,
                                       requests=args.requests // (10 if slow_peer else 1),
                                       time_cap=args.time_cap)
                results.append({"workload": workload.label, "peer": peer.name, "target": workload.target,
                                **timing.summary()})
                print(f"  {workload.label:<36} {peer.name:<28} c={concurrency:<2} "
                      f"p50 {timing.percentile(0.5):8.2f} ms  {timing.per_second:8.1f}/s", file=sys.stderr)
    return results


INCREMENTAL_RUNS = 3


def incremental_load(work: Path, store_dir: Path, index: int, seed: int, skip: str) -> dict:
    """New articles into the loaded store, one `claimgraph load` each (derived data
    included, a fresh process each: imports and opening the store count): the median of
    ``INCREMENTAL_RUNS`` runs, and each run."""
    runs = []
    for number in range(index, index + INCREMENTAL_RUNS):
        folder = work / "incremental" / str(number)
        shutil.rmtree(folder, ignore_errors=True)
        body = corpus.draft(seed, number)
        path = folder / corpus.article_path(Path("."), number).name
        folder.mkdir(parents=True)
        path.write_text(corpus.as_text(body) if number % 2 == 0 else corpus.as_markdown(body), encoding="utf-8")
        result = loads.measure("claimgraph", str(store_dir), str(folder),
                               extra=["--skip-derived", skip] if skip else [])
        if result.error:
            return {"seconds": None, "runs": runs, "error": result.error}
        runs.append({"seconds": round(result.seconds, 3), "peak_rss_mb": result.peak_rss_mb})
    seconds = sorted(run["seconds"] for run in runs)[len(runs) // 2]
    return {"seconds": seconds, "runs": runs, "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
            "error": None}



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work_dir", type=Path)
    parser.add_argument("--articles", type=corpus.parse_size, default=corpus.SIZES["S"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200, help="requests per workload, peer and concurrency")
    parser.add_argument("--time-cap", type=float, default=4.0, help="seconds per timing run at most")
    parser.add_argument("--rdflib-max-quads", type=int, default=4_000_000,
                        help="skip rdflib above this many quads (it holds everything in Python objects)")
    parser.add_argument("--skip-derived", default=DEFAULT_SKIP,
                        help="derived modules left out of the claimgraph load (comma-separated; '' for none)")
    parser.add_argument("--load-timeout", type=float, default=1500)
    parser.add_argument("--gate-only", action="store_true", help="loads and the correctness gate, no timings")
    parser.add_argument("--virtuoso", action="store_true",
                        help="add Virtuoso (virtuoso-opensource): its bulk loader and the query mix over HTTP")
    args = parser.parse_args(argv)
    work = args.work_dir
    size = {v: k for k, v in corpus.SIZES.items()}.get(args.articles, str(args.articles))
    report = {"size": size, "articles": args.articles, "seed": args.seed, "machine": machine(),
              "skip_derived": [s for s in args.skip_derived.split(",") if s], "loads": [], "gate": [],
              "queries": []}

    print(f"corpus: {args.articles} articles", file=sys.stderr)
    started = time.perf_counter()
    corpus.generate(work / "corpus", args.articles, args.seed)
    report["corpus_seconds"] = round(time.perf_counter() - started, 1)

    stores = {name: work / f"store-{name}" for name in ("claimgraph", "oxigraph")}
    for folder in stores.values():
        shutil.rmtree(folder, ignore_errors=True)
    extra = ["--skip-derived", args.skip_derived] if args.skip_derived else []
    print("load: claimgraph", file=sys.stderr)
    claimgraph = loads.measure("claimgraph", str(stores["claimgraph"]), str(work / "corpus"), extra=extra,
                               timeout=args.load_timeout)
    report["loads"].append(vars(claimgraph))
    if claimgraph.error:
        print(claimgraph.error, file=sys.stderr)
        _write(work, size, report)
        return 1
    quads_file = work / "dump.nq"
    from claimgraph.graph.store import ClaimStore
    from pyoxigraph import RdfFormat

    with open(quads_file, "wb") as handle:
        ClaimStore(stores["claimgraph"], read_only=True).dump(handle, RdfFormat.N_QUADS)
    report["dump_mb"] = round(quads_file.stat().st_size / 1e6, 1)
    print("load: pyoxigraph bulk_load", file=sys.stderr)
    report["loads"].append(vars(loads.measure("oxigraph", str(stores["oxigraph"]), str(quads_file),
                                              timeout=args.load_timeout)))
    # Both stores compacted too: a raw bulk_load leaves LZ4 files that RocksDB's first
    # full compaction rewrites uncompressed into levels 0-1 (see bench.loads.optimize).
    # The query timings below therefore run on compacted stores, both peers alike.
    for row in report["loads"]:
        print(f"compaction: {row['peer']}", file=sys.stderr)
        compacted = loads.measure("optimize", str(stores[row["peer"]]), "-", timeout=args.load_timeout)
        row["disk_mb_optimized"] = compacted.disk_mb
        row["optimize_seconds"] = round(compacted.seconds, 1)
        if compacted.error:
            row["optimize_error"] = compacted.error
    with_rdflib = claimgraph.quads <= args.rdflib_max_quads
    if with_rdflib and not args.gate_only:
        print("load: rdflib", file=sys.stderr)
        report["loads"].append(vars(loads.measure("rdflib", "-", str(quads_file), timeout=args.load_timeout)))
    elif not with_rdflib:
        report["rdflib_skipped"] = f"{claimgraph.quads} quads > --rdflib-max-quads {args.rdflib_max_quads}"

    oxigraph = OxigraphPeer(str(stores["oxigraph"]))
    peers = []
    server = Server(stores["claimgraph"], work / "serve.log")
    other = None
    try:
        if args.virtuoso and virtuoso.available():
            print("load: Virtuoso ld_dir", file=sys.stderr)
            other = virtuoso.Virtuoso(work / "virtuoso", quads_file.parent)
            other.wait()
            report["loads"].append(other.bulk_load(quads_file))
        elif args.virtuoso:
            report["virtuoso_skipped"] = "virtuoso-t / isql-vt not installed"
        server.wait()
        http = HttpPeer(server.url)
        peers = [http, oxigraph]
        if other is not None:
            peers.append(virtuoso.VirtuosoPeer(other.url))
        if with_rdflib:
            print("rdflib: parsing again for the queries", file=sys.stderr)
            peers.append(RdflibPeer(loads.load_rdflib(str(quads_file))))
        workload_list = workloads.build(oxigraph)
        print("correctness gate", file=sys.stderr)
        try:
            try:
                report["gate"] = gate(workload_list, peers)
            except GateFailure as failure:
                if other is None or failure.peer != virtuoso.VirtuosoPeer.name:
                    raise
                # Virtuoso is an extra peer: one that fails is reported and left out, not timed.
                report["virtuoso_gate_failure"] = str(failure)[:1500]
                print(f"Virtuoso left out: {failure}", file=sys.stderr)
                peers = [peer for peer in peers if peer.name != virtuoso.VirtuosoPeer.name]
                report["gate"] = gate(workload_list, peers)
        except GateFailure as failure:
            report["gate_failure"] = str(failure)
            print(f"GATE FAILED: {failure}", file=sys.stderr)
            _write(work, size, report)
            return 1
        print(f"gate passed: {len(report['gate'])} queries agree on {len(peers)} peers", file=sys.stderr)
        if not args.gate_only:
            report["queries"] = time_workloads(workload_list, peers, http, args)
            report["server_peak_rss_mb"] = round(tree_peak_rss_mb(server.process.pid), 1)
            # Pages last: a page that never answers keeps a server thread busy after
            # the probe gives up, which would slow every timing taken after it.
            report["ui_probes"] = []
            pages = workloads.build_pages(oxigraph, ui_path_finder(http, report["ui_probes"]))
            report["queries"] += time_workloads(pages, peers, http, args)
            report["server_peak_rss_after_pages_mb"] = round(tree_peak_rss_mb(server.process.pid), 1)
            if other is not None:
                report["virtuoso_peak_rss_mb"] = round(other.peak_rss_mb(), 1)
    finally:
        server.stop()
        if other is not None:
            other.stop()
    if not args.gate_only:
        print(f"incremental loads: {INCREMENTAL_RUNS} articles, one process each", file=sys.stderr)
        report["incremental"] = incremental_load(work, stores["claimgraph"], args.articles, args.seed,
                                                 args.skip_derived)
    _write(work, size, report)
    return 0


def _write(work: Path, size: str, report: dict) -> None:
    path = work / f"results-{size}.json"
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
