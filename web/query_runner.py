"""Run SPARQL queries where they can be stopped: a pool of worker processes.

pyoxigraph cannot cancel a running query, so a query that exceeds its time or
memory limit is stopped by killing the process it runs in; a fresh worker
replaces it in the background while the other workers keep answering. Each
worker reads a snapshot of the store and opens a new one before a query when the
store's files changed (graph/store/snapshots.py): exact, so an answer never misses
a write the server finished before the request came in.

**Limits** (``worker_limits``): workers cannot open network sockets unless
SERVICE is enabled; while a worker runs a query the server reads its resident
memory every ``WATCH_INTERVAL`` and kills it past the cap (503).

**Admission**: a request's ``timeout`` bounds its wait for a worker and, apart, its run.
Besides the general workers there is a *short lane* (``short_workers``, one by
default) that only takes queries while every general worker is busy, and runs
them for at most ``short_limit`` seconds: a cheap query is answered there while
long ones hold the general workers; a query that runs past the lane's limit is
stopped and waits for a general worker with the time it has left. Waiting is
first come, first served.

The answer comes back as ready bytes in the negotiated format; requests and
outcomes cross the pipe as one pickle each way (see bench/http_layer.py for
what the hop costs). ``query_execute.execute`` does the actual work, in a worker
or inline for in-memory stores (which cannot be shared with another process,
and so have no hard time or memory limit).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from claimgraph.graph.store.snapshots import open_snapshot, store_fingerprint

from . import worker_limits
from .query_execute import Outcome, QueryRequest, execute

LOG = logging.getLogger(__name__)
WATCH_INTERVAL = 0.05  # seconds between two readings of a busy worker's memory
START_WAIT = 120.0  # seconds a new worker may take to start (a loaded machine, a large store)


# -- worker processes ---------------------------------------------------------
def _send(connection, message) -> None:
    """Plain pickle over the pipe: multiprocessing's own send goes through its slower
    reducer table for every message."""
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(connection):
    return pickle.loads(connection.recv_bytes())


@dataclass(frozen=True)
class WorkerSettings:
    store_path: str
    allow_network: bool = False  # SERVICE enabled: no seccomp filter
    memory_mb: int | None = None  # the watched cap; the RLIMIT_DATA backstop sits above it


def _worker_main(connection, settings: WorkerSettings) -> None:
    try:
        _serve(connection, settings)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):  # the server went away: so does the worker
        return


def _serve(connection, settings: WorkerSettings) -> None:
    problems = []
    if not settings.allow_network:
        problems.append(worker_limits.deny_network())
    if settings.memory_mb:
        problems.append(worker_limits.memory_backstop(settings.memory_mb * 2**20))
    _send(connection, [p for p in problems if p])  # the first message: what could not be set up
    store, opened_at = None, None
    while True:
        try:
            request = _receive(connection)
        except (EOFError, KeyboardInterrupt):
            return
        try:
            fingerprint = store_fingerprint(settings.store_path)
            if store is None or fingerprint != opened_at:
                store, opened_at = open_snapshot(settings.store_path), fingerprint
        except (OSError, RuntimeError) as exc:
            store, opened_at = None, None
            _send(connection, Outcome(503, title="Store busy", detail=f"the store could not be opened for "
                                      f"reading while it is being written ({exc}); try again"))
            continue
        try:
            outcome = execute(store, request)
        except MemoryError:
            outcome = Outcome(503, title="Query too large", detail="the query ran out of memory in its worker")
        except Exception as exc:  # never die silently: the server would only see a closed pipe
            outcome = Outcome(500, title="Query failed", detail=f"{type(exc).__name__}: {exc}")
        _send(connection, outcome)


class _Stopped(Exception):
    """The worker had to be stopped: ``reason`` is "timeout", "memory" or "died"."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class _Worker:
    def __init__(self, context, settings: WorkerSettings, lane: str):
        self.lane = lane
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, settings),
                                       name=f"claimgraph-query-worker-{lane}", daemon=True)
        self.process.start()
        child.close()
        self.problems: list[str] | None = None  # read from the worker's first message
        self._stopping, self._stopped = threading.Lock(), False
        # One poll object per worker, made once: multiprocessing's poll() builds a
        # selector on every call.
        self._answer = select.poll()
        self._answer.register(self.connection.fileno(), select.POLLIN)

    def started(self) -> list[str]:
        """Wait for the worker's first message (what it could not set up)."""
        if self.problems is None:
            if not self._answer.poll(int(START_WAIT * 1000)):
                raise _Stopped("died", f"the query worker did not start within {START_WAIT:g} s")
            self.problems = _receive(self.connection)
        return self.problems

    def ask(self, request: QueryRequest, timeout: float, memory_cap: int | None) -> Outcome:
        """The worker's outcome; ``_Stopped`` past ``timeout`` seconds or ``memory_cap`` bytes."""
        _send(self.connection, request)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Stopped("timeout")
            if self._answer.poll(max(1, int(min(remaining, WATCH_INTERVAL) * 1000))):
                return _receive(self.connection)
            if memory_cap is not None:
                rss = worker_limits.rss_bytes(self.process.pid)
                if rss is not None and rss > memory_cap:
                    raise _Stopped("memory", f"{rss / 2**20:.0f} MB")

    def stop(self) -> None:
        """Kill the process and close the pipe, once: closing a file descriptor twice could
        close whatever file reused its number meanwhile (a socket of the server)."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


GENERAL, SHORT = "general", "short"


class _Ticket:
    """A request waiting for a worker of one of ``lanes``."""

    __slots__ = ("lanes",)

    def __init__(self, lanes: tuple[str, ...]):
        self.lanes = lanes


class QueryRunner:
    """``run(request, timeout)``: a worker within ``timeout`` seconds, the answer within
    ``timeout`` more, or a 503. ``store_path=None`` runs queries inline on ``inline_store``
    (no hard limits)."""

    def __init__(self, store_path: str | os.PathLike | None, workers: int = 2,
                 inline_store: Store | None = None, *, short_workers: int = 1, short_limit: float = 1.0,
                 memory_mb: int | None = None, allow_network: bool = False):
        self.store_path = str(store_path) if store_path is not None else None
        self.inline_store = inline_store
        self.short_limit = short_limit
        self.workers = max(1, workers)
        self.memory_mb = memory_mb
        self.timeouts = 0  # queries stopped so far (for logs and tests)
        self.memory_stops = 0
        self.setup_problems: list[str] | None = None  # limits the first ready worker could not set
        # Idle workers per lane, last in first out: at low load the same worker answers
        # again, its caches warm. Waiters queue first come, first served.
        self._idle: dict[str, list[_Worker]] = {GENERAL: [], SHORT: []}
        self._waiting: deque = deque()
        self._all: set[_Worker] = set()
        self._changed = threading.Condition()
        self._closed = False
        if self.store_path is not None:
            if not Path(self.store_path).is_dir():
                raise FileNotFoundError(f"no store at {self.store_path}")
            self._settings = WorkerSettings(self.store_path, allow_network, memory_mb)
            self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
            for lane, count in ((GENERAL, self.workers), (SHORT, max(0, short_workers))):
                for _ in range(count):
                    self._launch(lane)

    # -- the pool ---------------------------------------------------------------------
    def _launch(self, lane: str) -> None:
        """Start a worker in the background; it joins the pool once it is ready."""
        def start() -> None:
            pause = 1.0
            while not self._closed:
                worker = None
                try:
                    worker = _Worker(self._context, self._settings, lane)
                    with self._changed:
                        self._all.add(worker)
                    self._note_setup(worker.started())
                except Exception as exc:  # noqa: BLE001 - whatever it was, the pool must not shrink
                    if worker is not None:
                        self._discard(worker)
                    if self._closed:
                        break
                    LOG.error("a query worker failed to start (%s: %s); trying again in %g s",
                              type(exc).__name__, exc, pause)
                    time.sleep(pause)
                    pause = min(pause * 2, 30.0)
                    continue
                self._release(worker)
                return

        threading.Thread(target=start, name=f"claimgraph-start-{lane}-worker", daemon=True).start()

    def _note_setup(self, problems: list[str]) -> None:
        with self._changed:
            first, self.setup_problems = self.setup_problems is None, problems
        if first and problems:  # once per runner: every worker would say the same
            LOG.warning("query workers run without some of their limits: %s", "; ".join(problems))

    def _release(self, worker: _Worker) -> None:
        with self._changed:
            if self._closed:
                worker.stop()
                return
            self._idle[worker.lane].append(worker)
            self._changed.notify_all()

    def _discard(self, worker: _Worker) -> None:
        with self._changed:
            self._all.discard(worker)
        worker.stop()

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement without making anyone wait."""
        self._discard(worker)
        self._launch(worker.lane)

    def _acquire(self, deadline: float, lanes: tuple[str, ...]) -> _Worker | None:
        """A free worker of ``lanes`` (tried in that order), None at the deadline. Each lane
        is first come, first served: a worker goes to the first waiter that takes its lane."""
        ticket = _Ticket(lanes)
        with self._changed:
            self._waiting.append(ticket)
            try:
                while True:
                    for lane in lanes:
                        if self._idle[lane] and not self._taken_ahead(ticket, lane):
                            return self._idle[lane].pop()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    self._changed.wait(remaining)
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()

    def idle(self) -> dict[str, int]:
        """Idle workers per lane (for logs, health and tests)."""
        with self._changed:
            return {lane: len(workers) for lane, workers in self._idle.items()}

    def _long_waiting(self) -> int:
        with self._changed:
            return sum(1 for ticket in self._waiting if ticket.lanes == (GENERAL,))

    def _taken_ahead(self, ticket: _Ticket, lane: str) -> bool:
        for other in self._waiting:
            if other is ticket:
                return False
            if lane in other.lanes:
                return True
        return False

    # -- one query --------------------------------------------------------------------
    def run(self, request: QueryRequest, timeout: float) -> Outcome:
        """The query waits at most ``timeout`` seconds for a worker, in all, and then runs at
        most ``timeout`` seconds. Counting the wait in the run would kill a query that merely
        queued (after 0.1 s of running, say), and every kill costs a worker start."""
        if self.store_path is None:
            return execute(self.inline_store, request)
        deadline = time.monotonic() + timeout  # for waiting
        lanes = (GENERAL, SHORT)
        cap = self.memory_mb * 2**20 if self.memory_mb else None
        while True:
            worker = self._acquire(deadline, lanes)
            if worker is None:
                return Outcome(503, title="Service busy", retry_after=5, detail=f"every query worker stayed "
                               f"busy for the {timeout:g} s this request may wait; try again")
            limit = min(timeout, self.short_limit) if worker.lane == SHORT else timeout
            try:
                outcome = worker.ask(request, limit, cap)
            except _Stopped as stop:
                self._retire(worker)
                if stop.reason == "memory":
                    self.memory_stops += 1
                    return Outcome(503, title="Query too large", detail=f"the query exceeded the memory limit "
                                   f"of {self.memory_mb} MB and was stopped; narrow it (LIMIT, more "
                                   "specific patterns, no ORDER BY over everything)")
                if worker.lane == SHORT and deadline - time.monotonic() > 0:
                    # Not a short query after all: it waits for a general worker, unless as
                    # many long queries wait already as there are general workers (then it
                    # would only hold a server thread that cheap queries need).
                    if self._long_waiting() >= self.workers:
                        return Outcome(503, title="Service busy", retry_after=max(1, round(self.short_limit * 5)),
                                       detail=f"the query needs more than the {self.short_limit:g} s a query may "
                                       "run while every general worker is busy, and other long queries are "
                                       "waiting already; try again later")
                    lanes = (GENERAL,)
                    continue
                self.timeouts += 1
                return Outcome(503, title="Query timeout", detail=f"the query ran longer than {timeout:g} s "
                               "and was stopped; narrow it (LIMIT, more specific patterns) or ask for a "
                               "longer timeout")
            except (EOFError, OSError):
                self._retire(worker)
                return Outcome(500, title="Query failed", detail="the query worker stopped unexpectedly"
                               + self._death_note(worker))
            self._release(worker)
            return outcome

    def _death_note(self, worker: _Worker) -> str:
        code = worker.process.exitcode
        if code is None or code >= 0:
            return ""
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        note = f" ({name})"
        if self.memory_mb and -code in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV):
            note += f"; a query going past the memory limit of {self.memory_mb} MB ends this way"
        return note

    def close(self) -> None:
        with self._changed:
            self._closed = True
            workers, self._all = list(self._all), set()
            self._idle = {GENERAL: [], SHORT: []}
            self._changed.notify_all()
        for worker in workers:
            worker.stop()
