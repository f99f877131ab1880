"""A full disk: recognising it, and what the store keeps through it.

A write that finds no space left fails in one of several shapes: ``OSError`` with
``ENOSPC``/``EDQUOT``; RocksDB's ``OSError`` without an errno ("IO error: No space
left on device: While appending to file …"); SQLite's "database or disk is full".
``is_disk_full`` knows them all, so the CLI and the server give one clear message.

RocksDB stops writing for good once a write of its log failed (it keeps reading):
freeing space is not enough, the store must be opened again. ``reopen_after_disk_full``
does that in a running process (``ClaimStore.reopen``).

``files_in_store`` tells, after a load stopped by a full disk, which of the files
given are in the store (their provenance is written in the same transaction as their
articles), so that the report can name each file.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import sqlite3
from pathlib import Path

from pyoxigraph import NamedNode

from claimgraph.graph.rdf import iris
from claimgraph.graph.store import ClaimStore

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXTS = ("no space left on device", "disk quota exceeded", "database or disk is full")


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the disk or quota is full."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if isinstance(exc, (OSError, sqlite3.OperationalError)) and any(t in str(exc).lower() for t in _FULL_TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def free_bytes(path: Path | None) -> int | None:
    """Bytes free on the file system holding ``path`` (None: not a local folder)."""
    if path is None:
        return None
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def files_in_store(store: ClaimStore, paths: list[Path]) -> dict[Path, bool]:
    """For each file, whether the store has it recorded as loaded (by its SHA-256)."""
    found = {}
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        file_node = NamedNode(f"{iris.ID}file/{digest.hexdigest()}")
        found[path] = bool(store.select("load-file-recorded", file=file_node))
    return found


def reopen_after_disk_full(store: ClaimStore) -> None:
    """Open the store again so that it writes (after RocksDB stopped on a full disk)."""
    store.reopen()
