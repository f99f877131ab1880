"""One on-disk store shared by several request processes (``claimgraph serve --workers N``).

RocksDB lets one process at a time open a store for writing, and any number for
reading. So each request process reads a snapshot (``snapshots``), refreshed before
a request when the store's files changed, and writes in a **write session**: it
opens the store for writing, writes, flushes and closes it again. The store's own
lock file is the lock between processes: a session that finds the store open for
writing elsewhere (another request process, a ``claimgraph load``) tries again
until its wait is over, then raises ``StoreBusy``. Inside a process one thread at
a time holds the session; while it does, every thread of the process reads through
it, so a load reads back what it wrote. Opening for writing takes about 10 ms, so a
request that writes several times (a load, an update and its derived data) holds
one session for the whole request (web/writes.py); a write outside any session
opens one of its own.

A request process killed in a session leaves what RocksDB had committed (each
write is a transaction) and the change notes the next refresh catches up from,
as a killed single-process server does.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import Store

from .embedded import ClaimStore
from .snapshots import open_snapshot, store_fingerprint

DEFAULT_WAIT = 30.0  # seconds a write outside a request's session waits for the store
RETRY_EVERY = 0.05  # seconds between two tries to open the store for writing


class StoreBusy(RuntimeError):
    """The store stayed open for writing elsewhere for the whole wait."""


def _in_session(method):
    @functools.wraps(method)
    def written(self, *args, **kwargs):
        with self.writing():
            return method(self, *args, **kwargs)
    return written


class SharedDiskStore(ClaimStore):
    """A ``ClaimStore`` on a folder other processes read and write too."""

    shared_disk = True

    def __init__(self, path, *, wait: float = DEFAULT_WAIT):
        self.path = Path(path)
        self.read_only = False  # it writes, in sessions
        self.wait = wait
        self._session = threading.RLock()
        self._depth = 0
        self._writer: Store | None = None
        self._swap = threading.Lock()
        self._fingerprint = store_fingerprint(self.path)
        self._snapshot = open_snapshot(self.path)

    @property
    def store(self) -> Store:
        """What reads go to: this process's write session while there is one, else the snapshot."""
        writer = self._writer
        return writer if writer is not None else self._snapshot

    @store.setter
    def store(self, value) -> None:  # ClaimStore.reopen sets it; a snapshot is all this holds
        if value is not None:
            self._snapshot = value

    def refresh(self) -> bool:
        """Before a request: a new snapshot when the store changed since this one. True if it did."""
        if self._writer is not None:
            return False
        fingerprint = store_fingerprint(self.path)
        if fingerprint == self._fingerprint:
            return False
        with self._swap:
            if fingerprint != self._fingerprint:
                self._snapshot, self._fingerprint = open_snapshot(self.path), fingerprint
        return True

    @contextmanager
    def writing(self, wait: float | None = None):
        """Hold the store for writing (re-entrant); ``StoreBusy`` after ``wait`` seconds."""
        wait = self.wait if wait is None else wait
        deadline = time.monotonic() + wait
        if not self._session.acquire(timeout=max(wait, 0.0)):
            raise StoreBusy(f"another request of this process has been writing for over {wait:g} s")
        try:
            if self._depth == 0:
                self._writer = self._open_for_writing(deadline, wait)
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._close_writer()
        finally:
            self._session.release()

    def _open_for_writing(self, deadline: float, wait: float) -> Store:
        while True:
            try:
                return Store(str(self.path))
            except OSError as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"the store {self.path} has been open for writing elsewhere (another "
                                    f"request process or a claimgraph command) for over {wait:g} s") from None
                time.sleep(RETRY_EVERY)

    def _close_writer(self) -> None:
        writer, self._writer = self._writer, None
        try:
            writer.flush()
        finally:
            del writer
            gc.collect()  # the handle closes (and frees the lock) when its last reference goes
            self.reopen()  # readers see what this session wrote

    def reopen(self, attempts: int = 50) -> None:
        """A fresh snapshot: after a write session, or a disk-full error (each session opens a
        fresh writer anyway)."""
        with self._swap:
            self._snapshot, self._fingerprint = open_snapshot(self.path), store_fingerprint(self.path)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()


for _name in ("write", "remove", "update", "clear", "bulk_load", "bulk_write", "replace_graph", "drop_graph",
              "ensure_static_graphs"):
    setattr(SharedDiskStore, _name, _in_session(getattr(ClaimStore, _name)))
