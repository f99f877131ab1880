"""Full-text search over claims, sources and concepts: an SQLite FTS5 index
kept in step with the store.

The index lives next to the RDF data (the search tables of ``<store>/index.sqlite``, graph/index.py; a temporary
file for an in-memory store). It is derived data: ``refresh(store, versions)``
runs after every load (see ``derived``) and indexes the claims of the versions
just written, drops those of versions they superseded and re-indexes the
sources they cite; ``versions=None`` rebuilds everything in one transaction, so
readers see the old index or the new one, never half of it.

Three kinds of documents: ``claim`` (the sentence), ``source`` (title, or what
the citing article says of an unidentified source) and ``concept`` (a condition
or drug with all its labels). Facets are rows of the view ``doc_facets(doc, facet, value,
label)``, written through ``facets.py``; a claim also carries the kinds and organisations of the sources it
cites, copied when either is written (``facets.inherit``), so a source
record loaded later shows in the claims' facets at once and a search counts
facets from one table (``search_query``, which asks the index: searching lives there).

The same tables feed the browser's cross-article lists (``page_lists``): a
claim's strongest evidence rank (``docs.rank``), the reference labels it cites
each source by (``cites.labels``), every article version with its recorded
claim counts (``versions``) and each source's resolution (a ``resolution``
facet). A load of source records only may fold source nodes and change
evidence levels, so it re-indexes every claim as well as every source.

Matches come back highlighted as ``markupsafe.Markup``: the stored text is
escaped first and only then are the match markers (private-use characters that
are stripped from every indexed text) turned into ``<mark>`` elements.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterable, Iterator

from pyoxigraph import NamedNode

from claimgraph.graph import index
from claimgraph.graph.index import facets as facet_rows
from claimgraph.graph.index.concept_lists import _file_claims, _refile_claims, _sync_broader, _unfile_claims
from claimgraph.graph.index.search_docs import (
    _COUNTED_FACETS, DOC_TYPES, _chunks, _CitersChange, _claim_docs, _concept_docs, _concept_labels, _Doc,
    _source_docs, _vocabulary_digest)
from claimgraph.graph.store import ClaimStore

_INHERITED_FACETS = ("kind", "organisation")  # source facets the claims citing a source carry too

# The index's file (graph/index.py); kept under these names for the modules that read it.
INDEX_FILE = index.INDEX_FILE
index_path = index.path


@contextmanager
def _connect(store: ClaimStore) -> Iterator[sqlite3.Connection]:
    """A connection to the derived index (graph/index.py), every table in place."""
    with index.connect(store) as conn:
        yield conn


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Keep the index in step after a load; ``versions=None`` rebuilds it all."""
    with _connect(store) as conn, conn:  # one transaction
        if versions is None or not _is_built(conn):
            _rebuild(store, conn)
        else:
            _update(store, conn, [v.value for v in versions])
        facet_rows.drop_unused(conn)
        _bump_generation(conn)


def ensure_index(store: ClaimStore) -> bool:
    """Build the index if this store has never had one (a store loaded before
    search existed, a fresh in-memory store, a new web node of a remote store).
    True if it was built now."""
    with _connect(store) as conn:
        built = _is_built(conn)
    if not built:
        refresh(store, None)
    return not built


def _is_built(conn: sqlite3.Connection) -> bool:
    return index.is_built(conn, "search")


def _bump_generation(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
                 "DO UPDATE SET value = CAST(value AS INTEGER) + 1")


def generation(store: ClaimStore) -> int:
    """Goes up on every refresh: a cheap key for caching what is derived from the store."""
    with _connect(store) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _rebuild(store: ClaimStore, conn: sqlite3.Connection) -> None:
    for table in ("docs", "docs_fts", "cites", "versions", "concept_counts", "broader",
                  "concept_claims", "pair_claims", "matrix_cells", "source_fields"):
        conn.execute(f"DELETE FROM {table}")  # table names are constants above
    facet_rows.clear(conn)
    _sync_broader(store, conn)
    labels = _concept_labels(store)
    _write(conn, _concept_docs(store))
    _write(conn, _claim_docs(store, None, labels))
    _write(conn, _source_docs(store, conn, None))
    _write_versions(conn, store.select("search-versions"))
    index.mark_built(conn, "search")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vocabulary', ?)",
                 (_vocabulary_digest(store),))


def _update(store: ClaimStore, conn: sqlite3.Connection, versions: list[str]) -> None:
    """What a load touched: the claims of its versions and of those they supersede,
    and the sources either cites. Nothing here reads every claim of the store, so
    the cost follows the load, not the store (a source-records-only load aside)."""
    digest = _vocabulary_digest(store)
    known = conn.execute("SELECT value FROM meta WHERE key = 'vocabulary'").fetchone()
    if known is None or known[0] != digest:
        _delete(conn, "type = 'concept'", ())
        _write(conn, _concept_docs(store))
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vocabulary', ?)", (digest,))
    if _sync_broader(store, conn):
        _refile_claims(conn)
    # Sources whose citing articles change: those of the superseded versions and the new ones.
    touched: set[str] = set()
    # Which of the superseded versions the index still holds as current: looked up one by
    # one (reading every current version was 44 ms at 10 000 articles, and grows).
    superseded = [row["version"] for row in store.select("search-superseded")
                  if _has_version(conn, row["version"], current=True)]
    for version in superseded:
        touched.update(_cited_by_version(conn, version))
        _delete(conn, "version = ?", (version,))
    conn.executemany("UPDATE versions SET current = 0 WHERE iri = ?", [(v,) for v in superseded])
    labels = _concept_labels(store)
    if versions:
        known = {v for v in versions if _has_version(conn, v)}
        reread: set[str] = set()  # sources a version loaded again cites, before or now
        citers: dict[str, set[tuple[str, str]]] = {}  # source -> (version, article) of the new claims
        for version in versions:
            cited: set[str] = set()
            if version in known:  # a version loaded again
                cited.update(_cited_by_version(conn, version))
                _delete(conn, "version = ?", (version,))
            docs = list(_claim_docs(store, version, labels))
            _write(conn, docs)
            for doc in docs:
                cited.update(doc.cites)
                for source in doc.cites:
                    citers.setdefault(source, set()).add((doc.version, doc.context))
            # and the sources its reference list names that no claim cites (still sources)
            cited.update(row["source"] for row in store.select("sources-in-version", version=NamedNode(version)))
            _write_versions(conn, store.select("search-versions", version=NamedNode(version)))
            touched |= cited
            if version in known:
                reread |= cited
        new = [v for v in dict.fromkeys(versions) if v not in known]
        _write(conn, _source_docs(store, conn, sorted(touched), new, reread,
                                  _CitersChange(citers, set(superseded))), replace=True)
    else:
        # Only source records changed: which sources is not known, so all of them; and
        # claims too, since folded source IRIs and new evidence levels reach every citer.
        _delete(conn, "type = 'claim'", ())
        _write(conn, _claim_docs(store, None, labels))
        _delete(conn, "type = 'source'", ())
        _write(conn, _source_docs(store, conn, None))


def _has_version(conn: sqlite3.Connection, version: str, *, current: bool = False) -> bool:
    sql = "SELECT 1 FROM versions WHERE iri = ?" + (" AND current = 1" if current else "")
    return conn.execute(sql, (version,)).fetchone() is not None


def _write_versions(conn: sqlite3.Connection, rows: list[dict]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO versions(iri, title, claims, uncited, current, number, loaded) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r["version"], r["title"], r["claims"], r["uncited"], r["current"], r["number"], r["loaded"])
         for r in rows if r["version"] is not None])


def _cited_by_version(conn: sqlite3.Connection, version: str) -> list[str]:
    # From the version's docs (docs_version), not a scan of cites, which has no version index.
    return [r[0] for r in conn.execute("SELECT DISTINCT c.source FROM docs d CROSS JOIN cites c ON c.doc = d.id "
                                       "WHERE d.version = ?", (version,))]


def _delete(conn: sqlite3.Connection, where: str, params: tuple) -> None:
    """Drop documents matching ``where`` (a constant SQL condition on docs)."""
    ids = [r[0] for r in conn.execute(f"SELECT id FROM docs WHERE {where}", params)]
    for chunk in _chunks(ids, 500):
        marks = ",".join("?" * len(chunk))
        named = conn.execute(
            f"SELECT f.value, COUNT(*) FROM doc_facets f JOIN docs d ON d.id = f.doc AND d.type = 'claim' "
            f"WHERE f.doc IN ({marks}) AND f.facet IN {_COUNTED_FACETS} GROUP BY f.value", chunk).fetchall()
        conn.executemany("UPDATE concept_counts SET claims = claims - ? WHERE concept = ?",
                         [(n, value) for value, n in named])
        _unfile_claims(conn, chunk)
        facet_rows.remove_all(conn, chunk)
        for table, column in (("docs_fts", "rowid"), ("cites", "doc"), ("docs", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
    conn.execute("DELETE FROM concept_counts WHERE claims <= 0")




def _write(conn: sqlite3.Connection, docs: Iterable[_Doc], *, replace: bool = False) -> None:
    claims: list[int] = []
    inheriting: set[int] = set()  # claims written, and claims citing a source written
    value_ids = facet_rows.ValueIds(conn)
    for doc in docs:
        passed_on = None  # the inherited facets a replaced source gave its citing claims
        if replace:
            if doc.type == "source":
                passed_on = _inherited_from(conn, doc.iri)
            _delete(conn, "iri = ?", (doc.iri,))
        cursor = conn.execute(
            "INSERT INTO docs(iri, type, version, title, body, context, position, rank) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.iri, doc.type, doc.version, doc.title, doc.body, doc.context, doc.position,
             doc.rank))
        doc_id = cursor.lastrowid
        conn.execute("INSERT INTO docs_fts(rowid, title, body) VALUES (?, ?, ?)",
                     (doc_id, doc.title, doc.body))
        facets = [("type", doc.type, doc.type)] + doc.facets
        if doc.type == "claim":
            claims.append(doc_id)
            inheriting.add(doc_id)
            conn.executemany(
                "INSERT INTO concept_counts(concept, kind, label, claims) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(concept) DO UPDATE SET claims = claims + 1, label = excluded.label",
                [(v, f, lab) for f, v, lab in dict.fromkeys(doc.facets) if f in _COUNTED_FACETS])
        facet_rows.add(conn, value_ids, doc_id, facets)
        conn.executemany(
            "INSERT INTO cites(doc, source, labels, context, version, position) VALUES (?, ?, ?, ?, ?, ?)",
            [(doc_id, s, " ".join(doc.cite_labels.get(s, ())) or None, doc.context, doc.version, doc.position)
             for s in dict.fromkeys(doc.cites)])
        # Claims citing a source inherit its kind and organisation again only when those
        # changed: a popular source's thousands of citers are otherwise rewritten each load.
        if doc.type == "source" and passed_on != {(f, v, lab) for f, v, lab in facets if f in _INHERITED_FACETS}:
            inheriting.update(r[0] for r in conn.execute("SELECT doc FROM cites WHERE source = ?", (doc.iri,)))
    for chunk in _chunks(claims, 500):
        _file_claims(conn, chunk)
    for chunk in _chunks(sorted(inheriting), 500):
        facet_rows.inherit(conn, chunk, _INHERITED_FACETS)


def _inherited_from(conn: sqlite3.Connection, source: str) -> set[tuple[str, str, str]] | None:
    """The kind and organisation facets of source ``source`` as indexed; None if it is not."""
    row = conn.execute("SELECT id FROM docs WHERE iri = ?", (source,)).fetchone()
    if row is None:
        return None
    return set(conn.execute(f"SELECT facet, value, label FROM doc_facets WHERE doc = ? AND facet IN {_INHERITED_FACETS}",
                            (row[0],)))


# -- agreement with the store ------------------------------------------------------------
def drift(store: ClaimStore) -> dict[str, dict[str, int]]:
    """Per document type, how many the store has, the index has, and how many are
    missing from or extra in the index. All zeros in 'missing'/'extra' = in step."""
    expected = {
        "claim": {row["claim"] for row in store.select("search-claims")},
        "source": {row["source"] for row in store.select("search-sources") if row["source"]},
        "concept": {row["concept"] for row in store.select("search-concepts")},
    }
    with _connect(store) as conn:
        indexed: dict[str, set[str]] = {t: set() for t in DOC_TYPES}
        for iri, kind in conn.execute("SELECT iri, type FROM docs"):
            indexed.setdefault(kind, set()).add(iri)
    return {kind: {"store": len(expected[kind]), "index": len(indexed.get(kind, ())),
                   "missing": len(expected[kind] - indexed.get(kind, set())),
                   "extra": len(indexed.get(kind, set()) - expected[kind])}
            for kind in DOC_TYPES}


def in_step(report: dict[str, dict[str, int]]) -> bool:
    return all(row["missing"] == 0 and row["extra"] == 0 for row in report.values())
