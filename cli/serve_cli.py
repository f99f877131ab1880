"""``claimgraph serve`` (the web app and SPARQL endpoint under waitress) and
``claimgraph demo`` (load the bundled examples and the seed, then serve)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path

import click

from claimgraph.context import Context, pass_ctx

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
                            loggable(environ.get("REQUEST_METHOD")), loggable(path),
                            loggable(environ.get("SERVER_PROTOCOL")), seen.get("status", "-"),
                            seen.get("length", "-"), (time.monotonic() - started) * 1000)


# The path arrives percent-decoded: %0A would start a forged log line, %1B a terminal escape.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {ord("\\"): "\\\\",
                                                                                  ord('"'): '\\"'}


def loggable(text: str | None) -> str:
    """``text`` for one log line: control characters, backslash and quote escaped."""
    return "-" if text is None else text.translate(_UNPRINTABLE)


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
    from claimgraph.graph.index import derived

    derived.ready(store)


def run_server(store, *, host: str, port: int, query_workers: int, enable_updates: bool,
               query_timeout: float | None, url_prefix: str, behind_proxy: int, query_memory: int | None = None,
               workers: int | None = None, **limits) -> None:
    """Serve until stopped. ``limits`` are ``serving.LIMITS`` given on the command line (None: the
    config key, else the default). The port is taken before anything says it is served.
    ``workers``: request processes (None: one per core on an on-disk store, one on a remote store)."""
    from claimgraph.serving import PortInUse, resolve
    from claimgraph.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = {"STORE": store, "STORE_PATH": str(store.path or store.location), "QUERY_WORKERS": query_workers,
              "PROXY_FIX": behind_proxy}
    if query_timeout is not None:
        config["QUERY_TIMEOUT"] = query_timeout
    if query_memory is not None:
        config["QUERY_MEMORY_MB"] = query_memory
    if enable_updates:
        config["UPDATES_ENABLED"] = True
        if not os.environ.get("CLAIMGRAPH_UPDATE_TOKEN"):
            config["UPDATE_TOKEN"] = secrets.token_urlsafe(24)
            click.echo(f"updates enabled; bearer token for this run: {config['UPDATE_TOKEN']} "
                       "(set CLAIMGRAPH_UPDATE_TOKEN to choose one)", err=True)
    try:
        limits = resolve(limits, create_app(config).config)  # the config keys and BODY_LIMITS
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    remote = store.path is None
    if workers is None:
        from claimgraph.workers import default_workers

        workers = 1 if remote else default_workers()
    if workers > 1 and remote:
        raise click.UsageError("--workers is for an on-disk store; on a remote store run several web nodes "
                               "(each with its own --index-dir) behind a proxy, as README describes")
    where = dict(host=host, port=port, url_prefix=url_prefix)
    try:
        if workers > 1:
            _serve_in_processes(store, config, workers, where, limits)
        else:
            _serve(config, where, limits, banner=True)
    except PortInUse as exc:
        raise click.ClickException(str(exc.strerror)) from None


def _serve(config: dict, where: dict, limits: dict, *, banner: bool, sockets=None) -> None:
    """One request process: the app, its waitress server (on ``sockets`` when given), until stopped."""
    from claimgraph.serving import flask_body_limit, make_server
    from claimgraph.web import create_app, network
    from claimgraph.web.sparql import close_runner

    watch_python_memory()
    release_freed_memory_on_signal()
    store = config["STORE"]
    app = create_app(config)
    app.config["SERVER_THREADS"] = limits["threads"]  # SPARQL requests leave two to pages and /healthz
    try:
        server = make_server(app, body_limit=flask_body_limit(app), sockets=sockets, **where, **limits)
    except OSError:
        close_runner(app)
        raise
    app.wsgi_app = AccessLog(app.wsgi_app)
    network.warm(app)  # the evidence network takes seconds on a large store
    if banner:
        click.echo(f"claimgraph serving {store.path or store.location} at {_url(where, server.effective_port)} "
                   f"(SPARQL: {where['url_prefix']}/sparql, editor: {where['url_prefix']}/query); Ctrl-C stops",
                   err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        close_runner(app)
        store.flush()


def serve_child(settings: dict, sock) -> None:
    """A request process of ``serve --workers`` (claimgraph/workers.py starts it)."""
    from claimgraph.graph.store.shared_disk import SharedDiskStore

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = settings["config"]
    store = SharedDiskStore(config["STORE_PATH"], wait=float(os.environ.get("CLAIMGRAPH_WRITE_WAIT") or 30.0))
    _serve(config | {"STORE": store}, settings["where"], settings["limits"], banner=False, sockets=[sock])


def _url(where: dict, port: int) -> str:
    host = "127.0.0.1" if where["host"] in ("0.0.0.0", "") else where["host"]
    return f"http://{host}:{port}{where['url_prefix']}/"


def _serve_in_processes(store, config: dict, workers: int, where: dict, limits: dict) -> None:
    """``workers`` request processes on one socket (claimgraph/workers.py)."""
    import gc
    import shutil
    import tempfile

    from claimgraph.serving import listen
    from claimgraph.web.scratch import remove_orphans, scratch_prefix
    from claimgraph.workers import supervise

    sock = listen(where["host"], where["port"], int(limits["backlog"]))
    path = store.path
    store.store = None  # closed: the request processes open it for writing, one at a time
    gc.collect()
    # What the request processes share besides the store: reviewer logins and a failed write's
    # note (web/health.py). In memory when the system has /dev/shm, so that a full disk cannot stop it.
    memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    remove_orphans("state", memory)
    folder = tempfile.mkdtemp(prefix=scratch_prefix("state"), dir=memory)
    config = config | {"SESSIONS_FILE": os.path.join(folder, "sessions.sqlite"), "SHARED_STATE_DIR": folder}
    click.echo(f"claimgraph serving {path} at {_url(where, sock.getsockname()[1])} with {workers} request "
               f"processes (SPARQL: {where['url_prefix']}/sparql, editor: {where['url_prefix']}/query); "
               "Ctrl-C stops", err=True)

    settings = {"config": {k: v for k, v in config.items() if k != "STORE"}, "where": where, "limits": limits}
    try:
        status = supervise(workers, "claimgraph.serve_cli:serve_child", settings, sock)
    finally:
        sock.close()
        shutil.rmtree(folder, ignore_errors=True)
    if status:
        raise click.ClickException("the request processes kept failing as they started; see the log above")


_SERVER_OPTIONS = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on."),
    click.option("--workers", type=click.IntRange(min=1), default=None,
                 help="Request processes on one port [default: one per core on an on-disk store, "
                      "1 on a remote store]."),
    click.option("--query-workers", default=2, show_default=True,
                 help="Processes running SPARQL queries, per request process (each can be stopped on timeout)."),
    click.option("--enable-updates", is_flag=True,
                 help="Accept SPARQL Update and Graph Store writes (bearer token: $CLAIMGRAPH_UPDATE_TOKEN)."),
    click.option("--query-timeout", type=float, default=None, help="Seconds per query (default 30)."),
    click.option("--query-memory", type=int, default=None, metavar="MB",
                 help="Memory cap per query worker (default: 2048 or an eighth of the machine's; 0: none)."),
    click.option("--url-prefix", default="", help="Path prefix when mounted below a proxy path, e.g. /kg."),
    click.option("--behind-proxy", type=int, default=0, show_default=True,
                 help="Number of proxies whose X-Forwarded-* headers to trust."),
]


def _limit_options():
    """One option per server limit (claimgraph/serving.py LIMITS); unset: config key, else default."""
    from claimgraph.serving import LIMITS

    return [click.option("--" + limit.name.replace("_", "-"), type=limit.kind, default=None,
                         help=f"{limit.help} [default: {limit.default}; config {limit.config_key}]")
            for limit in LIMITS]


def _server_options(function):
    for option in reversed(_SERVER_OPTIONS + _limit_options()):
        function = option(function)
    return function


@click.command()
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Remote store (sparql+http://…) only: the folder of this node's derived index "
                   "[default: $XDG_CACHE_HOME/claimgraph/index/<store>].")
@_server_options
@pass_ctx
def serve(ctx: Context, port: int, index_dir: Path | None, **options) -> None:
    """Serve the web UI and the SPARQL endpoint with waitress (a production WSGI server)."""
    store = ctx.store()
    if hasattr(store, "index_dir"):
        from claimgraph.graph.store.remote import default_index_dir

        store.index_dir = index_dir or default_index_dir(store.location)
    elif index_dir is not None:
        raise click.UsageError("--index-dir is for a remote store: an on-disk store keeps its index in its folder")
    _prepare(store)
    run_server(store, port=port, **options)


DEMO_REVIEWER = "Demo reviewer"


def demo_files() -> list[Path]:
    """The bundled examples, file by file, and the seed from ../shared unless the examples
    already hold a file of its name (they bundle it: it was loaded and printed twice)."""
    from claimgraph.loaders import iter_input_files

    shared = Path(os.environ.get("CLAIMGRAPH_SHARED", REPO.parent / "shared"))
    folders = [REPO / "examples" / part for part in ("articles", "labels", "guidelines")]
    files = list(iter_input_files(p for p in folders if p.exists()))
    seed = shared / "data" / "seeds" / "myopathy-necrosis.txt"
    if seed.exists() and seed.name not in {f.name for f in files}:
        files.append(seed)
    if not files:
        raise click.ClickException(f"nothing to load: neither {REPO / 'examples'} nor the seed in {shared}")
    return files


def _say(text: str, **kwargs) -> None:
    click.echo(text, err=True, **kwargs)


def _demo_reviewer(host: str, port: int, url_prefix: str) -> None:
    """A reviewer for this run (token printed), so that a verdict can be recorded in the
    browser. ``create_app`` reads CLAIMGRAPH_* variables; ones already set are kept."""
    if not os.environ.get("CLAIMGRAPH_REVIEWER_TOKENS"):
        token = secrets.token_hex(10)
        os.environ["CLAIMGRAPH_REVIEWER_TOKENS"] = json.dumps({token: DEMO_REVIEWER})
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        _say(f"demo reviewer: log in at http://{shown_host}:{port}{url_prefix}/reviews with the token {token}")
    os.environ.setdefault("CLAIMGRAPH_SECRET_KEY", secrets.token_hex(32))  # signs the login session


@click.command()
@click.option("--port", default=8080, show_default=True, type=int)
@_server_options
@pass_ctx
def demo(ctx: Context, port: int, **options) -> None:
    """Load the bundled examples (articles, labels, guidelines) and the seed, then serve them
    with a demo reviewer whose token is printed."""
    from claimgraph.context import LOAD_INSTEAD
    from claimgraph.graph.write.batch import load_files

    files = demo_files()
    store = ctx.store(instead=LOAD_INSTEAD)
    _say(f"loading {len(files)} example file(s) into {store.path}")
    for number, path in enumerate(files, 1):
        _say(f"  [{number}/{len(files)}] {path.name} ... ", nl=False)
        started = time.monotonic()
        (outcome,) = load_files(store, [path])
        state = f"{len(outcome.articles)} article(s)" if outcome.articles else f"{outcome.sources} source(s)"
        if not outcome.ok:
            state = "ERROR " + "; ".join(outcome.errors)[:200]
        _say(f"{state} ({time.monotonic() - started:.1f} s)")
    _say("computing the statistics and the findings lists ... ", nl=False)
    started = time.monotonic()
    _prepare(store)
    _say(f"done ({time.monotonic() - started:.1f} s)")
    _demo_reviewer(options["host"], port, options["url_prefix"])
    run_server(store, port=port, **options)
