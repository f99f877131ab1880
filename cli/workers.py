"""``claimgraph serve --workers N``: N request processes accepting from one listening socket.

One Python process answers requests on one core at a time (the GIL), so a server
that should use every core runs several. The parent binds the socket, closes the
store it prepared (derived data caught up, static graphs in place) and starts the
request processes (fresh interpreters that inherit the socket); the kernel hands each new connection to one of them. Each reads
the store through a snapshot it renews when the store changed, and writes in write
sessions, one process at a time (graph/store/shared_disk.py); the derived index is
one SQLite file they all read, and reviewer logins are kept in another (a login
answered by one process holds in all). The parent only watches: a request process
that dies is replaced (one a second at most), SIGTERM or Ctrl-C stops them all, and
SIGUSR1 / SIGUSR2 are passed on to each (cli/serve_cli.py's memory reports).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import time

log = logging.getLogger("claimgraph.server")
RESTART_PAUSE = 1.0  # seconds between two replacements of a request process that died
WATCH_EVERY = 0.2  # seconds between two looks at the request processes
STOP_GRACE = 10.0  # seconds request processes get to finish on SIGTERM before SIGKILL
STARTUP = 10.0  # seconds: a request process that dies sooner died starting
GIVE_UP_AFTER = 5  # request processes that died starting, in a row


def default_workers() -> int:
    """One request process per core this process may run on."""
    from claimgraph.loaders.child_processes import usable_cores

    return usable_cores()


def supervise(count: int, target: str, settings: dict, sock) -> int:
    """Start ``count`` processes each running ``target`` ("module:function") with
    ``settings`` and the listening socket ``sock``; replace any that dies until
    SIGTERM / SIGINT; returns the exit status (0, or 1 when they kept dying)."""
    stopping = []
    children: dict[int, tuple[int, float]] = {}  # pid -> (number, started)
    message = pickle.dumps({"target": target, "settings": settings, "fd": sock.fileno(), "parent": os.getpid()})

    def stop(signum, _frame) -> None:
        stopping.append(signum)

    def start(number: int) -> None:
        # A fresh interpreter, not a fork: RocksDB's background threads do not survive a
        # fork, and a forked child's first flush waited for them for ever.
        child = subprocess.Popen([sys.executable, "-m", "claimgraph.workers", str(number)],
                                 stdin=subprocess.PIPE, pass_fds=[sock.fileno()])
        child.stdin.write(message)
        child.stdin.close()
        children[child.pid] = (number, time.monotonic())

    def forward(signum, _frame) -> None:  # SIGUSR1/2: the memory reports of cli/serve_cli.py
        for pid in children:
            _signal(pid, signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    previous |= {sig: signal.signal(sig, forward) for sig in (signal.SIGUSR1, signal.SIGUSR2)}
    early_deaths = 0
    try:
        for number in range(count):
            start(number)
        while children and not stopping:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0 or pid not in children:
                time.sleep(WATCH_EVERY)
                continue
            number, started = children.pop(pid)
            early_deaths = early_deaths + 1 if time.monotonic() - started < STARTUP else 0
            log.warning("request process %d (pid %d) ended (%s); starting another", number, pid, _how(status))
            if early_deaths >= GIVE_UP_AFTER:
                log.error("request processes keep dying as they start; stopping the server")
                return 1
            time.sleep(RESTART_PAUSE)
            start(number)
        return 0
    finally:
        _stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _child_main() -> None:
    """A request process: the settings from the parent on stdin, the socket it passed."""
    import importlib
    import socket

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stops like Ctrl-C: cleanly
    message = pickle.loads(sys.stdin.buffer.read())
    module, _, function = message["target"].partition(":")
    sock = socket.socket(fileno=message["fd"])
    try:
        _stop_with_parent(message["parent"])
        getattr(importlib.import_module(module), function)(message["settings"], sock)
    except KeyboardInterrupt:
        pass


def _stop_with_parent(parent: int) -> None:
    """SIGTERM to this process when the supervisor dies (even by SIGKILL), so that no
    request process goes on serving without it (Linux; elsewhere they stop on their own
    SIGTERM only)."""
    from claimgraph.loaders.child_processes import die_with_parent

    if not die_with_parent(parent, signal.SIGTERM):  # it died before the request took effect
        raise KeyboardInterrupt


def _stop_all(children: dict) -> None:
    """SIGTERM, then SIGKILL to those still running ``STOP_GRACE`` seconds later."""
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    waiting = set(children)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                waiting.discard(pid)
        time.sleep(0.05)
    for pid in waiting:
        log.warning("request process %d did not stop in %.0f s; killing it", pid, STOP_GRACE)
        _signal(pid, signal.SIGKILL)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


if __name__ == "__main__":
    _child_main()
