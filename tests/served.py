"""``claimgraph serve`` as an operator runs it: a real subprocess on a free loopback port,
its log in a file. For the tests of what the server itself does with connections."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def claimgraph(store: Path, *args, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), *map(str, args)],
                          capture_output=True, text=True, env=os.environ | (env or {}), **kwargs)


@contextmanager
def serving(store: Path, log: Path, *args, env: dict | None = None, ready_timeout: float = 120):
    """Yields the base URL of ``claimgraph serve`` on ``store`` (options ``args``, extra
    environment ``env``: config keys as ``CLAIMGRAPH_<KEY>``), once ``/healthz`` answers."""
    with served_process(store, log, *args, env=env, ready_timeout=ready_timeout) as (base, _process):
        yield base


@contextmanager
def served_process(store: Path, log: Path, *args, env: dict | None = None, ready_timeout: float = 120):
    """As ``serving``, yielding (base URL, the server's Popen)."""
    port = free_port()
    with open(log, "w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "claimgraph", "--store", str(store), "serve",
                                    "--port", str(port), "--query-workers", "1", *map(str, args)],
                                   stdout=log_file, stderr=subprocess.STDOUT, env=os.environ | (env or {}))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"claimgraph serve ended ({process.returncode}): {log.read_text()[-2000:]}")
            try:
                if requests.get(base + "/healthz", timeout=5).status_code in (200, 503):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"claimgraph serve did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
