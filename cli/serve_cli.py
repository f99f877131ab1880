"""``claimgraph serve`` (the web app and SPARQL endpoint under waitress) and
``claimgraph demo`` (load the bundled examples and the seed, then serve)."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from pathlib import Path

import click

from claimgraph.commands import Context, pass_ctx

REPO = Path(__file__).resolve().parents[1]
ACCESS_LOG = logging.getLogger("claimgraph.access")


class AccessLog:
    """One line per request, in the common log format plus the duration."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"][:200]
            ACCESS_LOG.info('%s - - [%s] "%s %s %s" %s %s %.0fms',
                            environ.get("REMOTE_ADDR", "-"), time.strftime("%d/%b/%Y:%H:%M:%S %z"),
                            environ.get("REQUEST_METHOD"), path, environ.get("SERVER_PROTOCOL"),
                            seen.get("status", "-"), seen.get("length", "-"),
                            (time.monotonic() - started) * 1000)


def watch_python_memory() -> None:
    """With CLAIMGRAPH_TRACEMALLOC=N (frames per allocation) set, trace the server's
    Python allocations; on SIGUSR1, log the 15 places whose memory grew most since the
    first signal (bench/loadtest.py --tracemalloc sends both). Tracing slows every
    request: for finding a leak, not for serving."""
    frames = int(os.environ.get("CLAIMGRAPH_TRACEMALLOC") or 0)
    if frames <= 0:
        return
    import signal
    import tracemalloc

    tracemalloc.start(frames)
    baseline = []

    def report(_signum, _frame) -> None:
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        if not baseline:
            baseline.append(snapshot)
            ACCESS_LOG.info("tracemalloc: baseline taken (%.1f MB traced)",
                            sum(s.size for s in snapshot.statistics("filename")) / 1e6)
            return
        growth = snapshot.compare_to(baseline[0], "traceback")[:15]
        ACCESS_LOG.info("tracemalloc: %.1f MB traced; largest growth since the baseline:\n%s",
                        sum(s.size for s in snapshot.statistics("filename")) / 1e6,
                        "\n".join(f"  {s.size_diff / 1e6:+.2f} MB in {s.count_diff:+d} blocks at "
                                  + " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in s.traceback[:4])
                                  for s in growth))

    signal.signal(signal.SIGUSR1, report)


def release_freed_memory_on_signal() -> None:
    """On SIGUSR2, hand the memory the C allocator holds free back to the system
    (glibc's malloc_trim) and log the RSS before and after. How much comes back tells
    memory the allocator merely kept (it would be reused) from memory still in use."""
    import ctypes
    import signal

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return

    def rss_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024

    def release(_signum, _frame) -> None:
        before = rss_mb()
        trim(0)
        ACCESS_LOG.info("malloc_trim: RSS %.1f MB -> %.1f MB", before, rss_mb())

    signal.signal(signal.SIGUSR2, release)


def _prepare(store) -> None:
    from claimgraph.graph import derived

    derived.ready(store)


def run_server(store, *, host: str, port: int, threads: int, query_workers: int, enable_updates: bool,
               query_timeout: float | None, url_prefix: str, behind_proxy: int, query_memory: int | None) -> None:
    from waitress import serve as waitress_serve

    from claimgraph.web import create_app, network
    from claimgraph.web.sparql import close_runner

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    watch_python_memory()
    release_freed_memory_on_signal()
    config = {"STORE": store, "STORE_PATH": str(store.path), "QUERY_WORKERS": query_workers,
              "PROXY_FIX": behind_proxy}
    if query_timeout is not None:
        config["QUERY_TIMEOUT"] = query_timeout
    if query_memory is not None:
        config["QUERY_MEMORY_MB"] = query_memory
    config["SERVER_THREADS"] = threads  # SPARQL requests leave two threads to pages and /healthz
    if enable_updates:
        config["UPDATES_ENABLED"] = True
        if not os.environ.get("CLAIMGRAPH_UPDATE_TOKEN"):
            config["UPDATE_TOKEN"] = secrets.token_urlsafe(24)
            click.echo(f"updates enabled; bearer token for this run: {config['UPDATE_TOKEN']} "
                       "(set CLAIMGRAPH_UPDATE_TOKEN to choose one)", err=True)
    app = create_app(config)
    app.wsgi_app = AccessLog(app.wsgi_app)
    network.warm(app)  # the evidence network takes seconds on a large store
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    click.echo(f"claimgraph serving {store.path} at http://{shown_host}:{port}{url_prefix}/ "
               f"(SPARQL: {url_prefix}/sparql, editor: {url_prefix}/query); Ctrl-C stops", err=True)
    try:
        waitress_serve(app, host=host, port=port, threads=threads, url_prefix=url_prefix, ident="claimgraph")
    finally:
        close_runner(app)
        store.flush()


_SERVER_OPTIONS = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on."),
    click.option("--threads", default=8, show_default=True, help="Request threads in the server."),
    click.option("--query-workers", default=2, show_default=True,
                 help="Processes running SPARQL queries (each can be stopped on timeout)."),
    click.option("--enable-updates", is_flag=True,
                 help="Accept SPARQL Update and Graph Store writes (bearer token: $CLAIMGRAPH_UPDATE_TOKEN)."),
    click.option("--query-timeout", type=float, default=None, help="Seconds per query (default 30)."),
    click.option("--query-memory", type=int, default=None, metavar="MB",
                 help="Memory cap per query worker (default: 2048 or an eighth of the machine's; 0: none)."),
    click.option("--url-prefix", default="", help="Path prefix when mounted below a proxy path, e.g. /kg."),
    click.option("--behind-proxy", type=int, default=0, show_default=True,
                 help="Number of proxies whose X-Forwarded-* headers to trust."),
]


def _server_options(function):
    for option in reversed(_SERVER_OPTIONS):
        function = option(function)
    return function


@click.command()
@click.option("--port", default=8080, show_default=True, type=int)
@_server_options
@pass_ctx
def serve(ctx: Context, port: int, **options) -> None:
    """Serve the web UI and the SPARQL endpoint with waitress (a production WSGI server)."""
    store = ctx.store()
    _prepare(store)
    run_server(store, port=port, **options)


@click.command()
@click.option("--port", default=8080, show_default=True, type=int)
@_server_options
@pass_ctx
def demo(ctx: Context, port: int, **options) -> None:
    """Load the bundled examples (articles, labels, guidelines) and the seed, then serve them."""
    from claimgraph.graph.batch import load_files

    shared = Path(os.environ.get("CLAIMGRAPH_SHARED", REPO.parent / "shared"))
    candidates = [REPO / "examples" / part for part in ("articles", "labels", "guidelines")]
    candidates.append(shared / "data" / "seeds" / "myopathy-necrosis.txt")
    paths = [p for p in candidates if p.exists()]
    if not paths:
        raise click.ClickException(f"nothing to load: neither {REPO / 'examples'} nor the seed in {shared}")
    store = ctx.store()
    for outcome in load_files(store, paths, progress=True):
        state = "ok" if outcome.ok else "ERROR " + "; ".join(outcome.errors)[:200]
        click.echo(f"loaded {Path(outcome.path).name}: {state}", err=True)
    _prepare(store)
    run_server(store, port=port, **options)
