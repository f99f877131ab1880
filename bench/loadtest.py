"""A bounded load test of `claimgraph serve` on loopback, while new articles are loaded.

    python -m bench.loadtest WORK_DIR [--clients 50] [--duration 60] [--runaway-clients 3] ...

1. Generates ``--base-articles`` articles (tests/article_generator.py) and loads
   them with `claimgraph load` into WORK_DIR/store.
2. Starts `claimgraph serve` on 127.0.0.1 (its own subprocess, a load token in
   its environment) and asks it which articles, claims and sources to visit.
3. For ``--duration`` seconds: ``--clients`` threads mix page views (home, article,
   claim, source, search), SPARQL queries (examples from graph/queries/examples/)
   and audit exports (/export/audit.csv of one article); one more client loads
   batches of new articles through POST /load the whole time; ``--runaway-clients``
   send a cross-product query with timeout=2 now and then, which must come back
   as a 503 query timeout. The server's resident memory (and its anonymous and
   file-backed parts) is read from /proc/<pid>/status every second, and its child
   processes' (the query workers) every ``--memory-interval`` seconds.
   ``--tracemalloc N`` has the server trace its Python allocations and log, at the
   start and the end, the places whose memory grew most (cli/serve_cli.py).
4. Writes WORK_DIR/loadtest.json and prints a Markdown table: requests, errors
   and p50/p95/p99 per kind, memory, and whether every loaded article is there.

Bounded: every request has a timeout, the clients stop at the deadline or when the
request budget is spent, and the run is abandoned ``GRACE`` seconds after the
deadline. Only 127.0.0.1 is ever contacted, and only a server this run started.
The exit code is 0 when nothing but the intended runaway timeouts failed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

from .run import REPO, Server, free_port, machine

sys.path.insert(0, str(REPO / "tests"))
from article_generator import article_text, write_articles  # noqa: E402

HOST = "127.0.0.1"  # the only address this test talks to
TOKEN_ENV = "CLAIMGRAPH_LOAD_TOKEN"
TRACEMALLOC_ENV = "CLAIMGRAPH_TRACEMALLOC"  # cli/serve_cli.py: trace Python allocations, log growth on SIGUSR1
REQUEST_TIMEOUT = 60  # seconds per request; a slower answer counts as an error
GRACE = 120  # seconds after the deadline before the run is abandoned
EXAMPLES = ("uncited-claims", "sources-by-citation-count", "dataset-statistics", "claims-by-support")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_TIMEOUT = 2  # seconds, asked of the endpoint with timeout=
RUNAWAY_PAUSE = 8  # seconds a runaway client waits between its queries
SEARCH_WORDS = ["myopathy", "statin", "biopsy", "weakness", "rituximab", "creatine kinase", "case 12", "referral"]
# Page views, SPARQL and exports in these proportions (per request of a reading client).
MIX = {"home": 8, "article": 14, "claim": 14, "source": 10, "search": 16, "sparql": 26, "export": 12}
NEW_ARTICLE_NUMBERS = itertools.count(100_000)  # titles never used by the base articles


class Recorder:
    """Latencies and failures per request kind, shared by the client threads."""

    def __init__(self, budget: int):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.busy_retries: dict[str, int] = defaultdict(int)
        self.budget = budget

    def take(self) -> bool:
        with self.lock:
            self.budget -= 1
            return self.budget >= 0

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


class LoadTestServer(Server):
    """bench.run's server with this test's settings and the load token in its environment."""

    def __init__(self, store_dir: Path, log: Path, *, threads: int, query_workers: int, token: str,
                 tracemalloc_frames: int = 0):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "claimgraph", "--store", str(store_dir), "serve", "--host", HOST,
             "--port", str(self.port), "--threads", str(threads), "--query-workers", str(query_workers),
             "--workers", "1"],  # one request process: the memory read from its pid is the server's
            stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO,
            env=os.environ | {TOKEN_ENV: token} | ({TRACEMALLOC_ENV: str(tracemalloc_frames)} if tracemalloc_frames else {}))

    def release_freed_memory(self) -> tuple[float | None, float | None]:
        """Server RSS (MB) before and after it hands the allocator's free memory back (SIGUSR2)."""
        before = process_memory_mb(self.process.pid)
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGUSR2)
            time.sleep(1.0)
        after = process_memory_mb(self.process.pid)
        return (before and before["rss"]), (after and after["rss"])

    def log_python_memory(self) -> None:
        """Ask the server (this run's own process) to log where its Python memory grew."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGUSR1)


# -- what the clients visit --------------------------------------------------------
def _select(base: str, sparql: str) -> list[dict]:
    answer = requests.post(f"{base}/sparql", data={"query": sparql}, timeout=REQUEST_TIMEOUT,
                           headers={"Accept": "application/sparql-results+json"})
    answer.raise_for_status()
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def targets(base: str) -> dict[str, list[str]]:
    """Local paths of articles, claims and sources, and the IRIs of articles to export."""
    prefix = "PREFIX cg: <https://w3id.org/claimgraph/ns#> "
    found = {}
    for kind, cls in (("article", "cg:Article"), ("claim", "cg:Claim"), ("source", "cg:Source")):
        rows = _select(base, prefix + f"SELECT ?x WHERE {{ ?x a {cls} }} LIMIT 300")
        found[kind] = [row["x"] for row in rows]
        if not found[kind]:
            raise RuntimeError(f"the store has no {cls} to visit")
    return found


def page_path(iri: str) -> str:
    return iri.replace("https://w3id.org/claimgraph/id/", "/id/", 1)


def example_queries() -> list[str]:
    folder = REPO / "graph" / "queries" / "examples"
    return [(folder / f"{name}.rq").read_text(encoding="utf-8") for name in EXAMPLES]


# -- clients -----------------------------------------------------------------------
def reading_client(base: str, found: dict, queries: list[str], recorder: Recorder, stop: threading.Event,
                   seed: int) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    html = {"Accept": "text/html"}
    with requests.Session() as session:
        while not stop.is_set() and recorder.take():
            kind = rng.choices(kinds, weights)[0]
            if kind == "home":
                call = lambda: session.get(f"{base}/", headers=html, timeout=REQUEST_TIMEOUT)  # noqa: E731
            elif kind in ("article", "claim", "source"):
                url = base + page_path(rng.choice(found[kind]))
                call = lambda: session.get(url, headers=html, timeout=REQUEST_TIMEOUT)  # noqa: E731
            elif kind == "search":
                params = {"q": rng.choice(SEARCH_WORDS)}
                call = lambda: session.get(f"{base}/search", params=params, headers=html,  # noqa: E731
                                           timeout=REQUEST_TIMEOUT)
            elif kind == "sparql":
                data = {"query": rng.choice(queries)}
                call = lambda: session.post(f"{base}/sparql", data=data, timeout=REQUEST_TIMEOUT,  # noqa: E731
                                            headers={"Accept": "application/sparql-results+json"})
            else:
                params = {"article": rng.choice(found["article"])}
                call = lambda: session.get(f"{base}/export/audit.csv", params=params,  # noqa: E731
                                           timeout=REQUEST_TIMEOUT)
            _timed(kind, call, recorder, expect=lambda r: r.status_code == 200)


def runaway_client(base: str, recorder: Recorder, stop: threading.Event) -> None:
    """The query must come back as a 503 timeout after about RUNAWAY_TIMEOUT seconds."""
    def timed_out(response) -> bool:
        return response.status_code == 503 and "timeout" in response.text.lower()

    with requests.Session() as session:
        while not stop.is_set() and recorder.take():
            _timed("runaway", lambda: session.post(f"{base}/sparql", timeout=REQUEST_TIMEOUT,
                                                   data={"query": RUNAWAY, "timeout": str(RUNAWAY_TIMEOUT)}),
                   recorder, expect=timed_out)
            stop.wait(RUNAWAY_PAUSE)


def loading_client(base: str, token: str, batch: int, recorder: Recorder, stop: threading.Event,
                   loaded_titles: list[str]) -> None:
    """Loads batches of new articles through POST /load until the deadline."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with requests.Session() as session:
        while not stop.is_set() and recorder.take():
            files = []
            for _ in range(batch):
                number = next(NEW_ARTICLE_NUMBERS)
                files.append(("file", (f"new-{number}.txt", article_text(number, random.Random(number)))))

            def call():
                return session.post(f"{base}/load", files=files, headers=headers, timeout=REQUEST_TIMEOUT * 5)

            response = _timed("load", call, recorder, expect=lambda r: r.status_code == 200)
            if response is not None and response.status_code == 200:
                loaded_titles += [a["title"] for f in response.json()["files"] for a in f["articles"]]


def _timed(kind: str, call, recorder: Recorder, *, expect):
    """One request, timed. A 503 with Retry-After (a request class full, web/limits.py) is
    asked again once after the wait it names (at most 2 s), as a client should; the
    wait counts in the latency and the retry in ``busy_retries``."""
    started = time.monotonic()
    try:
        response = call()
        if kind != "runaway" and response.status_code == 503 and response.headers.get("Retry-After"):
            with recorder.lock:
                recorder.busy_retries[kind] += 1
            time.sleep(min(2.0, float(response.headers["Retry-After"])))
            response = call()
    except requests.RequestException as exc:
        recorder.record(kind, time.monotonic() - started, f"{type(exc).__name__}: {exc}"[:300])
        return None
    elapsed = time.monotonic() - started
    ok = expect(response)
    recorder.record(kind, elapsed, None if ok else f"{response.status_code}: {response.text[:300]}")
    return response


# -- memory --------------------------------------------------------------------------
def process_memory_mb(pid: int) -> dict | None:
    """RSS of one process, and its two parts: anonymous (heaps: Python objects, RocksDB's
    block cache and memtables) and file-backed (mapped files: libraries, mapped data)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if line.startswith(("VmRSS", "RssAnon", "RssFile")))
    if "VmRSS" not in fields:
        return None
    return {name: round(int(fields.get(key, "0 kB").split()[0]) / 1024, 1)
            for name, key in (("rss", "VmRSS"), ("anon", "RssAnon"), ("file", "RssFile"))}


def child_pids(pid: int) -> list[int]:
    """The server's child processes (query workers, multiprocessing's resource tracker),
    whichever of its threads started them."""
    found = set()
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return sorted(found)


def sample_memory(pid: int, samples: list, trajectory: list, stop: threading.Event, started: float,
                  interval: float) -> None:
    """The server's RSS every second (``samples``: (s, RSS MB, anonymous MB), for the verdict)
    and, every ``interval`` seconds, the server and each child (``trajectory``)."""
    next_row = 0.0
    while not stop.is_set():
        now = round(time.monotonic() - started, 1)
        server = process_memory_mb(pid)
        if server is not None:
            samples.append((now, server["rss"], server["anon"]))
            if now >= next_row:
                children = {child: process_memory_mb(child) for child in child_pids(pid)}
                children = {child: memory for child, memory in children.items() if memory is not None}
                trajectory.append({"t": now, "server": server, "children": children,
                                   "children_rss_mb": round(sum(m["rss"] for m in children.values()), 1)})
                next_row = now + interval
        stop.wait(1.0)


def memory_verdict(samples: list[tuple[float, float]], duration: float, warm_up: float, window: float,
                   band: float) -> dict:
    """Flat when the last window's median is within ``band`` (a fraction) of the first's after warm-up."""
    first = sorted(v for t, v, *_ in samples if warm_up <= t < warm_up + window)
    last = sorted(v for t, v, *_ in samples if duration - window <= t <= duration)
    if not first or not last:
        return {"flat": None, "note": "run too short for the memory windows"}
    first_median, last_median = first[len(first) // 2], last[len(last) // 2]
    growth = (last_median - first_median) / first_median
    return {"first_window_mb": [first[0], first_median, first[-1]], "last_window_mb": [last[0], last_median, last[-1]],
            "growth": round(growth, 3), "band": band, "flat": growth <= band,
            "windows_s": [[round(warm_up), round(warm_up + window)], [round(duration - window), round(duration)]]}


# -- the run -------------------------------------------------------------------------
def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def prepare_store(work: Path, articles: int) -> Path:
    store = work / "store"
    if not store.exists():
        write_articles(work / "base-articles", articles, seed=7)
        subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), "load",
                        str(work / "base-articles")], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return store


def run(args) -> dict:
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    store = prepare_store(work, args.base_articles)
    token = os.urandom(16).hex()
    server = LoadTestServer(store, work / "serve.log", threads=args.threads, query_workers=args.query_workers,
                            token=token, tracemalloc_frames=args.tracemalloc)
    recorder = Recorder(args.budget)
    stop, memory_stop = threading.Event(), threading.Event()
    samples: list[tuple[float, float, float]] = []
    trajectory: list[dict] = []
    loaded_titles: list[str] = []
    try:
        server.wait()
        base = server.url
        assert base.startswith(f"http://{HOST}:"), base
        found, queries = targets(base), example_queries()
        started = time.monotonic()
        if args.tracemalloc:
            server.log_python_memory()  # the baseline the later reports compare with
        threading.Thread(target=sample_memory, daemon=True,
                         args=(server.process.pid, samples, trajectory, memory_stop, started,
                               args.memory_interval)).start()
        clients = [threading.Thread(target=reading_client, args=(base, found, queries, recorder, stop, seed),
                                    daemon=True) for seed in range(args.clients)]
        clients += [threading.Thread(target=runaway_client, args=(base, recorder, stop), daemon=True)
                    for _ in range(args.runaway_clients)]
        if args.load_batch:  # 0: reading only, to tell the loads' memory from the readers'
            clients.append(threading.Thread(target=loading_client, daemon=True,
                                            args=(base, token, args.load_batch, recorder, stop, loaded_titles)))
        for client in clients:
            client.start()
        stop.wait(args.duration)
        stop.set()
        deadline = time.monotonic() + GRACE
        for client in clients:
            client.join(max(0.0, deadline - time.monotonic()))
        elapsed = time.monotonic() - started
        memory_stop.set()
        rss_before_trim, rss_after_trim = server.release_freed_memory()
        if args.tracemalloc:
            server.log_python_memory()
        unfinished = sum(client.is_alive() for client in clients)
        titles = {row["t"] for row in _select(base, "SELECT ?t WHERE { ?a a <https://w3id.org/claimgraph/ns#Article> ;"
                                                    " <http://purl.org/dc/terms/title> ?t }")}
        missing = [t for t in loaded_titles if t not in titles]
    finally:
        stop.set()
        memory_stop.set()
        server.stop()
    result = report(args, recorder, samples, trajectory, elapsed, unfinished, loaded_titles, missing)
    result["server_rss_mb_before_and_after_malloc_trim"] = [rss_before_trim, rss_after_trim]
    return result


def report(args, recorder: Recorder, samples, trajectory, elapsed: float, unfinished: int, loaded_titles,
           missing) -> dict:
    kinds = {}
    for kind, values in sorted(recorder.latencies.items()):
        ordered = sorted(values)
        kinds[kind] = {"requests": len(values), "errors": len(recorder.errors[kind]),
                       **{f"p{p}_ms": round(percentile(ordered, p / 100) * 1000, 1) for p in (50, 95, 99)},
                       "max_ms": round(ordered[-1] * 1000, 1), "sample_errors": recorder.errors[kind][:5],
                       "busy_retries": recorder.busy_retries[kind]}
    runaway = kinds.get("runaway", {"requests": 0, "errors": 0})
    unexpected = sum(k["errors"] for name, k in kinds.items() if name != "runaway")
    # Memory is judged after the warm-up: the server's read caches fill while it serves
    # and loads (RocksDB's, ~140 MB: docs/reliability.md), then stay.
    warm_up = args.warm_up if args.warm_up is not None else min(10.0, args.duration / 6)
    window = min(20.0, (args.duration - warm_up) / 2)
    result = {
        "machine": machine(),
        "settings": {k: getattr(args, k) for k in ("clients", "runaway_clients", "duration", "base_articles",
                                                   "load_batch", "threads", "query_workers", "budget", "warm_up")}
        | {"runaway_timeout_s": RUNAWAY_TIMEOUT, "runaway_pause_s": RUNAWAY_PAUSE, "mix": MIX,
           "sparql_examples": list(EXAMPLES)},
        "elapsed_s": round(elapsed, 1), "unfinished_clients": unfinished,
        "requests": sum(k["requests"] for k in kinds.values()),
        "unexpected_errors": unexpected + unfinished + len(missing),
        "runaway_timed_out": runaway["requests"] - runaway["errors"], "runaway_sent": runaway["requests"],
        "articles_loaded_during_run": len(loaded_titles), "loaded_articles_missing": missing[:10],
        "kinds": kinds, "memory": memory_verdict(samples, elapsed, warm_up, window, args.memory_band),
        "memory_anonymous": memory_verdict([(t, anon) for t, _, anon in samples], elapsed, warm_up, window,
                                           args.memory_band),
        "rss_samples_mb": samples, "memory_trajectory": trajectory,
    }
    return result


def markdown(result: dict) -> str:
    lines = ["| kind | requests | errors | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, k in result["kinds"].items():
        lines.append(f"| {kind} | {k['requests']} | {k['errors']} | {k['p50_ms']:.0f} | {k['p95_ms']:.0f} | "
                     f"{k['p99_ms']:.0f} | {k['max_ms']:.0f} |")
    memory = result["memory"]
    lines.append("")
    lines.append(f"{result['requests']} requests in {result['elapsed_s']} s; unexpected errors "
                 f"{result['unexpected_errors']}; runaway queries timed out {result['runaway_timed_out']} of "
                 f"{result['runaway_sent']}; {result['articles_loaded_during_run']} articles loaded through "
                 f"POST /load during the run, {len(result['loaded_articles_missing'])} missing afterwards.")
    if memory.get("flat") is not None:
        lines.append(f"Server RSS (MB, min/median/max) {memory['windows_s'][0]} s: {memory['first_window_mb']}, "
                     f"{memory['windows_s'][1]} s: {memory['last_window_mb']}; growth {memory['growth']:+.1%} "
                     f"({'flat' if memory['flat'] else 'NOT flat'}, band {memory['band']:.0%}).")
    trimmed = result.get("server_rss_mb_before_and_after_malloc_trim")
    if trimmed and None not in trimmed:
        lines.append(f"After the run the server handed the allocator's free memory back (malloc_trim): RSS "
                     f"{trimmed[0]:.0f} MB -> {trimmed[1]:.0f} MB.")
    if result["memory_trajectory"]:
        lines += ["", "| s | server RSS MB | of it anonymous | file-backed | children (workers) RSS MB |",
                  "|---:|---:|---:|---:|---:|"]
        lines += [f"| {row['t']:.0f} | {row['server']['rss']:.0f} | {row['server']['anon']:.0f} | "
                  f"{row['server']['file']:.0f} | {row['children_rss_mb']:.0f} ({len(row['children'])}) |"
                  for row in result["memory_trajectory"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", help="working folder (store, server log, loadtest.json)")
    parser.add_argument("--clients", type=int, default=50, help="reading clients")
    parser.add_argument("--runaway-clients", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--base-articles", type=int, default=200, help="articles in the store before the run")
    parser.add_argument("--load-batch", type=int, default=5, help="articles per POST /load (0: no loads)")
    parser.add_argument("--threads", type=int, default=16, help="server request threads")
    parser.add_argument("--query-workers", type=int, default=4, help="server SPARQL worker processes")
    parser.add_argument("--budget", type=int, default=200_000, help="at most this many requests in all")
    parser.add_argument("--memory-band", type=float, default=0.10, help="RSS growth still called flat")
    parser.add_argument("--warm-up", type=float, default=None, metavar="SECONDS",
                        help="seconds of the run before memory is judged (default: a sixth, at most 10)")
    parser.add_argument("--memory-interval", type=float, default=10.0,
                        help="seconds between rows of the per-process memory table")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES",
                        help="trace the server's Python allocations (slows it) and log where they grew")
    args = parser.parse_args(argv)
    result = run(args)
    out = Path(args.work) / "loadtest.json"
    out.write_text(json.dumps(result, indent=2))
    print(markdown(result))
    print(f"details: {out}")
    return 0 if result["unexpected_errors"] == 0 and result["runaway_timed_out"] == result["runaway_sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
