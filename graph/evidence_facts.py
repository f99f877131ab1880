"""What the graphs say of each source that decides its citations' evidence level,
kept beside an on-disk store so that a load reads only its own graphs.

A citation's level comes from the union of what every graph says of its source
(kind classes, publication types, a guideline's strength: ``evidence._known``).
A source is described again in every graph citing it, so reading that union
costs as many rows as the source has citers (5 985 for the most-cited DOI of
10 000 articles; 0.2-0.9 s a load). This table holds the union as last read;
a load of new versions merges in what its own graphs and the sources graph say.
That is the same union as reading every graph, because article loads only add
graphs. What rewrites older graphs forgets the sources it touches (a fold: both
nodes) or everything (a SPARQL update, a rebuild), and the next read of those
sources goes to every graph again.

Stores without a folder (in memory, remote) have no table: other processes may
write to a remote store, and every read there goes to the graphs.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from . import derived

FACTS_FILE = "evidence-facts.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (source TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (source, field, value)) WITHOUT ROWID;
-- A source with no facts at all is known too (an empty union, not a missing one).
CREATE TABLE IF NOT EXISTS known (source TEXT PRIMARY KEY) WITHOUT ROWID;
"""
Facts = set[tuple[str, str]]  # (field, value); strengths carry "0"/"1" (record / article) in front


def _path(store) -> Path | None:
    folder = getattr(store, "path", None)
    return Path(folder) / FACTS_FILE if folder is not None else None


@contextmanager
def _connect(store) -> Iterator[sqlite3.Connection | None]:
    path = _path(store)
    if path is None:
        yield None
        return
    with derived.open_sqlite(store, path, _SCHEMA) as conn:
        yield conn


def read(store, sources: Iterable[str]) -> dict[str, Facts]:
    """The remembered facts of those ``sources`` that have them (none for a store without a folder)."""
    found: dict[str, Facts] = {}
    with _connect(store) as conn:
        if conn is None:
            return found
        for chunk in derived.chunks(sources):
            marks = ",".join("?" * len(chunk))
            for (source,) in conn.execute(f"SELECT source FROM known WHERE source IN ({marks})", chunk):
                found[source] = set()
            for source, field, value in conn.execute(
                    f"SELECT source, field, value FROM facts WHERE source IN ({marks})", chunk):
                found[source].add((field, value))
    return found


def remember(store, facts: dict[str, Facts], *, everything: bool = False) -> None:
    """Store ``facts`` (each source's whole union, replacing what was remembered);
    ``everything``: these are all the sources there are, forget the rest."""
    with _connect(store) as conn:
        if conn is None:
            return
        with conn:
            if everything:
                conn.execute("DELETE FROM facts")
                conn.execute("DELETE FROM known")
            else:
                _forget(conn, list(facts))
            conn.executemany("INSERT INTO known(source) VALUES (?)", [(s,) for s in facts])
            conn.executemany("INSERT INTO facts(source, field, value) VALUES (?, ?, ?)",
                             [(s, field, value) for s, found in facts.items() for field, value in sorted(found)])


def forget(store, sources: Iterable[str] | None) -> None:
    """Forget ``sources`` (None: every source); their next read goes to every graph."""
    path = _path(store)
    if path is None or not path.exists():
        return
    with _connect(store) as conn, conn:
        if sources is None:
            conn.execute("DELETE FROM facts")
            conn.execute("DELETE FROM known")
        else:
            _forget(conn, sources)


def _forget(conn: sqlite3.Connection, sources: Iterable) -> None:
    for chunk in derived.chunks(sources):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM facts WHERE source IN ({marks})", chunk)
        conn.execute(f"DELETE FROM known WHERE source IN ({marks})", chunk)


__all__ = ["FACTS_FILE", "read", "remember", "forget"]
