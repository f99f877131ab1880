"""What the HTTP layer adds to one small query: claim → evidence in process vs over `claimgraph serve`.

    python -m bench.http_layer STORE [--requests 3000] [--threads 8] [--query-workers 2]

STORE is a store folder the server may open for writing (use a copy of a test store).
The same SPARQL text (graph/queries/claim-evidence.rq, one of 50 cited claims in a
VALUES block, as bench/workloads.py builds it) is timed

- in process: pyoxigraph ``Store.read_only`` beside the server, query and rows read;
- over HTTP: SPARQL protocol form POST, SPARQL JSON back, keep-alive connections from
  ``http.client`` threads (a light client, so that its own cost stays small) at
  concurrency 1, 4 and 16; and with ``wrk`` (a C load generator) when it is installed.

For each HTTP run it also reads the CPU time the server and its query workers spent
(/proc/<pid>/stat), per request: where the milliseconds go. Loopback only: the server
is started by this run on 127.0.0.1 and stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from . import workloads
from .peers import OxigraphPeer, sparql_text
from .run import REPO, free_port, machine

HOST = "127.0.0.1"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
CONCURRENCIES = (1, 4, 16)


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(latencies_ms: list[float], seconds: float) -> dict:
    ordered = sorted(latencies_ms)
    return {"requests": len(ordered), "per_second": round(len(ordered) / seconds, 1),
            "p50_ms": round(percentile(ordered, 0.5), 3), "p99_ms": round(percentile(ordered, 0.99), 3)}


def in_process(store: OxigraphPeer, texts: list[str], requests: int) -> dict:
    for text in texts:  # warm-up
        list(store.store.query(text, use_default_graph_as_union=True))
    latencies = []
    started = time.perf_counter()
    for index in range(requests):
        begun = time.perf_counter()
        list(store.store.query(texts[index % len(texts)], use_default_graph_as_union=True))
        latencies.append((time.perf_counter() - begun) * 1000)
    return summary(latencies, time.perf_counter() - started)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return found


def children_of(pid: int) -> list[int]:
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():  # workers are started from request threads
        try:
            children.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return sorted(children)


def server_pids(pid: int, workers: int = 1) -> tuple[list[int], list[int]]:
    """(the request processes, their query workers): with ``serve --workers 1`` the server
    itself; with more, the supervisor and the request processes it started."""
    servers = [pid] if workers == 1 else [pid, *children_of(pid)]
    return servers, [c for s in servers for c in children_of(s) if c not in servers]


def cpu_per_request(pid: int, run, workers: int = 1) -> tuple[dict, dict]:
    """``run()``'s result and the CPU ms per request of the server and of its query workers."""
    servers, query_workers = server_pids(pid, workers)
    before = cpu_seconds(servers + query_workers)
    result = run()
    after = cpu_seconds(servers + query_workers)

    def spent(pids) -> float:
        return sum(after[p] - before[p] for p in pids if p in after and p in before) * 1000 / max(1, result["requests"])
    return result, {"server_cpu_ms": round(spent(servers), 3), "workers_cpu_ms": round(spent(query_workers), 3)}


def http_run(port: int, bodies: list[str], concurrency: int, requests: int) -> dict:
    lock = threading.Lock()
    state = {"next": 0, "errors": 0}
    latencies: list[float] = []

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while True:
            with lock:
                index = state["next"]
                state["next"] += 1
            if index >= requests:
                break
            begun = time.perf_counter()
            connection.request("POST", "/sparql", bodies[index % len(bodies)], HEADERS)
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - begun) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200 or not body.startswith(b'{"head"'):
                    state["errors"] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(latencies, time.perf_counter() - started) | {"errors": state["errors"]}


_WRK_LINE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_run(port: int, bodies: list[str], concurrency: int, seconds: int, work: Path) -> dict:
    """wrk, rotating through the same bodies (a Lua script), for ``seconds`` seconds."""
    script = work / "claim-evidence.lua"
    script.write_text("bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}\n"
                      "counter = 0\n"
                      "request = function()\n"
                      "  counter = counter + 1\n"
                      f"  return wrk.format('POST', '/sparql', {{['Content-Type'] = '{HEADERS['Content-Type']}', "
                      f"['Accept'] = '{HEADERS['Accept']}'}}, bodies[(counter % #bodies) + 1])\n"
                      "end\n")
    output = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script),
                             f"http://{HOST}:{port}"], capture_output=True, text=True, timeout=seconds + 60).stdout
    quantiles = {f"p{q}_ms": round(float(v) * _UNITS[u], 3) for q, v, u in _WRK_LINE.findall(output)}
    total = int(re.search(r"(\d+) requests in", output)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": total, "per_second": round(total / seconds, 1), **quantiles,
            "errors": int(non_2xx[1]) if non_2xx else 0}


def start_server(store: Path, port: int, threads: int, query_workers: int, log: Path,
                 workers: int = 1) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "claimgraph", "--store", str(store), "serve", "--host", HOST,
                                "--port", str(port), "--threads", str(threads), "--query-workers", str(query_workers),
                                "--workers", str(workers)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"claimgraph serve exited with {process.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                time.sleep(1.0)  # the query workers finish starting
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("claimgraph serve did not answer within 120 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", help="a store folder the server may open (a copy of a test store)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per run")
    parser.add_argument("--threads", type=int, default=8, help="server request threads")
    parser.add_argument("--query-workers", type=int, default=2, help="query worker processes per request process")
    parser.add_argument("--workers", type=int, default=1, help="request processes (serve --workers)")
    parser.add_argument("--wrk-seconds", type=int, default=8, help="seconds per wrk run (0: no wrk)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    snapshot = OxigraphPeer(args.store)
    claims = workloads.cited_claims(snapshot)
    texts = [sparql_text("claim-evidence", {"claim": claim}) for claim in claims]
    bodies = [urllib.parse.urlencode({"query": text}) for text in texts]
    result = {"machine": machine(), "settings": vars(args), "in_process": in_process(snapshot, texts, args.requests)}
    print(f"in process            p50 {result['in_process']['p50_ms']:.3f} ms  "
          f"p99 {result['in_process']['p99_ms']:.3f} ms  {result['in_process']['per_second']:.0f}/s", flush=True)

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="claimgraph-http-layer-") as work:
        server = start_server(Path(args.store), port, args.threads, args.query_workers, Path(work) / "serve.log",
                              args.workers)
        time.sleep(2.0 if args.workers > 1 else 0)  # every request process up
        try:
            http_run(port, bodies, 16, 400)  # warm-up: connections, every process's query workers and snapshots
            for concurrency in CONCURRENCIES:
                timing, cpu = cpu_per_request(server.pid, lambda: http_run(port, bodies, concurrency, args.requests),
                                              args.workers)
                result[f"http_c{concurrency}"] = timing | cpu
                print(f"HTTP c={concurrency:<2} (python)   p50 {timing['p50_ms']:.3f} ms  p99 {timing['p99_ms']:.3f} ms  "
                      f"{timing['per_second']:.0f}/s  errors {timing['errors']}  CPU ms/request: server "
                      f"{cpu['server_cpu_ms']:.3f}, workers {cpu['workers_cpu_ms']:.3f}", flush=True)
            if args.wrk_seconds and shutil.which("wrk"):
                for concurrency in CONCURRENCIES:
                    timing, cpu = cpu_per_request(
                        server.pid, lambda: wrk_run(port, bodies, concurrency, args.wrk_seconds, Path(work)),
                        args.workers)
                    result[f"wrk_c{concurrency}"] = timing | cpu
                    print(f"HTTP c={concurrency:<2} (wrk)      p50 {timing.get('p50_ms', 0):.3f} ms  "
                          f"p99 {timing.get('p99_ms', 0):.3f} ms  {timing['per_second']:.0f}/s  "
                          f"errors {timing['errors']}  CPU ms/request: server {cpu['server_cpu_ms']:.3f}, "
                          f"workers {cpu['workers_cpu_ms']:.3f}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    added = result["http_c1"]["p50_ms"] - result["in_process"]["p50_ms"]
    result["added_by_http_ms_median"] = round(added, 3)
    print(f"the HTTP layer adds {added:.3f} ms to the median at concurrency 1 (target ≤ 1 ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if all(result[k]["errors"] == 0 for k in result if k.startswith(("http_", "wrk_"))) else 1


if __name__ == "__main__":
    sys.exit(main())
