"""Reading an on-disk store beside the process that writes it.

``Store.read_only`` sees a snapshot taken when it was opened. A reader that must
not miss a write compares the store folder's fingerprint (the names, sizes and
times of RocksDB's data files, which every write changes) with the one it opened
and reopens when they differ. The check is exact and costs about 30 µs (a listing
of some twenty entries); opening a snapshot of a 1 000-article store takes 5–10 ms.
Used by the SPARQL query workers (web/query_runner.py) and by the request processes
of ``serve --workers`` (``shared_disk``).
"""

from __future__ import annotations

import os
import time

from pyoxigraph import Store

OPEN_ATTEMPTS = 8  # tries to open a snapshot while another process writes, about 1.4 s in all


def store_fingerprint(path: str | os.PathLike) -> tuple:
    """Changes whenever RocksDB writes data (WAL, tables, manifest); the info log
    and lock file are left out because merely opening the store touches them."""
    entries = []
    with os.scandir(path) as listing:
        for entry in listing:
            if entry.name.startswith(("LOG", "LOCK")):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:  # a compaction removed it between listing and stat
                continue
            entries.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


def open_snapshot(store_path: str | os.PathLike) -> Store:
    """``Store.read_only`` beside a writing process. Opening can catch RocksDB
    between listing its data files and deleting the ones a flush or compaction replaced
    ("Corruption: ... No such file"); a moment later the list is whole again."""
    for attempt in range(1, OPEN_ATTEMPTS):
        try:
            return Store.read_only(str(store_path))
        except (OSError, RuntimeError):
            time.sleep(0.05 * attempt)
    return Store.read_only(str(store_path))
