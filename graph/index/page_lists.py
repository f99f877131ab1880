"""The browser's cross-article lists, read from the SQLite index ``search`` keeps
in step with every load, never from store-wide SPARQL.

A source cited by thousands of claims, a drug named across a whole corpus, the
home page's counts: over the RDF store each is a scan that grows with the store
(and with the copies a triple has across article graphs). The index already
holds every current claim with its article, position, evidence rank, the
sources it cites (with the reference labels) and the drugs and conditions it
names, and every article version with its recorded counts; these functions
only look rows up by indexed columns, page them and count them.

The index holds current article versions only: older versions are reached from
each article's version history, not from these lists.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from claimgraph.graph.read.pages import level_for_rank
from claimgraph.graph.index import facets
from claimgraph.graph.index.search import _connect, ensure_index
from claimgraph.graph.store import ClaimStore

RELATED_LIMIT = 50
# Related claims: how many claims each shared source or drug-condition pair may put
# forward, per related claim asked for.
RELATED_CANDIDATES_PER_LIMIT = 4
CONCEPT_FACETS = ("condition", "drug")


@dataclass
class Paged:
    """One page of a list, with how many there are in all."""
    total: int
    page: int
    per_page: int
    items: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    def as_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "pages": self.pages,
                "next_page": self.next_page, "previous_page": self.previous_page}


@contextmanager
def reading(store: ClaimStore) -> Iterator[sqlite3.Connection]:
    ensure_index(store)
    with _connect(store) as conn:
        yield conn


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _claim(row: sqlite3.Row) -> dict:
    return {"iri": row["iri"], "text": row["title"], "position": row["position"],
            "version": row["version"], "article_title": row["context"],
            "level": level_for_rank(row["rank"])}


def _by_article(claims: list[dict]) -> list[dict]:
    """Claims (already in article, position order) grouped under their article version."""
    articles: dict[str, dict] = {}
    for claim in claims:
        articles.setdefault(claim["version"], {"version": claim["version"], "title": claim["article_title"],
                                               "current": True, "claims": []})["claims"].append(claim)
    return list(articles.values())


def _offset(page: int, per_page: int) -> int:
    return (max(1, page) - 1) * per_page


# -- source page --------------------------------------------------------------------

def citing_claims(store: ClaimStore, source: str, *, page: int = 1, per_page: int = 50) -> Paged:
    """Current claims citing ``source``, in article-title then reading order; items are
    articles with their claims on this page, each claim with the labels it cites by.
    Read in that order from the index on cites, so a page costs its own rows."""
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        total = conn.execute("SELECT COUNT(*) FROM cites WHERE source = ?", (source,)).fetchone()[0]
        rows = conn.execute(
            "SELECT d.iri, d.title, d.position, d.version, d.context, d.rank, c.labels "
            "FROM (SELECT doc, labels FROM cites WHERE source = ? "
            "      ORDER BY context, version, position, doc LIMIT ? OFFSET ?) c "
            "JOIN docs d ON d.id = c.doc ORDER BY d.context, d.version, d.position, d.id",
            (source, per_page, _offset(page, per_page))).fetchall()
    claims = []
    for row in rows:
        claim = _claim(row)
        claim["labels"] = (row["labels"] or "").split()
        claim["label"] = claim["labels"][0] if claim["labels"] else None
        claims.append(claim)
    return Paged(total=total, page=max(1, page), per_page=per_page, items=_by_article(claims))


def citing_article_count(store: ClaimStore, source: str) -> int:
    with reading(store) as conn:
        return conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT context, version FROM cites "
                            "WHERE source = ?)", (source,)).fetchone()[0]


# -- claim page ---------------------------------------------------------------------

def related_claims(store: ClaimStore, claim: str, *, limit: int = RELATED_LIMIT) -> list[dict]:
    """Current claims resting on a source ``claim`` cites, or naming a drug and a
    condition it names together: most shared sources first, other articles before
    the claim's own, at most ``limit``. A claim of an older version (not in the
    index) has none.

    A source cited by tens of thousands of claims would make every one of them a
    candidate; each shared source and pair contributes at most
    ``RELATED_CANDIDATES_PER_LIMIT * limit`` of its claims (in the source page's
    order), whose shared sources and pairs are then counted in full."""
    cap = RELATED_CANDIDATES_PER_LIMIT * limit
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        own = conn.execute("SELECT id, version FROM docs WHERE iri = ? AND type = 'claim'", (claim,)).fetchone()
        if own is None:
            return []
        sources = [r[0] for r in conn.execute("SELECT source FROM cites WHERE doc = ?", (own["id"],))]
        pairs = [tuple(r) for r in conn.execute("SELECT drug, condition FROM pair_claims WHERE doc = ?",
                                                 (own["id"],))]
        candidates: set[int] = set()
        for source in sources:
            candidates.update(r[0] for r in conn.execute(
                "SELECT doc FROM cites WHERE source = ? AND doc != ? ORDER BY context, version, position, doc "
                "LIMIT ?", (source, own["id"], cap)))
        for drug, condition in pairs:
            candidates.update(r[0] for r in conn.execute(
                "SELECT doc FROM pair_claims WHERE drug = ? AND condition = ? AND doc != ? LIMIT ?",
                (drug, condition, own["id"], cap)))
        shared: dict[int, dict] = {doc: {"sources": [], "pairs": []} for doc in candidates}
        rows: list[sqlite3.Row] = []
        for chunk in _chunks(sorted(candidates), 500):
            marks = _marks(chunk)
            for doc, source in conn.execute(
                    f"SELECT doc, source FROM cites WHERE doc IN ({marks}) AND source IN ({_marks(sources)})",
                    [*chunk, *sources]):
                shared[doc]["sources"].append(source)
            for doc, drug, condition in conn.execute(
                    f"SELECT doc, drug, condition FROM pair_claims WHERE doc IN ({marks})", chunk):
                if (drug, condition) in pairs:
                    shared[doc]["pairs"].append({"drug": drug, "condition": condition})
            rows += conn.execute(f"SELECT id, iri, title, position, version, context, rank FROM docs "
                                 f"WHERE id IN ({marks})", chunk).fetchall()
    rows.sort(key=lambda r: (r["version"] == own["version"], -len(shared[r["id"]]["sources"]),
                             -len(shared[r["id"]]["pairs"]), r["context"], r["version"],
                             _nulls_first(r["position"])))
    entries = []
    for row in rows[:limit]:
        entry = _claim(row)
        entry.update(same_article=row["version"] == own["version"],
                     shared_sources=sorted(shared[row["id"]]["sources"]),
                     shared_concepts=sorted(shared[row["id"]]["pairs"],
                                            key=lambda p: (p["drug"], p["condition"])))
        entries.append(entry)
    return entries


def _nulls_first(value: int | None) -> tuple:
    return (0, 0) if value is None else (1, value)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- concept page -------------------------------------------------------------------
# Claims are filed under a concept and every broader one when indexed (search.py's
# concept_claims, pair_claims and matrix_cells), so these read one concept's rows.

def concept_and_narrower(store: ClaimStore, concept: str) -> list[str]:
    """The concept and every narrower one, from the index's copy of the hierarchy."""
    with reading(store) as conn:
        found = {r[0] for r in conn.execute("SELECT concept FROM broader WHERE ancestor = ?", (concept,))}
    return sorted(found | {concept})


def concept_claims(store: ClaimStore, concept: str, *, page: int = 1, per_page: int = 50) -> Paged:
    """Current claims naming ``concept`` or a narrower one, in article-title then
    reading order; items are articles with their claims on this page, each with the
    concepts it names them by (``via``: (iri, label) pairs)."""
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        total = conn.execute("SELECT COUNT(*) FROM concept_claims WHERE concept = ?", (concept,)).fetchone()[0]
        rows = conn.execute(
            "SELECT d.id, d.iri, d.title, d.position, d.version, d.context, d.rank "
            "FROM (SELECT doc FROM concept_claims WHERE concept = ? "
            "      ORDER BY context, version, position, doc LIMIT ? OFFSET ?) filed "
            "JOIN docs d ON d.id = filed.doc ORDER BY d.context, d.version, d.position, d.id",
            (concept, per_page, _offset(page, per_page))).fetchall()
        ids = [row["id"] for row in rows]
        named = conn.execute(
            f"SELECT f.doc, f.value, f.label FROM doc_facets f WHERE f.doc IN ({_marks(ids)}) "
            f"AND f.facet IN ('condition', 'drug') AND (f.value = ? OR f.value IN "
            f"(SELECT concept FROM broader WHERE ancestor = ?)) ORDER BY f.label, f.value",
            [*ids, concept, concept]).fetchall() if ids else []
    via: dict[int, list[tuple[str, str]]] = {}
    for doc, value, label in named:
        via.setdefault(doc, []).append((value, label))
    claims = []
    for row in rows:
        claim = _claim(row)
        claim["via"] = via.get(row["id"], [])
        claims.append(claim)
    return Paged(total=total, page=max(1, page), per_page=per_page, items=_by_article(claims))


def concepts_named(store: ClaimStore, concept: str) -> list[str]:
    """Which of ``concept`` and its narrower concepts current claims actually name."""
    with reading(store) as conn:
        rows = conn.execute(
            "SELECT n.concept FROM concept_counts n WHERE n.claims > 0 AND (n.concept = ? OR n.concept IN "
            "(SELECT concept FROM broader WHERE ancestor = ?)) ORDER BY n.concept", (concept, concept)).fetchall()
    return [r[0] for r in rows]


def evidence_cells(store: ClaimStore, concept: str) -> list[dict]:
    """Drug x condition pairs named together in current claims that name ``concept``
    or a narrower one: per pair, how many claims and the best (smallest) evidence rank."""
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(
            """SELECT cell.drug, drug.label AS drug_label, cell.condition, condition.label AS condition_label,
                      cell.claims, cell.best_rank
                 FROM (SELECT drug, condition, SUM(claims) AS claims, MIN(NULLIF(rank, 0)) AS best_rank
                         FROM matrix_cells WHERE concept = ? GROUP BY drug, condition) cell
                 LEFT JOIN concept_counts drug ON drug.concept = cell.drug
                 LEFT JOIN concept_counts condition ON condition.concept = cell.condition
                ORDER BY cell.claims DESC, drug_label, condition_label""", (concept,))]


# -- home page ----------------------------------------------------------------------

def home_lists(store: ClaimStore, *, top: int = 12) -> dict:
    """The home page's counts (as stats.rq counts them), sources by kind and the
    most-named conditions and drugs."""
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        versions = conn.execute(
            "SELECT COUNT(*) AS versions, COALESCE(SUM(current), 0) AS articles, "
            "COALESCE(SUM(CASE WHEN current THEN claims END), 0) AS claims, "
            "COALESCE(SUM(CASE WHEN current THEN uncited END), 0) AS uncited FROM versions").fetchone()
        sources = conn.execute(
            "SELECT COUNT(*) AS sources, "
            "COUNT(r.id) FILTER (WHERE r.value = 'unresolved') AS unresolved FROM docs d "
            f"{facets.left_join('r', 'd.id', 'resolution')} WHERE d.type = 'source'").fetchone()
        kinds = conn.execute(
            "SELECT k.value AS kind, COUNT(*) AS sources, "
            "COUNT(r.id) FILTER (WHERE r.value = 'resolved') AS resolved FROM docs d "
            f"{facets.left_join('k', 'd.id', 'kind')} {facets.left_join('r', 'd.id', 'resolution')} "
            "WHERE d.type = 'source' GROUP BY k.value ORDER BY sources DESC, kind").fetchall()
        named = {kind: conn.execute(
            "SELECT concept, label, claims FROM concept_counts WHERE kind = ? "
            "ORDER BY claims DESC, label LIMIT ?", (kind, top)).fetchall() for kind in CONCEPT_FACETS}
        distinct = {kind: conn.execute("SELECT COUNT(*) FROM concept_counts WHERE kind = ?",
                                       (kind,)).fetchone()[0] for kind in CONCEPT_FACETS}
    return {
        "counts": {"articles": versions["articles"], "versions": versions["versions"],
                   "claims": versions["claims"], "uncited_claims": versions["uncited"],
                   "sources": sources["sources"], "unresolved_sources": sources["unresolved"],
                   "conditions": distinct["condition"], "drugs": distinct["drug"]},
        "sources_by_kind": [dict(row) for row in kinds],
        "top_conditions": [dict(row) for row in named["condition"]],
        "top_drugs": [dict(row) for row in named["drug"]],
    }


def uncited_claims(store: ClaimStore) -> int:
    """How many claims of current article versions cite nothing (the counts their loads recorded)."""
    with reading(store) as conn:
        return conn.execute("SELECT COALESCE(SUM(uncited), 0) FROM versions WHERE current = 1").fetchone()[0]


# The article list's orders (name -> ORDER BY), each ending in the IRI so pages never overlap.
ARTICLE_ORDERS = {
    "recent": "loaded DESC, title, iri",  # as page-home-articles.rq, along versions_recent
    "title": "title COLLATE NOCASE, iri",
    "claims": "claims DESC, title COLLATE NOCASE, iri",
    "uncited": "uncited DESC, title COLLATE NOCASE, iri",
}


def articles_page(store: ClaimStore, *, order: str = "recent", contains: str = "", page: int = 1,
                  per_page: int = 50) -> Paged:
    """One page of the current article versions in ``order`` (a key of ARTICLE_ORDERS),
    those whose title contains ``contains`` (any case) when given; read from the
    page-list index's ``versions`` table."""
    order_by = ARTICLE_ORDERS[order]
    where, params = "current = 1 AND title IS NOT NULL", []
    if contains.strip():
        escaped = contains.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where += " AND title LIKE ? ESCAPE '\\'"
        params.append(f"%{escaped}%")
    page = max(1, page)
    with reading(store) as conn:
        conn.row_factory = sqlite3.Row
        total = conn.execute(f"SELECT COUNT(*) FROM versions WHERE {where}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT iri AS version, title, number, claims, uncited, loaded FROM versions WHERE {where} "
            f"ORDER BY {order_by} LIMIT ? OFFSET ?", (*params, per_page, _offset(page, per_page))).fetchall()
    return Paged(total=total, page=page, per_page=per_page, items=[dict(row) for row in rows])


def recent_articles(store: ClaimStore, limit: int = 50) -> list[dict]:
    """Current article versions, most recently loaded first (then by title), as
    page-home-articles.rq lists them; read along the versions_recent index."""
    return articles_page(store, per_page=limit).items


__all__ = ["Paged", "reading", "citing_claims", "citing_article_count", "related_claims", "concept_and_narrower",
           "concept_claims", "concepts_named", "evidence_cells", "home_lists", "articles_page", "ARTICLE_ORDERS", "recent_articles", "uncited_claims"]
