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

from pyoxigraph import NamedNode

from .pages import level_for_rank
from .search import _connect, ensure_index
from .store import ClaimStore

RELATED_LIMIT = 50
CONCEPT_FACETS = ("condition", "drug")
# Claims naming any of a list of concepts (placeholders added per call). A concept's
# own search document carries its kind as a facet too, hence the join on claims.
_CLAIMS_NAMING = ("SELECT f.doc FROM facets f JOIN docs named ON named.id = f.doc AND named.type = 'claim' "
                  "WHERE f.facet IN ('condition', 'drug') AND f.value IN ({})")


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
def _reading(store: ClaimStore) -> Iterator[sqlite3.Connection]:
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
    articles with their claims on this page, each claim with the labels it cites by."""
    with _reading(store) as conn:
        conn.row_factory = sqlite3.Row
        total = conn.execute("SELECT COUNT(DISTINCT doc) FROM cites WHERE source = ?", (source,)).fetchone()[0]
        rows = conn.execute(
            "SELECT d.iri, d.title, d.position, d.version, d.context, d.rank, c.labels "
            "FROM cites c JOIN docs d ON d.id = c.doc WHERE c.source = ? "
            "ORDER BY d.context, d.version, d.position LIMIT ? OFFSET ?",
            (source, per_page, _offset(page, per_page))).fetchall()
    claims = []
    for row in rows:
        claim = _claim(row)
        claim["labels"] = (row["labels"] or "").split()
        claim["label"] = claim["labels"][0] if claim["labels"] else None
        claims.append(claim)
    return Paged(total=total, page=max(1, page), per_page=per_page, items=_by_article(claims))


def citing_article_count(store: ClaimStore, source: str) -> int:
    with _reading(store) as conn:
        return conn.execute("SELECT COUNT(DISTINCT d.version) FROM cites c JOIN docs d ON d.id = c.doc "
                            "WHERE c.source = ?", (source,)).fetchone()[0]


# -- claim page ---------------------------------------------------------------------

# Other claims sharing something with the claim :doc, one row per thing shared:
# ("source", the source both cite, NULL) or ("concepts", a drug, a condition) both name together.
_SHARED_WITH_CLAIM = """
    SELECT other.doc AS doc, 'source' AS reason, other.source AS via, NULL AS via_condition
      FROM cites mine JOIN cites other ON other.source = mine.source
     WHERE mine.doc = :doc AND other.doc != :doc
    UNION
    SELECT other_drug.doc, 'concepts', other_drug.value, other_condition.value
      FROM facets my_drug
      JOIN facets my_condition ON my_condition.doc = my_drug.doc AND my_condition.facet = 'condition'
      JOIN facets other_drug ON other_drug.facet = 'drug' AND other_drug.value = my_drug.value
      JOIN facets other_condition ON other_condition.doc = other_drug.doc
           AND other_condition.facet = 'condition' AND other_condition.value = my_condition.value
      JOIN docs other ON other.id = other_drug.doc AND other.type = 'claim'
     WHERE my_drug.doc = :doc AND my_drug.facet = 'drug' AND other_drug.doc != :doc"""

def related_claims(store: ClaimStore, claim: str, *, limit: int = RELATED_LIMIT) -> list[dict]:
    """Current claims resting on a source ``claim`` cites, or naming a drug and a
    condition it names together: most shared sources first, other articles before
    the claim's own, at most ``limit``. A claim of an older version (not in the
    index) has none."""
    with _reading(store) as conn:
        conn.row_factory = sqlite3.Row
        own = conn.execute("SELECT id, version FROM docs WHERE iri = ? AND type = 'claim'", (claim,)).fetchone()
        if own is None:
            return []
        rows = conn.execute(
            f"""WITH shared AS MATERIALIZED ({_SHARED_WITH_CLAIM}),
                    ranked AS (SELECT doc, SUM(reason = 'source') AS sources,
                                      SUM(reason = 'concepts') AS pairs FROM shared GROUP BY doc),
                    top AS (SELECT d.id, d.iri, d.title, d.position, d.version, d.context, d.rank,
                                   ROW_NUMBER() OVER (ORDER BY d.version = :version, r.sources DESC,
                                       r.pairs DESC, d.context, d.version, d.position) AS ordinal
                              FROM ranked r JOIN docs d ON d.id = r.doc ORDER BY ordinal LIMIT :limit)
               SELECT top.*, s.reason, s.via, s.via_condition FROM top JOIN shared s ON s.doc = top.id
                ORDER BY top.ordinal, s.reason, s.via, s.via_condition""",
            {"doc": own["id"], "version": own["version"], "limit": limit}).fetchall()
    entries: dict[int, dict] = {}
    for row in rows:
        entry = entries.get(row["id"])
        if entry is None:
            entry = entries[row["id"]] = _claim(row)
            entry.update(same_article=row["version"] == own["version"], shared_sources=[], shared_concepts=[])
        if row["reason"] == "source":
            entry["shared_sources"].append(row["via"])
        else:
            entry["shared_concepts"].append({"drug": row["via"], "condition": row["via_condition"]})
    return list(entries.values())


# -- concept page -------------------------------------------------------------------

def concept_and_narrower(store: ClaimStore, concept: str) -> list[str]:
    """The concept and every narrower one, from the (small) vocabulary hierarchy."""
    found = {row["narrower"] for row in store.select("concept-narrower", concept=NamedNode(concept))}
    return sorted(found | {concept})


def concept_claims(store: ClaimStore, concepts: list[str], *, page: int = 1, per_page: int = 50) -> Paged:
    """Current claims naming any of ``concepts``, in article-title then reading order;
    items are articles with their claims on this page, each with the concepts
    it names them by (``via``: (iri, label) pairs)."""
    naming = _CLAIMS_NAMING.format(_marks(concepts))
    with _reading(store) as conn:
        conn.row_factory = sqlite3.Row
        total = conn.execute(f"SELECT COUNT(DISTINCT doc) FROM ({naming})", concepts).fetchone()[0]
        rows = conn.execute(
            f"SELECT d.id, d.iri, d.title, d.position, d.version, d.context, d.rank FROM docs d "
            f"WHERE d.id IN ({naming}) ORDER BY d.context, d.version, d.position LIMIT ? OFFSET ?",
            [*concepts, per_page, _offset(page, per_page)]).fetchall()
        ids = [row["id"] for row in rows]
        named = conn.execute(
            f"SELECT f.doc, f.value, f.label FROM facets f WHERE f.facet IN ('condition', 'drug') "
            f"AND f.value IN ({_marks(concepts)}) AND f.doc IN ({_marks(ids)}) ORDER BY f.label, f.value",
            [*concepts, *ids]).fetchall() if ids else []
    via: dict[int, list[tuple[str, str]]] = {}
    for doc, value, label in named:
        via.setdefault(doc, []).append((value, label))
    claims = []
    for row in rows:
        claim = _claim(row)
        claim["via"] = via.get(row["id"], [])
        claims.append(claim)
    return Paged(total=total, page=max(1, page), per_page=per_page, items=_by_article(claims))


def concepts_named(store: ClaimStore, concepts: list[str]) -> list[str]:
    """Which of ``concepts`` current claims actually name."""
    with _reading(store) as conn:
        rows = conn.execute(f"SELECT DISTINCT f.value FROM facets f WHERE f.doc IN "
                            f"({_CLAIMS_NAMING.format(_marks(concepts))}) AND f.facet IN ('condition', 'drug') "
                            f"AND f.value IN ({_marks(concepts)}) ORDER BY f.value",
                            [*concepts, *concepts]).fetchall()
    return [r[0] for r in rows]


def evidence_cells(store: ClaimStore, concepts: list[str]) -> list[dict]:
    """Drug x condition pairs named together in current claims that name any of
    ``concepts``: per pair, how many claims and the best (smallest) evidence rank."""
    with _reading(store) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(
            f"""SELECT drug.value AS drug, drug.label AS drug_label,
                       condition.value AS condition, condition.label AS condition_label,
                       COUNT(DISTINCT d.id) AS claims, MIN(d.rank) AS best_rank
                  FROM docs d
                  JOIN facets drug ON drug.doc = d.id AND drug.facet = 'drug'
                  JOIN facets condition ON condition.doc = d.id AND condition.facet = 'condition'
                 WHERE d.id IN ({_CLAIMS_NAMING.format(_marks(concepts))})
                 GROUP BY drug.value, condition.value
                 ORDER BY claims DESC, drug.label, condition.label""", concepts)]


# -- home page ----------------------------------------------------------------------

def home_lists(store: ClaimStore, *, top: int = 12) -> dict:
    """The home page's counts (as stats.rq counts them), sources by kind and the
    most-named conditions and drugs."""
    with _reading(store) as conn:
        conn.row_factory = sqlite3.Row
        versions = conn.execute(
            "SELECT COUNT(*) AS versions, COALESCE(SUM(current), 0) AS articles, "
            "COALESCE(SUM(CASE WHEN current THEN claims END), 0) AS claims, "
            "COALESCE(SUM(CASE WHEN current THEN uncited END), 0) AS uncited FROM versions").fetchone()
        sources = conn.execute(
            "SELECT COUNT(*) AS sources, "
            "COUNT(r.doc) FILTER (WHERE r.value = 'unresolved') AS unresolved FROM docs d "
            "LEFT JOIN facets r ON r.doc = d.id AND r.facet = 'resolution' WHERE d.type = 'source'").fetchone()
        kinds = conn.execute(
            "SELECT k.value AS kind, COUNT(*) AS sources, "
            "COUNT(r.doc) FILTER (WHERE r.value = 'resolved') AS resolved FROM docs d "
            "LEFT JOIN facets k ON k.doc = d.id AND k.facet = 'kind' "
            "LEFT JOIN facets r ON r.doc = d.id AND r.facet = 'resolution' "
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


__all__ = ["Paged", "citing_claims", "citing_article_count", "related_claims", "concept_and_narrower",
           "concept_claims", "concepts_named", "evidence_cells", "home_lists"]
