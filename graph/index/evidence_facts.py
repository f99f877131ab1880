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
from typing import Iterable, Iterator

from claimgraph.graph.index import derived
from claimgraph.graph import index

Facts = set[tuple[str, str]]  # (field, value); strengths carry "0"/"1" (record / article) in front


@contextmanager
def _connect(store) -> Iterator[sqlite3.Connection | None]:
    """The evidence_* tables of the derived index (graph/index.py); None for in-memory and
    remote stores, which read every graph."""
    if getattr(store, "path", None) is None:
        yield None
        return
    with index.connect(store) as conn:
        yield conn


def read(store, sources: Iterable[str]) -> dict[str, Facts]:
    """The remembered facts of those ``sources`` that have them (none for a store without a folder)."""
    found: dict[str, Facts] = {}
    with _connect(store) as conn:
        if conn is None:
            return found
        for chunk in derived.chunks(sources):
            marks = ",".join("?" * len(chunk))
            for (source,) in conn.execute(f"SELECT source FROM evidence_known WHERE source IN ({marks})", chunk):
                found[source] = set()
            for source, field, value in conn.execute(
                    f"SELECT source, field, value FROM evidence_facts WHERE source IN ({marks})", chunk):
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
                conn.execute("DELETE FROM evidence_facts")
                conn.execute("DELETE FROM evidence_known")
            else:
                _forget(conn, list(facts))
            conn.executemany("INSERT INTO evidence_known(source) VALUES (?)", [(s,) for s in facts])
            conn.executemany("INSERT INTO evidence_facts(source, field, value) VALUES (?, ?, ?)",
                             [(s, field, value) for s, found in facts.items() for field, value in sorted(found)])


def forget(store, sources: Iterable[str] | None) -> None:
    """Forget ``sources`` (None: every source); their next read goes to every graph."""
    folder = getattr(store, "path", None)
    if folder is None or not index.path(store).exists():
        return
    with _connect(store) as conn, conn:
        if sources is None:
            conn.execute("DELETE FROM evidence_facts")
            conn.execute("DELETE FROM evidence_known")
        else:
            _forget(conn, sources)


def _forget(conn: sqlite3.Connection, sources: Iterable) -> None:
    for chunk in derived.chunks(sources):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM evidence_facts WHERE source IN ({marks})", chunk)
        conn.execute(f"DELETE FROM evidence_known WHERE source IN ({marks})", chunk)


__all__ = ["read", "remember", "forget"]
