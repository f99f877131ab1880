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
or drug with all its labels). Facets are rows of ``facets(doc, facet, value,
label)``; a claim also carries the kinds and organisations of the sources it
cites, copied when either is written (``_inherit_source_facets``), so a source
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
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from pyoxigraph import NamedNode

from claimgraph.graph.rdf import kinds
from claimgraph.graph.rules import evidence
from claimgraph.graph import index
from claimgraph.graph import queries
from claimgraph.graph.index import search_sources
from claimgraph.graph.rdf.iris import GRAPH_CITED, GRAPH_SOURCES
from claimgraph.graph.resolution import identified
from claimgraph.graph.rdf.namespaces import CG
from claimgraph.graph.store import ClaimStore, solution_rows

DOC_TYPES = ("claim", "source", "concept")
SOURCE_KINDS = kinds.SLUG_BY_CLASS
CONCEPT_TYPES = {CG.Condition.value: "condition", CG.Drug.value: "drug"}
# Facets a search can be narrowed by, in the order the page shows them.
FACETS = ("type", "kind", "organisation", "level", "condition", "drug", "article", "cited")
FACET_TITLES = {"type": "Result type", "kind": "Source kind", "organisation": "Organisation",
                "level": "Evidence level", "condition": "Condition", "drug": "Drug",
                "article": "Article", "cited": "Citation"}
# Private-use characters mark matches inside snippets; never part of indexed text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_STRIP_MARKERS = str.maketrans("", "", _OPEN + _CLOSE)
_CONTROL_CHARACTERS = {code: " " for code in range(32)} | {127: " "}

_COUNTED_FACETS = ("condition", "drug")  # claim facets concept_counts counts
_INHERITED_FACETS = ("kind", "organisation")  # source facets the claims citing a source carry too

# The index's file (graph/index.py); kept under these names for the modules that read it.
INDEX_FILE = index.INDEX_FILE
index_path = index.path


@contextmanager
def _connect(store: ClaimStore) -> Iterator[sqlite3.Connection]:
    """A connection to the derived index (graph/index.py), every table in place."""
    with index.connect(store) as conn:
        yield conn


def _clean(text: str | None) -> str:
    return " ".join((text or "").translate(_STRIP_MARKERS).split())


# -- writing the index ------------------------------------------------------------
@dataclass
class _Doc:
    iri: str
    type: str
    title: str
    body: str = ""
    version: str | None = None
    context: str | None = None  # what the result list shows under the title
    position: int | None = None
    rank: int | None = None  # claims: strongest evidence level
    facets: list[tuple[str, str, str]] = field(default_factory=list)  # (facet, value, label)
    cites: list[str] = field(default_factory=list)
    cite_labels: dict[str, list[str]] = field(default_factory=dict)  # source -> reference labels


def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Keep the index in step after a load; ``versions=None`` rebuilds it all."""
    with _connect(store) as conn, conn:  # one transaction
        if versions is None or not _is_built(conn):
            _rebuild(store, conn)
        else:
            _update(store, conn, [v.value for v in versions])
        _bump_generation(conn)


def ensure_index(store: ClaimStore) -> None:
    """Build the index if this store has never had one (a store loaded before
    search existed, or a fresh in-memory store)."""
    with _connect(store) as conn:
        built = _is_built(conn)
    if not built:
        refresh(store, None)


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
    for table in ("docs", "docs_fts", "facets", "cites", "versions", "concept_counts", "broader",
                  "concept_claims", "pair_claims", "matrix_cells", "source_fields"):
        conn.execute(f"DELETE FROM {table}")  # table names are constants above
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
            f"SELECT f.value, COUNT(*) FROM facets f JOIN docs d ON d.id = f.doc AND d.type = 'claim' "
            f"WHERE f.doc IN ({marks}) AND f.facet IN {_COUNTED_FACETS} GROUP BY f.value", chunk).fetchall()
        conn.executemany("UPDATE concept_counts SET claims = claims - ? WHERE concept = ?",
                         [(n, value) for value, n in named])
        _unfile_claims(conn, chunk)
        for table, column in (("docs_fts", "rowid"), ("facets", "doc"), ("cites", "doc"),
                              ("docs", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
    conn.execute("DELETE FROM concept_counts WHERE claims <= 0")


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write(conn: sqlite3.Connection, docs: Iterable[_Doc], *, replace: bool = False) -> None:
    claims: list[int] = []
    inheriting: set[int] = set()  # claims written, and claims citing a source written
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
        conn.executemany("INSERT INTO facets(doc, facet, value, label) VALUES (?, ?, ?, ?)",
                         [(doc_id, f, v, lab) for f, v, lab in dict.fromkeys(facets)])
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
        _inherit_source_facets(conn, chunk)


def _inherited_from(conn: sqlite3.Connection, source: str) -> set[tuple[str, str, str]] | None:
    """The kind and organisation facets of source ``source`` as indexed; None if it is not."""
    row = conn.execute("SELECT id FROM docs WHERE iri = ?", (source,)).fetchone()
    if row is None:
        return None
    return set(conn.execute(f"SELECT facet, value, label FROM facets WHERE doc = ? AND facet IN {_INHERITED_FACETS}",
                            (row[0],)))


def _inherit_source_facets(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Give claims ``ids`` the kinds and organisations of the sources they cite, as
    indexed now (claims have none of their own: these rows are all inherited)."""
    marks = ",".join("?" * len(ids))
    # CROSS JOIN fixes the join order: from the claims' own cites rows. Left to itself,
    # SQLite starts from every source's kind facet and reads every claim citing it.
    conn.execute(f"DELETE FROM facets WHERE doc IN ({marks}) AND facet IN {_INHERITED_FACETS}", ids)
    conn.execute(
        f"""INSERT INTO facets(doc, facet, value, label)
            SELECT DISTINCT c.doc, f.facet, f.value, f.label FROM cites c
              CROSS JOIN docs s ON s.iri = c.source
              CROSS JOIN facets f ON f.doc = s.id AND f.facet IN {_INHERITED_FACETS}
             WHERE c.doc IN ({marks})""", ids)


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
            WITH named AS (SELECT DISTINCT doc, value FROM facets
                            WHERE doc IN ({marks}) AND facet IN {_COUNTED_FACETS}),
                 filed AS (SELECT doc, value AS concept FROM named
                           UNION SELECT named.doc, b.ancestor FROM named JOIN broader b ON b.concept = named.value)
            SELECT filed.concept, filed.doc, d.context, d.version, d.position
              FROM filed JOIN docs d ON d.id = filed.doc""", ids)
    conn.execute(
        f"""INSERT INTO pair_claims(drug, condition, doc)
            SELECT DISTINCT drug.value, condition.value, drug.doc FROM facets drug
              JOIN facets condition ON condition.doc = drug.doc AND condition.facet = 'condition'
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


# -- documents from the store -----------------------------------------------------------
def _vocabulary_digest(store: ClaimStore) -> str:
    rows = store.select("search-vocabulary-digest")
    return rows[0]["digest"] if rows else ""


def _concept_labels(store: ClaimStore) -> dict[str, str]:
    return {row["concept"]: row["label"] or _local_name(row["concept"])
            for row in store.select("search-concepts")}


def _concept_docs(store: ClaimStore) -> Iterator[_Doc]:
    for row in store.select("search-concepts"):
        kind = CONCEPT_TYPES.get(row["type"], "concept")
        label = _clean(row["label"]) or _local_name(row["concept"])
        # GROUP_CONCAT's order is the engine's storage order, which differs between two
        # stores holding the same quads: sorted, so the index is a function of the data.
        alt = "; ".join(sorted(filter(None, (_clean(a) for a in (row["alt_labels"] or "").split("; ")))))
        yield _Doc(iri=row["concept"], type="concept", title=label,
                   body=" ".join(filter(None, [alt, " ".join(sorted(_clean(row["notations"]).split()))])),
                   context=f"{kind}" + (f" · also: {alt}" if alt else ""),
                   facets=[(kind, row["concept"], label)])


def _claim_docs(store: ClaimStore, version: str | None, labels: dict[str, str]) -> Iterator[_Doc]:
    bindings = {"version": NamedNode(version)} if version else {}
    links: dict[str, list[tuple[str, str]]] = {}
    link_rows = store.select("search-claim-links", **bindings)
    marker_rows = store.select("search-claim-markers", **bindings)
    # A reference a reviewer identified (graph/resolution) is indexed as citing the record.
    resolved = identified(store, {r["target"] for r in link_rows if r["link"] == "cites"})
    for row in link_rows:
        target = resolved.get(row["target"], row["target"]) if row["link"] == "cites" else row["target"]
        links.setdefault(row["claim"], []).append((row["link"], target))
    cite_labels: dict[str, dict[str, list[str]]] = {}
    for row in marker_rows:
        source = resolved.get(row["source"], row["source"])
        cite_labels.setdefault(row["claim"], {}).setdefault(source, []).append(str(row["label"]))
    for row in store.select("search-claims", **bindings):
        claim = row["claim"]
        article = _clean(row["article_title"]) or _local_name(row["version"])
        doc = _Doc(iri=claim, type="claim", title=_clean(row["text"]), version=row["version"],
                   context=article, position=row["position"])
        doc.facets.append(("article", row["version"], article))
        level = evidence.BY_IRI.get(row["level"] or "")
        if level is not None:
            doc.facets.append(("level", level.name, level.label))
            doc.rank = level.rank
        doc.cite_labels = {source: sorted(set(found), key=_label_order)
                           for source, found in cite_labels.get(claim, {}).items()}
        for link, target in sorted(links.get(claim, [])):
            if link == "cites":
                doc.cites.append(target)
            else:
                doc.facets.append((link, target, labels.get(target, _local_name(target))))
        doc.facets.append(("cited", "cited" if doc.cites else "uncited",
                           "cited" if doc.cites else "uncited"))
        yield doc


def _label_order(label: str) -> tuple:
    """Reference labels in reading order: 2 before 10."""
    return (0, int(label), "") if label.isdecimal() else (1, 0, label)


@dataclass
class _CitersChange:
    """What a load changed in who cites each source: the (version, article title) of
    its new claims by source, and the versions it superseded."""
    added: dict[str, set[tuple[str, str]]]
    superseded: set[str]


def _source_docs(store: ClaimStore, conn: sqlite3.Connection, sources: list[str] | None,
                 new_versions: list[str] = (), reread: set[str] = frozenset(),
                 change: _CitersChange | None = None) -> Iterator[_Doc]:
    """Source documents: of every source (``sources=None``), or of ``sources`` after a
    load that wrote ``new_versions`` (never indexed) and loaded again the versions
    citing ``reread``. What the articles say of a source is merged from the new
    versions' graphs into what the index kept (``source_fields``); only a source a
    re-loaded version cites is read from every graph again. The article versions
    citing each are read from the index's claims (written first).

    With ``change``, an indexed source whose description the load left as it was only
    has its citing-article facets patched (``_patch_citers``) instead of being written
    again: a document carries one facet per citing version, and rewriting a source
    cited by thousands made every new citer cost as much as all the earlier ones."""
    if sources is None:
        records, articles = search_sources.collect(store.select("search-source-fields"))
        sources = sorted(iri for iri in set(records) | set(articles)
                         if search_sources.is_source(records.get(iri), articles.get(iri)))
        conn.execute("DELETE FROM source_fields")
        changed = set(sources)
        citers = conn.execute("SELECT DISTINCT source, version, context FROM cites").fetchall()
    else:
        records, articles, changed = _described_sources(store, conn, sources, new_versions, reread)
        if change is not None:
            patched = {iri for iri in sources if iri not in changed
                       and search_sources.is_source(records.get(iri), articles.get(iri))
                       and _patch_citers(conn, iri, search_sources.source_row(iri, records.get(iri),
                                                                              articles.get(iri)), change)}
            sources = [iri for iri in sources if iri not in patched]
        citers = [row for iri in sources for row in conn.execute(
            "SELECT DISTINCT source, version, context FROM cites WHERE source = ?", (iri,))]
    conn.executemany("DELETE FROM source_fields WHERE source = ?", [(iri,) for iri in changed])
    conn.executemany("INSERT INTO source_fields(source, field, value) VALUES (?, ?, ?)",
                     [(iri, field, value) for iri in sorted(changed)
                      for field, values in articles.get(iri, {}).items() for value in values])
    cited_in: dict[str, list[tuple[str, str]]] = {}
    for source, version, title in citers:
        cited_in.setdefault(source, []).append((version, title))
    for iri in sources:
        if not search_sources.is_source(records.get(iri), articles.get(iri)):
            continue  # not (or no longer) a source: nothing to index
        row = search_sources.source_row(iri, records.get(iri), articles.get(iri))
        doc = _source_doc(row, sorted(cited_in.get(iri, [])))
        if row["resolution"]:  # not a search facet (FACETS): home page counts
            doc.facets.append(("resolution", row["resolution"], row["resolution"]))
        yield doc


def _patch_citers(conn: sqlite3.Connection, iri: str, row: dict, change: _CitersChange) -> bool:
    """Bring an indexed source document's citing-article facets (and its cited/uncited
    facet) in step with ``change``; False, touching nothing, when the document must be
    written whole instead: not indexed yet, or named after its first citing article
    (a source known only from a marker, whose title a new first citer changes)."""
    found = conn.execute("SELECT id FROM docs WHERE iri = ? AND type = 'source'", (iri,)).fetchone()
    if found is None or not (_clean(row["title"]) or _clean(row["entry"])):
        return False
    doc = found[0]
    conn.executemany("DELETE FROM facets WHERE doc = ? AND facet = 'article' AND value = ?",
                     [(doc, version) for version in sorted(change.superseded)])
    conn.executemany("INSERT INTO facets(doc, facet, value, label) SELECT ?, 'article', ?, ? WHERE NOT EXISTS "
                     "(SELECT 1 FROM facets WHERE doc = ? AND facet = 'article' AND value = ? AND label = ?)",
                     [(doc, version, title, doc, version, title) for version, title in sorted(change.added.get(iri, ()))])
    cited = conn.execute("SELECT 1 FROM facets WHERE doc = ? AND facet = 'article' LIMIT 1", (doc,)).fetchone()
    state = "cited" if cited else "uncited"
    conn.execute("DELETE FROM facets WHERE doc = ? AND facet = 'cited'", (doc,))
    conn.execute("INSERT INTO facets(doc, facet, value, label) VALUES (?, 'cited', ?, ?)", (doc, state, state))
    return True


def _described_sources(store: ClaimStore, conn: sqlite3.Connection, sources: list[str],
                       new_versions: list[str], reread: set[str]) -> tuple[dict, dict, set[str]]:
    """(records, articles, sources whose articles' description changed) for ``sources``:
    records read from the sources graph, one bound query each (a record is one graph);
    articles from the index merged with the new versions' graphs, a query per version
    (pyoxigraph reads a dataset of one graph quickly, where VALUES of graphs scan all)."""
    wanted = set(sources)
    records: dict[str, search_sources.Described] = {}
    articles: dict[str, search_sources.Described] = {}
    cited: dict[str, search_sources.Described] = {}  # the description a citing reference gave
    for iri in sources:
        if iri in reread:  # its versions' graphs were replaced: every graph again
            rows = store.select("search-source-fields", source=NamedNode(iri))
        else:
            rows = _rows_in(store, [GRAPH_SOURCES, GRAPH_CITED], source=NamedNode(iri))
        found_records, found_articles = search_sources.collect(rows)
        records.update(found_records)
        (articles if iri in reread else cited).update(found_articles)
    kept: dict[str, search_sources.Described] = {}
    for source, field, value in _source_fields(conn, [iri for iri in sources if iri not in reread]):
        kept.setdefault(source, {}).setdefault(field, set()).add(value)
    added: dict[str, search_sources.Described] = {}
    for version in new_versions:
        _, found = search_sources.collect(row for row in _rows_in(store, [NamedNode(version)])
                                          if row["source"] in wanted and row["source"] not in reread)
        for iri, described in found.items():
            added[iri] = search_sources.merged(added.get(iri), described)
    changed = set(reread)
    for iri in wanted - reread:
        articles[iri] = search_sources.merged(search_sources.merged(kept.get(iri), added.get(iri)), cited.get(iri))
        if articles[iri] != kept.get(iri, {}):
            changed.add(iri)
    return records, articles, changed


def _rows_in(store: ClaimStore, graphs: list[NamedNode], **bindings) -> list[dict]:
    """search-source-fields.rq over a dataset of these graphs only."""
    return solution_rows(store.query(queries.get("search-source-fields"), bindings=bindings,
                                     named_graphs=graphs))


def _source_fields(conn: sqlite3.Connection, sources: list[str]) -> Iterator[tuple[str, str, str]]:
    for chunk in _chunks(sources, 500):
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"SELECT source, field, value FROM source_fields WHERE source IN ({marks})", chunk)


def _source_doc(row: dict, citing: list[tuple[str, str]]) -> _Doc:
    kind = SOURCE_KINDS.get(row["kind"] or "")
    org = _clean(row["org_short"] or row["org_name"])
    title = source_title(row, citing[0][1] if citing else None)
    body = [row["entry"], row["org_name"], row["org_short"], row["journal"], row["authors"],
            row["doi"], row["pmid"], str(row["year"] or "") or None, row["basis"]]
    context = " · ".join(filter(None, [kind, org, row["journal"], str(row["year"] or "") or None]))
    doc = _Doc(iri=row["source"], type="source", title=title,
               body=_clean(" ".join(filter(None, body))), context=context or None)
    if kind:
        doc.facets.append(("kind", kind, kind))
    if row["org"]:
        doc.facets.append(("organisation", row["org"], org or _local_name(row["org"])))
    level = evidence.BY_IRI.get(row["level"] or "")
    if level is not None:
        doc.facets.append(("level", level.name, level.label))
    for version, article in citing:
        doc.facets.append(("article", version, article))
    doc.facets.append(("cited", "cited" if citing else "uncited", "cited" if citing else "uncited"))
    return doc


def source_title(row: dict, article: str | None = None) -> str:
    """A row of search-sources.rq named for people: its title, else its reference
    entry, else what is known of it (see ``source_fallback_title``)."""
    org = _clean(row["org_short"] or row["org_name"])
    return _clean(row["title"]) or _clean(row["entry"]) or source_fallback_title(
        SOURCE_KINDS.get(row["kind"] or ""), org or None, row["label"], article)


def source_fallback_title(kind: str | None, organisation: str | None, label: str | None,
                          article: str | None) -> str:
    """How to name a source known only from a marker: '[1] guideline (ASCO) cited in “…”'."""
    parts = [f"[{label}]" if label else None, kind or "source",
             f"({organisation})" if organisation else None]
    text = " ".join(filter(None, parts))
    return f"{text} cited in “{article}”" if article else text


def _local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


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
