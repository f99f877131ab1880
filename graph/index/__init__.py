"""The derived index: one SQLite file beside the store, one declared schema, one version.

Every table claimgraph derives from the store -- search and page lists, findings
lists, statistics counts, evidence facts -- is declared in ``schema.sql``
and lives in ``<store>/index.sqlite`` (a temporary file for an in-memory store).
The deriving modules open it here and fill their own tables; ``derived`` is the
one pipeline that changes it. Each part records that it is built
(``meta: built:<part>``), so a part never filled is rebuilt on first use.

An index written with another ``SCHEMA_VERSION``, the files older releases kept
(search.sqlite, statistics.sqlite, evidence-facts.sqlite) and an unreadable file
(``derived.open_sqlite``) are removed, and the store gets an "everything" change
note: the next ``catch_up`` rebuilds the whole index from the store.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import tempfile
import weakref
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterator

from claimgraph.graph.index import derived
from claimgraph.graph.store import ClaimStore

log = logging.getLogger("claimgraph.index")

INDEX_FILE = "index.sqlite"
# Bump on any change to schema.sql: an index of another version is rebuilt whole.
SCHEMA_VERSION = "3"
SCHEMA = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
_TABLES = set(re.findall(r"CREATE (?:VIRTUAL )?(?:TABLE|VIEW) IF NOT EXISTS (\w+)", SCHEMA))
# What releases before the one index kept beside the store.
LEGACY_FILES = ("search.sqlite", "statistics.sqlite", "evidence-facts.sqlite")

_memory_indexes: "weakref.WeakKeyDictionary[ClaimStore, Path]" = weakref.WeakKeyDictionary()


def path(store: ClaimStore) -> Path:
    """``<store>/index.sqlite``; for a remote store, ``index.sqlite`` in its ``index_dir``
    when one is set (the web node's folder); else (in-memory stores, one-off commands on a
    remote store) a temporary file that lives as long as the store object."""
    folder = getattr(store, "path", None) or getattr(store, "index_dir", None)
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder) / INDEX_FILE
    found = _memory_indexes.get(store)
    if found is None:
        handle, name = tempfile.mkstemp(prefix="claimgraph-index-", suffix=".sqlite")
        os.close(handle)
        found = Path(name)
        _memory_indexes[store] = found
        weakref.finalize(store, _remove_quietly, found)
    return found


def _remove_quietly(file: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{file}{suffix}")
        except OSError:
            pass


@contextmanager
def connect(store: ClaimStore) -> Iterator[sqlite3.Connection]:
    """A connection to the store's index, every table in place (WAL mode: readers never
    wait for a refresh; an unreadable file is rebuilt, see ``derived.open_sqlite``)."""
    _remove_legacy_files(store)
    with derived.open_sqlite(store, path(store), "") as conn:
        _ensure_schema(store, conn)
        yield conn


def is_built(conn: sqlite3.Connection, part: str) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"built:{part}",)).fetchone()
    return row is not None and row[0] == "1"


def mark_built(conn: sqlite3.Connection, part: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (f"built:{part}",))


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def _ensure_schema(store: ClaimStore, conn: sqlite3.Connection) -> None:
    """Create what is missing; an index of another schema version is dropped first."""
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    if "meta" in tables:
        version = get_meta(conn, "schema")
        if version == SCHEMA_VERSION:
            views = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
            if not _TABLES <= set(tables) | views:  # one dropped by hand is made again (IF NOT EXISTS)
                conn.executescript(SCHEMA)
            return
        log.warning("derived index %s has schema %s, this release %s: rebuilt from the store",
                    path(store), version, SCHEMA_VERSION)
    if tables:
        # Virtual tables drop their own shadow tables; what is left is dropped after them.
        views = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
        drops = "".join(f'DROP VIEW IF EXISTS "{name}";' for name in views)
        drops += "".join(f'DROP TABLE IF EXISTS "{name}";' for name in sorted(tables, key=lambda n: "_" in n))
        conn.executescript(f"BEGIN; {drops} COMMIT;")
        _note_rebuild(store)
    conn.executescript(SCHEMA)
    with conn:
        set_meta(conn, "schema", SCHEMA_VERSION)


def _remove_legacy_files(store: ClaimStore) -> None:
    folder = getattr(store, "path", None)
    if folder is None or getattr(store, "read_only", False):
        return
    found = [name for name in LEGACY_FILES if (Path(folder) / name).exists()]
    if not found:
        return
    log.warning("derived files of an older release (%s) replaced by %s: rebuilt from the store",
                ", ".join(found), INDEX_FILE)
    for name in found:
        _remove_quietly(Path(folder) / name)
    _note_rebuild(store)


def _note_rebuild(store: ClaimStore) -> None:
    if not getattr(store, "read_only", False):
        derived.note(store, None)
