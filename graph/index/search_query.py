"""Answering searches over the full-text index that ``search`` writes.

A search runs in three steps on one connection:

1. The matching documents are computed once into a temporary table ``hits``
   (id, bm25 score): the FTS5 match (or, with no words, the documents of the
   first facet filter, or every document), narrowed by each other facet filter
   as an index probe per candidate, so the cost follows the matches, not the
   index.
2. The page: the score of the last hit on the page is found by sorting scores
   alone; only the hits up to that score are then joined to ``docs`` and sorted
   by (score, type, IRI), and only the page's hits get their matches marked.
3. Facet counts: one pass over the hits' rows of ``facet_rows`` (a claim's rows
   include the kinds and organisations of the sources it cites, copied at index
   time), grouped by value id, the join order forced: SQLite otherwise walks the
   whole table to save a sort. Beyond ``FACET_COUNT_LIMIT`` hits the counts are taken over the
   best-ranked that many (the first that many when browsing) and the result
   says so (``facets_counted``): counting every hit of a common word at 10 000
   articles takes most of a second.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


# Facets a search can be narrowed by, in the order the page shows them.
FACETS = ("type", "kind", "organisation", "level", "condition", "drug", "article", "cited")
FACET_TITLES = {"type": "Result type", "kind": "Source kind", "organisation": "Organisation",
                "level": "Evidence level", "condition": "Condition", "drug": "Drug",
                "article": "Article", "cited": "Citation"}

# How many hits facet counts are taken over at most (see the module comment).
FACET_COUNT_LIMIT = 2000
# A document has the value ``facet = value``.
_HAS_VALUE = "EXISTS (SELECT 1 FROM doc_facets o WHERE o.doc = {id} AND o.facet = ? AND o.value = ?)"


@dataclass
class Hit:
    iri: str
    type: str
    title: str  # plain text, each match between MATCH_OPEN and MATCH_CLOSE (web/ marks them up)
    snippet: str
    context: str | None
    score: float


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    query: str
    effective_query: str  # what FTS5 ran: the query, or its words quoted
    fell_back: bool  # the query was not valid FTS5 syntax
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    facets_counted: int = 0  # how many of the hits the facet counts cover (= total unless capped)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def facets_partial(self) -> bool:
        """The facet counts cover only the best-ranked ``facets_counted`` hits."""
        return self.facets_counted < self.total


def as_plain_words(query: str) -> str:
    """The query with every word quoted: each taken literally, all required.
    (One phrase of the whole query would demand the words be adjacent, so a
    stray operator such as ``AND (`` would then match nothing.)"""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def search(store, query: str, filters: dict[str, str] | None = None, *,
           page: int = 1, per_page: int = 20, facet_limit: int = 12) -> SearchResult:
    """Documents matching ``query`` (FTS5 syntax; anything that is not valid
    FTS5 is searched as plain words), narrowed by ``filters`` (facet -> value)."""
    ensure_index(store)
    # Control characters out first: FTS5 reads NUL as the end of the query, even quoted.
    query = " ".join(query.translate(_CONTROL_CHARACTERS).split())
    filters = {k: v for k, v in (filters or {}).items() if k in FACETS and v}
    page = max(1, page)
    with _connect(store) as conn:
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, score REAL NOT NULL)")
        try:
            return _run(conn, query, query, False, filters, page, per_page, facet_limit)
        except sqlite3.OperationalError:  # FTS5 syntax error in what the user typed
            return _run(conn, query, as_plain_words(query), True, filters, page, per_page, facet_limit)


def _run(conn: sqlite3.Connection, query: str, match: str, fell_back: bool,
         filters: dict[str, str], page: int, per_page: int, facet_limit: int) -> SearchResult:
    _collect_hits(conn, match if query else None, filters)
    total = conn.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
    offset = (page - 1) * per_page
    hits = (_ranked_page(conn, match, offset, per_page) if query
            else _browsed_page(conn, total, offset, per_page))
    counted = min(total, FACET_COUNT_LIMIT)
    facets = {}
    counts = _facet_counts(conn, bool(query), counted < total)
    for facet in FACETS:
        ranked = sorted(counts.get(facet, []), key=lambda row: (-row[2], row[1], row[0]))[:facet_limit]
        values = [FacetValue(v, lab, n, filters.get(facet) == v) for v, lab, n in ranked]
        if facet in filters and not any(v.selected for v in values):
            values.insert(0, FacetValue(filters[facet], filters[facet], 0, True))
        if values:
            facets[facet] = values
    return SearchResult(query=query, effective_query=match, fell_back=fell_back, total=total,
                        page=page, per_page=per_page, hits=hits, facets=facets,
                        facets_counted=counted)


def _collect_hits(conn: sqlite3.Connection, match: str | None, filters: dict[str, str]) -> None:
    """Fill ``hits`` with the documents matching ``match`` (None: any) and every filter."""
    pairs = sorted(filters.items())
    conn.execute("DELETE FROM hits")
    if match is not None:
        where = "".join(f" AND {_HAS_VALUE.format(id='docs_fts.rowid')}" for _ in pairs)
        conn.execute("INSERT INTO hits(id, score) SELECT rowid, bm25(docs_fts, 4.0, 1.0) FROM docs_fts "
                     f"WHERE docs_fts MATCH ?{where}", [match, *(p for pair in pairs for p in pair)])
    elif pairs:
        # Candidates: the documents with the first filter's value (an index range);
        # the other filters are probed on each.
        where = "".join(f" AND {_HAS_VALUE.format(id='m.doc')}" for _ in pairs[1:])
        conn.execute("INSERT OR IGNORE INTO hits(id, score) SELECT m.doc, 0 FROM doc_facets m "
                     f"WHERE m.facet = ? AND m.value = ?{where}", [p for pair in pairs for p in pair])
    else:
        conn.execute("INSERT INTO hits(id, score) SELECT id, 0 FROM docs")


def _ranked_page(conn: sqlite3.Connection, match: str, offset: int, per_page: int) -> list[Hit]:
    """Hits ``offset`` .. ``offset + per_page`` by (score, type, IRI), matches marked."""
    last = conn.execute("SELECT score FROM hits ORDER BY score LIMIT 1 OFFSET ?",
                        (offset + per_page - 1,)).fetchone()
    rows = conn.execute(
        "SELECT h.id, d.iri, d.type, d.body, d.context, h.score FROM hits h CROSS JOIN docs d ON d.id = h.id "
        "WHERE h.score <= ? ORDER BY h.score, d.type, d.iri LIMIT ? OFFSET ?",
        (last[0] if last else float("inf"), per_page, offset)).fetchall()
    hits = []
    for doc, iri, kind, body, context, score in rows:
        title, snippet = conn.execute(
            "SELECT highlight(docs_fts, 0, ?, ?), snippet(docs_fts, 1, ?, ?, '…', 24) FROM docs_fts "
            "WHERE docs_fts MATCH ? AND rowid = ?", (_OPEN, _CLOSE, _OPEN, _CLOSE, match, doc)).fetchone()
        hits.append(Hit(iri=iri, type=kind, title=title, snippet=_snippet(snippet, body),
                        context=context, score=score))
    return hits


def _browsed_page(conn: sqlite3.Connection, total: int, offset: int, per_page: int) -> list[Hit]:
    """Hits in reading order (type, article, position, title) when nothing was typed.

    Many hits: walk the documents in that order (index ``docs_browse``) until the
    page is filled, about (offset + per_page) * documents / hits steps. Few: sort them."""
    documents = conn.execute("SELECT COALESCE(MAX(id), 0) FROM docs").fetchone()[0]
    walk = total * total > (offset + per_page) * documents
    source = ("docs d INDEXED BY docs_browse CROSS JOIN hits h ON h.id = d.id" if walk
              else "hits h CROSS JOIN docs d ON d.id = h.id")
    rows = conn.execute(
        f"SELECT d.iri, d.type, d.title, d.body, d.context FROM {source} "
        "ORDER BY d.type, d.context, d.position, d.title, d.id LIMIT ? OFFSET ?",
        (per_page, offset)).fetchall()
    return [Hit(iri=iri, type=kind, title=title, snippet=_snippet("", body),
                context=context, score=0)
            for iri, kind, title, body, context in rows]


def _facet_counts(conn: sqlite3.Connection, ranked: bool, capped: bool) -> dict[str, list[tuple]]:
    """facet -> [(value, label, documents)] over the hits, or over the best-ranked
    (first, when browsing) ``FACET_COUNT_LIMIT`` of them when ``capped``."""
    counted = "hits"
    if capped:
        order = "score, id" if ranked else "id"
        counted = f"(SELECT id FROM hits ORDER BY {order} LIMIT {FACET_COUNT_LIMIT})"
    # Every facet row of the hits, counted per labelled value id (integers: half the time
    # of grouping the text), the labels joined to the counts afterwards. A value shown
    # under two labels (two sources naming one organisation differently) is two ids: its
    # documents are then counted once each by a second, small query.
    rows = conn.execute(
        f"SELECT v.facet, v.value, v.label, v.id, c.n FROM (SELECT f.value AS id, COUNT(*) AS n FROM {counted} h "
        "CROSS JOIN facet_rows f ON f.doc = h.id GROUP BY f.value) c CROSS JOIN facet_values v ON v.id = c.id"
    ).fetchall()
    merged: dict[tuple[str, str], list] = {}  # (facet, value) -> [label, documents, ids]
    for facet, value, label, value_id, n in rows:
        found = merged.get((facet, value))
        if found is None:
            merged[(facet, value)] = [label, n, [value_id]]
        else:
            found[0], found[2] = min(found[0], label), found[2] + [value_id]
    shared = [value_id for _label, _n, ids in merged.values() if len(ids) > 1 for value_id in ids]
    if shared:
        for facet, value, n in conn.execute(
                f"SELECT v.facet, v.value, COUNT(DISTINCT f.doc) FROM {counted} h CROSS JOIN facet_rows f "
                f"ON f.doc = h.id CROSS JOIN facet_values v ON v.id = f.value "
                f"WHERE f.value IN ({','.join('?' * len(shared))}) GROUP BY v.facet, v.value", shared):
            merged[(facet, value)][1] = n
    counts: dict[str, list[tuple]] = {}
    for (facet, value), (label, n, _ids) in merged.items():
        counts.setdefault(facet, []).append((value, label, n))
    return counts


def _snippet(snippet: str, body: str) -> str:
    if _OPEN in snippet:
        return snippet
    if not snippet and body:  # match in the title only: show the start of the body
        return body[:160] + ("…" if len(body) > 160 else "")
    return snippet



# Imported last: ``search`` re-exports this module's names at its own end, so either
# module may be imported first without meeting the other half-initialised.
from claimgraph.graph.index.search import _connect, ensure_index  # noqa: E402
from claimgraph.graph.index.search_docs import _CLOSE, _CONTROL_CHARACTERS, _OPEN  # noqa: E402

# Around each match in a hit's title and snippet; indexed text never holds them (search_docs).
MATCH_OPEN, MATCH_CLOSE = _OPEN, _CLOSE
