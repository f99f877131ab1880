"""Does the derived data say what the store says? ``claimgraph check`` and the tests ask here.

The answer is a comparison with a rebuild: the store's quads are copied into a
scratch in-memory store, every derived table and graph is rebuilt there from
scratch (``derived.rebuild``), and both sides are reduced to the same canonical
form and compared:

* every quad of the store (the derived graphs -- findings, statistics, evidence
  levels -- are quads too), leaving out the statistics' ``dcterms:modified`` time
  and the change notes;
* every row of every table of the derived index (graph/index.py), with the index's
  internal row ids replaced by the IRIs they stand for, and without the
  ``generation`` counter (it counts refreshes, not content).

The per-graph counts that statistics and evidence levels keep in the index of an
on-disk store are memos of store content; they are checked through what they
produce (the statistics graph, the levels in the article graphs).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from claimgraph.graph.index import derived
from claimgraph.graph.index import search
from claimgraph.graph.rules import statistics
from claimgraph.graph.rdf.namespaces import DCTERMS
from claimgraph.graph.rules.statistics import DATASET, GRAPH_STATISTICS
from claimgraph.graph.store import ClaimStore

Snapshot = dict[str, Counter]  # part -> multiset of canonical rows
_SKIPPED_META = {"generation"}
_SKIPPED_META_PREFIXES = ("statistics-",)


@dataclass
class Difference:
    part: str  # "quads" or an index table
    missing: list[tuple] = field(default_factory=list)  # in the rebuild, not in the store's derived data
    extra: list[tuple] = field(default_factory=list)  # in the store's derived data, not in the rebuild

    def describe(self, limit: int = 5) -> str:
        lines = [f"{self.part}: {len(self.missing)} missing, {len(self.extra)} extra"]
        lines += [f"  - missing {row}" for row in self.missing[:limit]]
        lines += [f"  - extra   {row}" for row in self.extra[:limit]]
        return "\n".join(lines)


def snapshot(store: ClaimStore) -> Snapshot:
    """The store's quads and its index's rows, in a canonical form."""
    parts: Snapshot = {"quads": Counter(_canonical_quads(store))}
    with search._connect(store) as conn:
        parts.update(_index_rows(conn))
    return parts


def _canonical_quads(store: ClaimStore):
    for quad in store.quads():
        if quad.graph_name == derived.GRAPH_CHANGES:
            continue
        if quad.graph_name == GRAPH_STATISTICS and quad.subject == DATASET and quad.predicate == DCTERMS.modified:
            continue
        yield str(quad)


def _index_rows(conn: sqlite3.Connection) -> Snapshot:
    # statistics_* and evidence_* are memos of store content, checked through what they
    # produce (the statistics graph, the levels in the article graphs): an in-memory
    # scratch store keeps none.
    # facet_rows (pairs of ids) is compared through the view ``doc_facets``, facet_values
    # without its ids; a row whose value id is missing (which the view would hide) is a
    # part of its own, empty in a rebuild.
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'docs_fts_%' AND name NOT LIKE 'statistics_%' AND name NOT LIKE 'evidence_%' "
        "AND name != 'facet_rows' ORDER BY name")]
    iri_of = dict(conn.execute("SELECT id, iri FROM docs"))
    parts: Snapshot = {}
    for table in tables:
        if table == "docs_fts":  # its rows are docs' text, keyed by docs' row ids
            rows = ((iri_of.get(rowid), title, body) for rowid, title, body in
                    conn.execute("SELECT rowid, title, body FROM docs_fts"))
        else:
            cursor = conn.execute(f"SELECT * FROM {table}")  # names read from sqlite_master
            columns = [c[0] for c in cursor.description]
            rows = (_canonical_row(table, columns, row, iri_of) for row in cursor)
        parts[f"index:{table}"] = Counter(row for row in rows if row is not None)
    orphans = conn.execute("SELECT r.doc, r.value FROM facet_rows r WHERE NOT EXISTS "
                           "(SELECT 1 FROM facet_values v WHERE v.id = r.value)")
    parts["index:facet_rows without a value"] = Counter((iri_of.get(doc, f"<dangling doc {doc}>"), value)
                                                        for doc, value in orphans)
    return parts


def _canonical_row(table: str, columns: list[str], row: tuple, iri_of: dict[int, str]) -> tuple | None:
    if table == "meta" and (row[0] in _SKIPPED_META or row[0].startswith(_SKIPPED_META_PREFIXES)):
        return None
    values = []
    for column, value in zip(columns, row):
        if table in ("docs", "facet_values") and column == "id":
            continue
        if column == "doc":
            value = iri_of.get(value, f"<dangling doc {value}>")
        values.append(value)
    return tuple(values)


def rebuilt_snapshot(store: ClaimStore) -> Snapshot:
    """What a rebuild from the store's quads gives, computed in a scratch store."""
    scratch = ClaimStore()
    scratch.bulk_write(q for q in store.quads() if q.graph_name != derived.GRAPH_CHANGES)
    derived.rebuild(scratch)
    return snapshot(scratch)


def compare(store: ClaimStore, expected: Snapshot | None = None) -> list[Difference]:
    """How the store's derived data differs from a rebuild's (empty: in step)."""
    if not store.read_only:  # whole-store figures a small load left for the next read
        statistics.ensure_current(store)
    actual = snapshot(store)
    expected = rebuilt_snapshot(store) if expected is None else expected
    differences = []
    for part in sorted(set(actual) | set(expected)):
        have, want = actual.get(part, Counter()), expected.get(part, Counter())
        if have != want:
            differences.append(Difference(part, missing=sorted(map(str, (want - have).elements())),
                                          extra=sorted(map(str, (have - want).elements()))))
    return differences


__all__ = ["Difference", "compare", "rebuilt_snapshot", "snapshot"]
