"""The search index's documents, built from the store: claims, sources and concepts.

``search`` writes them into the index (graph/index/__init__.py) and keeps them in
step; this module says what each document holds: its title and body (the text
searched), its context line, its facets, and for a source what its one
description and the reference entries citing it say (``search_sources`` reduces
them). Matches are marked with private-use characters that never occur in
indexed text (``_OPEN``/``_CLOSE``; ``search_query`` turns them into ``<mark>``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Iterator

from pyoxigraph import NamedNode

from claimgraph.graph import queries
from claimgraph.graph.index import facets as facet_rows
from claimgraph.graph.index import search_sources
from claimgraph.graph.rdf import kinds
from claimgraph.graph.rdf.iris import GRAPH_CITED, GRAPH_SOURCES
from claimgraph.graph.rdf.namespaces import CG
from claimgraph.graph.resolution import identified
from claimgraph.graph.rules import evidence
from claimgraph.graph.store import ClaimStore, solution_rows

_COUNTED_FACETS = ("condition", "drug")  # claim facets concept_counts counts
DOC_TYPES = ("claim", "source", "concept")
SOURCE_KINDS = kinds.SLUG_BY_CLASS
CONCEPT_TYPES = {CG.Condition.value: "condition", CG.Drug.value: "drug"}
# Private-use characters mark matches inside snippets; never part of indexed text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_STRIP_MARKERS = str.maketrans("", "", _OPEN + _CLOSE)
_CONTROL_CHARACTERS = {code: " " for code in range(32)} | {127: " "}


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
    confirmed = identified(store, sources)  # references a reviewer identified as a record (graph/resolution)
    for iri in sources:
        if not search_sources.is_source(records.get(iri), articles.get(iri)):
            continue  # not (or no longer) a source: nothing to index
        row = search_sources.source_row(iri, records.get(iri), articles.get(iri))
        doc = _source_doc(row, sorted(cited_in.get(iri, [])))
        resolution = "resolved" if iri in confirmed else row["resolution"]
        if resolution:  # not a search facet (FACETS): home page counts
            doc.facets.append(("resolution", resolution, resolution))
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
    for version in sorted(change.superseded):
        facet_rows.remove(conn, [doc], ["article"], version)
    value_ids = facet_rows.ValueIds(conn)
    facet_rows.add(conn, value_ids, doc,
                   [("article", version, title) for version, title in sorted(change.added.get(iri, ()))])
    cited = conn.execute("SELECT 1 FROM doc_facets WHERE doc = ? AND facet = 'article' LIMIT 1", (doc,)).fetchone()
    state = "cited" if cited else "uncited"
    facet_rows.remove(conn, [doc], ["cited"])
    facet_rows.add(conn, value_ids, doc, [("cited", state, state)])
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

def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
