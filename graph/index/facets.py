"""Writing documents' facet rows (schema.sql: ``facet_values``, ``facet_rows``).

A facet row says document ``doc`` has ``facet = value`` shown as ``label``; readers
see them as the view ``doc_facets(doc, facet, value, label)``. Each labelled value is
stored once and a row is a pair of integers, so the writers here turn
(facet, value, label) triples into value ids first. Every write of facet rows goes
through this module; ``drop_unused`` ends each refresh, so that what is stored is
exactly what a rebuild would store (``check.compare`` compares both tables).
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

Triple = tuple[str, str, str]  # (facet, value, label)


class ValueIds:
    """Ids of labelled values, added on first use; one per write (a refresh's
    transaction), so that no id outlives a rollback or ``drop_unused``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._known: dict[Triple, int] = {}

    def __call__(self, triple: Triple) -> int:
        found = self._known.get(triple)
        if found is None:
            row = self.conn.execute("SELECT id FROM facet_values WHERE facet = ? AND value = ? AND label = ?",
                                    triple).fetchone()
            found = row[0] if row else self.conn.execute(
                "INSERT INTO facet_values(facet, value, label) VALUES (?, ?, ?)", triple).lastrowid
            self._known[triple] = found
        return found


def add(conn: sqlite3.Connection, ids: ValueIds, doc: int, triples: Iterable[Triple]) -> None:
    """Give document ``doc`` these facets (those it has already are kept once)."""
    conn.executemany("INSERT OR IGNORE INTO facet_rows(doc, value) VALUES (?, ?)",
                     [(doc, ids(triple)) for triple in dict.fromkeys(triples)])


def remove(conn: sqlite3.Connection, docs: list[int], facets: Iterable[str], value: str | None = None) -> None:
    """Take facets ``facets`` (with ``value``, when given) from documents ``docs``.
    The condition on the value is a correlated EXISTS on purpose: SQLite then reads the
    documents' own rows (primary key prefix); as ``value IN (SELECT id …)`` it probes
    every (document, value id) pair, documents times every organisation ever indexed."""
    names = list(facets)
    marks, names_marks = ",".join("?" * len(docs)), ",".join("?" * len(names))
    condition, params = f"v.facet IN ({names_marks})", [*names]
    if value is not None:
        condition, params = condition + " AND v.value = ?", [*names, value]
    conn.execute(f"DELETE FROM facet_rows WHERE doc IN ({marks}) AND EXISTS "
                 f"(SELECT 1 FROM facet_values v WHERE v.id = facet_rows.value AND {condition})", [*docs, *params])


def inherit(conn: sqlite3.Connection, claims: list[int], facets: tuple[str, ...]) -> None:
    """Give ``claims`` the facets ``facets`` of every source they cite, as indexed now
    (replacing the ones they had: claims have none of these of their own)."""
    remove(conn, claims, facets)
    marks = ",".join("?" * len(claims))
    # CROSS JOIN fixes the join order: from the claims' own cites rows. Left to itself,
    # SQLite starts from every source's kind facet and reads every claim citing it.
    conn.execute(
        f"""INSERT INTO facet_rows(doc, value)
            SELECT DISTINCT c.doc, f.value FROM cites c
              CROSS JOIN docs s ON s.iri = c.source
              CROSS JOIN facet_rows f ON f.doc = s.id
              CROSS JOIN facet_values v ON v.id = f.value AND v.facet IN ({",".join("?" * len(facets))})
             WHERE c.doc IN ({marks})""", [*facets, *claims])


def remove_all(conn: sqlite3.Connection, docs: list[int]) -> None:
    marks = ",".join("?" * len(docs))
    conn.execute(f"DELETE FROM facet_rows WHERE doc IN ({marks})", docs)


def left_join(alias: str, doc: str, *facets: str) -> str:
    """SQL joining document ``doc``'s values of ``facets`` (constants of the code) as
    ``alias``: a ``facet_values`` row (id, facet, value, label), NULLs when it has none.
    The view ``doc_facets`` on the right of a LEFT JOIN would be materialized whole
    (SQLite does not flatten a join there): 147 ms for the home page's source counts at
    M, 11 ms so."""
    assert all(name.isidentifier() for name in facets)
    names = ", ".join(f"'{name}'" for name in facets)
    return (f"LEFT JOIN facet_rows {alias}_row ON {alias}_row.doc = {doc} AND EXISTS "
            f"(SELECT 1 FROM facet_values x WHERE x.id = {alias}_row.value AND x.facet IN ({names})) "
            f"LEFT JOIN facet_values {alias} ON {alias}.id = {alias}_row.value")


def drop_unused(conn: sqlite3.Connection) -> None:
    """Remove the labelled values no row uses any more (a rebuild would not have them)."""
    conn.execute("DELETE FROM facet_values WHERE NOT EXISTS "
                 "(SELECT 1 FROM facet_rows r WHERE r.value = facet_values.id)")


def clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM facet_rows")
    conn.execute("DELETE FROM facet_values")
