"""Concept pages' lists, filed at index time: the vocabulary hierarchy closed, each claim
filed under every concept it names and every broader one, drug-condition pairs and the
evidence-matrix cells (tables of the derived index, graph/index/schema.sql)."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from claimgraph.graph.index.search_docs import _COUNTED_FACETS, _chunks
from claimgraph.graph.store import ClaimStore

# -- concept pages' lists, filed at index time -------------------------------------------
def _sync_broader(store: ClaimStore, conn: sqlite3.Connection) -> bool:
    """Bring the closed hierarchy in step with the vocabulary; True if it changed
    (the claims filed under concepts must then be filed again)."""
    pairs = _closure((row["concept"], row["parent"]) for row in store.select("search-broader"))
    if pairs == set(conn.execute("SELECT concept, ancestor FROM broader")):
        return False
    conn.execute("DELETE FROM broader")
    conn.executemany("INSERT INTO broader(concept, ancestor) VALUES (?, ?)", sorted(pairs))
    return True


def _closure(edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every (concept, ancestor at any depth) pair of direct broader edges; cycles end."""
    parents: dict[str, set[str]] = {}
    for concept, parent in edges:
        parents.setdefault(concept, set()).add(parent)
    pairs = set()
    for concept in parents:
        seen, todo = set(), list(parents[concept])
        while todo:
            ancestor = todo.pop()
            if ancestor not in seen:
                seen.add(ancestor)
                todo.extend(parents.get(ancestor, ()))
        pairs.update((concept, ancestor) for ancestor in seen if ancestor != concept)
    return pairs


def _refile_claims(conn: sqlite3.Connection) -> None:
    for table in ("concept_claims", "pair_claims", "matrix_cells"):
        conn.execute(f"DELETE FROM {table}")  # table names are constants
    claims = [r[0] for r in conn.execute("SELECT id FROM docs WHERE type = 'claim'")]
    for chunk in _chunks(claims, 500):
        _file_claims(conn, chunk)


def _file_claims(conn: sqlite3.Connection, ids: list[int]) -> None:
    """File claims (written with their facets) under every concept they name and
    every broader one, under the drug-condition pairs they name, and count them
    into the evidence-matrix cells."""
    marks = ",".join("?" * len(ids))
    conn.execute(
        f"""INSERT INTO concept_claims(concept, doc, context, version, position)
            WITH named AS (SELECT DISTINCT doc, value FROM doc_facets
                            WHERE doc IN ({marks}) AND facet IN {_COUNTED_FACETS}),
                 filed AS (SELECT doc, value AS concept FROM named
                           UNION SELECT named.doc, b.ancestor FROM named JOIN broader b ON b.concept = named.value)
            SELECT filed.concept, filed.doc, d.context, d.version, d.position
              FROM filed JOIN docs d ON d.id = filed.doc""", ids)
    conn.execute(
        f"""INSERT INTO pair_claims(drug, condition, doc)
            SELECT DISTINCT drug.value, condition.value, drug.doc FROM doc_facets drug
              JOIN doc_facets condition ON condition.doc = drug.doc AND condition.facet = 'condition'
             WHERE drug.doc IN ({marks}) AND drug.facet = 'drug'""", ids)
    conn.executemany(
        "INSERT INTO matrix_cells(concept, drug, condition, rank, claims) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(concept, drug, condition, rank) DO UPDATE SET claims = claims + excluded.claims",
        _matrix_counts(conn, ids, marks))


def _unfile_claims(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Undo ``_file_claims`` for claims about to be deleted (other ids are ignored)."""
    marks = ",".join("?" * len(ids))
    counts = _matrix_counts(conn, ids, marks)
    conn.executemany("UPDATE matrix_cells SET claims = claims - ? WHERE concept = ? AND drug = ? "
                     "AND condition = ? AND rank = ?", [(n, *key) for *key, n in counts])
    conn.executemany("DELETE FROM matrix_cells WHERE concept = ? AND drug = ? AND condition = ? "
                     "AND rank = ? AND claims <= 0", [tuple(key) for *key, _ in counts])
    for table in ("concept_claims", "pair_claims"):
        conn.execute(f"DELETE FROM {table} WHERE doc IN ({marks})", ids)


def _matrix_counts(conn: sqlite3.Connection, ids: list[int], marks: str) -> list[tuple]:
    """(concept, drug, condition, rank, claims) of the filed claims ``ids``."""
    return conn.execute(
        f"""SELECT filed.concept, pair.drug, pair.condition, COALESCE(d.rank, 0), COUNT(*)
              FROM concept_claims filed JOIN pair_claims pair ON pair.doc = filed.doc
              JOIN docs d ON d.id = filed.doc
             WHERE filed.doc IN ({marks}) GROUP BY 1, 2, 3, 4""", ids).fetchall()
