"""The store-wide findings lists: every finding of the current article versions (and
the probable duplicate sources), one list per finding code, kept in the SQLite
index beside ``search``'s tables by every load.

Over SPARQL a list page is an ORDER BY over every finding of the store (2.2 s for
the first 50 uncited claims of 10 000 articles); here a load copies the findings
it rebuilt into ``finding_rows``, already in list order (article title, version,
claim position, target), so a page is one index range read with LIMIT/OFFSET and
a total a COUNT over the range. A load costs its own findings graphs: the versions
it wrote, the rows of the versions it superseded dropped, and the (small)
duplicate-source graph read again.

Runs after ``search`` (derived.DERIVED_MODULES): which versions are current, their
titles and the claims' positions come from the tables ``search`` has just written.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from pyoxigraph import NamedNode

from claimgraph.graph import index
from claimgraph.graph.index import search
from claimgraph.graph.rules.findings import BY_CODE, GRAPH_SOURCE_FINDINGS, SEVERITY_NAMES, findings_graph
from claimgraph.graph.rdf.namespaces import CG, OA, RDF
from claimgraph.graph.index.page_lists import Paged
from claimgraph.graph.store import ClaimStore

_SINGLE_FIELDS = {CG.findingCode: "code", CG.severity: "severity", OA.bodyValue: "explanation",
                  CG.inArticle: "version"}


@contextmanager
def _connect(store: ClaimStore) -> Iterator[sqlite3.Connection]:
    """The derived index (graph/index.py; its finding_rows and finding_counts tables)."""
    with index.connect(store) as conn:
        yield conn


def _is_built(conn: sqlite3.Connection) -> bool:
    return index.is_built(conn, "finding-lists")


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Bring the lists in step with the findings graphs after a load (``versions``:
    the versions it wrote; None rebuilds every list)."""
    search.ensure_index(store)
    with _connect(store) as conn, conn:  # one transaction
        if versions is None or not _is_built(conn):
            _rebuild(store, conn)
            return
        # Versions a newer one superseded (search has marked them) leave the lists.
        _delete(conn, "version IN (SELECT iri FROM versions WHERE current = 0)", ())
        for version in dict.fromkeys(v.value for v in versions):
            graph = findings_graph(NamedNode(version)).value
            _delete(conn, "graph = ?", (graph,))
            if search._has_version(conn, version, current=True):
                _insert(conn, _graph_rows(store, NamedNode(graph)))
        _reread_source_findings(store, conn)


def ensure_built(store: ClaimStore) -> None:
    """Build the lists of a store loaded before they existed."""
    with _connect(store) as conn:
        built = _is_built(conn)
    if not built:
        refresh(store, None)


def _rebuild(store: ClaimStore, conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM finding_rows")
    conn.execute("DELETE FROM finding_counts")
    current = {row[0] for row in conn.execute("SELECT iri FROM versions WHERE current = 1")}
    wanted = {findings_graph(NamedNode(v)).value for v in current} | {GRAPH_SOURCE_FINDINGS.value}
    _insert(conn, [row for row in store.select("finding-list-rows") if row["graph"] in wanted])
    index.mark_built(conn, "finding-lists")


def _reread_source_findings(store: ClaimStore, conn: sqlite3.Connection) -> None:
    _delete(conn, "graph = ?", (GRAPH_SOURCE_FINDINGS.value,))
    _insert(conn, _graph_rows(store, GRAPH_SOURCE_FINDINGS))


def _graph_rows(store: ClaimStore, graph: NamedNode) -> list[dict]:
    """finding-list-rows.rq's rows for one findings graph, read as the graph's quads:
    with ``?graph`` bound the query still started from every finding of the store
    (60 ms at 10 000 articles); a graph's quads are one index range (under 1 ms)."""
    described: dict[str, dict] = {}
    for quad in store.quads(None, None, None, graph):
        entry = described.setdefault(quad.subject.value, {"types": set(), "targets": set()})
        predicate, value = quad.predicate, quad.object.value
        if predicate == RDF.type:
            entry["types"].add(value)
        elif predicate == OA.hasTarget:
            entry["targets"].add(value)
        elif predicate in _SINGLE_FIELDS:
            entry[_SINGLE_FIELDS[predicate]] = value
    return [{"graph": graph.value, "finding": finding, "code": entry["code"], "severity": entry["severity"],
             "target": target, "version": entry.get("version"), "explanation": entry["explanation"]}
            for finding, entry in described.items()
            if CG.Finding.value in entry["types"] and {"code", "severity", "explanation"} <= entry.keys()
            for target in sorted(entry["targets"])]


def _delete(conn: sqlite3.Connection, where: str, params: tuple) -> None:
    """Delete the rows ``where`` says (a constant of this module), counts kept."""
    gone = Counter(row[0] for row in conn.execute(f"DELETE FROM finding_rows WHERE {where} RETURNING code", params))
    _count(conn, {code: -n for code, n in gone.items()})


def _count(conn: sqlite3.Connection, change: dict[str, int]) -> None:
    conn.executemany("INSERT INTO finding_counts(code, findings) VALUES (?, ?) "
                     "ON CONFLICT(code) DO UPDATE SET findings = findings + excluded.findings",
                     sorted(change.items()))


def _insert(conn: sqlite3.Connection, rows: list[dict]) -> None:
    """Rows of finding-list-rows.rq (one per target) as one row per finding."""
    findings: dict[str, dict] = {}
    for row in rows:
        finding = findings.setdefault(row["finding"], {**row, "targets": set()})
        finding["targets"].add(row["target"])
    titles: dict[str, str | None] = {}
    records = []
    for iri, f in findings.items():
        targets = sorted(f["targets"])
        version = f["version"]
        if version is not None and version not in titles:
            found = conn.execute("SELECT title FROM versions WHERE iri = ?", (version,)).fetchone()
            titles[version] = found[0] if found else None
        position = conn.execute("SELECT position FROM docs WHERE iri = ? AND type = 'claim'",
                                (targets[0],)).fetchone()
        records.append((iri, f["graph"], f["code"], SEVERITY_NAMES.get(f["severity"], f["severity"]),
                        targets[0], " ".join(targets), version, titles.get(version),
                        position[0] if position else None, f["explanation"]))
    # Plain INSERT: the graph's rows were deleted first (REPLACE would hide a row
    # replaced from the counts).
    conn.executemany("INSERT INTO finding_rows(finding, graph, code, severity, target, targets, "
                     "version, title, position, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    _count(conn, Counter(record[2] for record in records))


# -- reading ------------------------------------------------------------------------

def finding_types(store: ClaimStore) -> dict[str, dict]:
    """code -> the finding type's term, label, comment and default severity (ontology)."""
    types = {}
    for row in store.select("finding-types"):
        types[row["code"]] = {"code": row["code"], "type": row["type"], "label": row["label"],
                              "comment": row["comment"],
                              "severity": SEVERITY_NAMES.get(row["severity"], row["severity"])}
    return types


def summary(store: ClaimStore) -> list[dict]:
    """Every finding type with how many findings the current versions have of it, in
    the ontology's order of codes (findings.FINDING_TYPES)."""
    ensure_built(store)
    with _connect(store) as conn:
        counts = dict(conn.execute("SELECT code, findings FROM finding_counts").fetchall())
    types = finding_types(store)
    return [{**types.get(code, {"code": code, "label": code, "comment": "", "severity": None}),
             "findings": counts.get(code, 0)} for code in BY_CODE]


def findings_page(store: ClaimStore, code: str, *, page: int = 1, per_page: int = 50) -> Paged:
    """One page of the list of ``code``: findings in article-title, version, claim
    position, target order; items are dicts with the finding, its targets, the
    version it is about (None for duplicate sources) and its explanation."""
    ensure_built(store)
    with _connect(store) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute("SELECT findings FROM finding_counts WHERE code = ?", (code,)).fetchone()
        total = found[0] if found else 0
        rows = conn.execute(
            "SELECT finding, code, severity, target, targets, version, title, position, explanation "
            "FROM finding_rows WHERE code = ? ORDER BY code, title, version, position, target, finding "
            "LIMIT ? OFFSET ?", (code, per_page, (max(1, page) - 1) * per_page)).fetchall()
    items = [{"finding": r["finding"], "code": r["code"], "severity": r["severity"], "target": r["target"],
              "targets": r["targets"].split(), "version": r["version"], "article_title": r["title"],
              "position": r["position"], "explanation": r["explanation"]} for r in rows]
    return Paged(total=total, page=max(1, page), per_page=per_page, items=items)


__all__ = ["refresh", "ensure_built", "finding_types", "summary", "findings_page"]
