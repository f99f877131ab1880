"""VoID statistics of the whole store, kept in their own graph.

Counted after every load (``refresh``, run by ``derived.refresh_all``) so that
the SPARQL service description only reads them: triples, distinct subjects and
objects, classes and properties with their partitions, and the triple count of
every named graph. The statistics graph leaves itself out of every count.

Shape (all IRIs under ``cgid:dataset``)::

    cgid:dataset a void:Dataset, sd:Dataset ;
        cg:uncitedClaimCount 10 ;  # claims of current versions citing nothing (the audit's count)
        void:triples 1234 ; void:classes 20 ; void:properties 55 ;
        void:distinctSubjects … ; void:distinctObjects … ; dcterms:modified … ;
        void:classPartition [ void:class cg:Claim ; void:entities 12 ] ;
        void:propertyPartition [ void:property cito:cites ; void:triples 8 ] ;
        sd:defaultGraph cgid:dataset/default ;        # the union: same counts
        sd:namedGraph cgid:dataset/graph/<hash> .
    cgid:dataset/graph/<hash> a sd:NamedGraph ; sd:name <graph> ;
        sd:graph cgid:dataset/graph/<hash>/content .
    cgid:dataset/graph/<hash>/content a sd:Graph, void:Dataset ; void:triples 42 .

Counting the whole store after every load made adding one article cost a scan of
every quad. So a load that adds a few articles counts only the graphs it touched:

* **Additive figures** -- triples per named graph, total triples, triples per
  property -- are kept exactly: each graph's triple and per-property counts are
  remembered in the derived index (``<store>/index.sqlite``); recounting a graph swaps its old
  counts for its new ones in the totals (so recounting twice, after a killed load,
  changes nothing). One exception: the provenance graph grows with every load, so a
  small load leaves its count (and so the totals) to the next read, as below.
* **Figures that do not add up over graphs** -- distinct subjects and objects,
  entities per class (a source is typed again in every graph citing it) and the
  number of classes -- need a pass over the whole store. They are recounted when a
  load grows the store by a quarter or more (the pass is then paid for by the load)
  and otherwise marked stale and recounted on the next service-description read
  (``ensure_current``). Until then they are the last full count's.

In-memory and remote stores have no folder for the counts file: they are recounted
whole after every load, as they are small (tests) or count on the server.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph import index
from claimgraph.graph.rdf import iris
from claimgraph.graph.index import page_lists
from claimgraph.graph.rdf.namespaces import CG, DCTERMS, ID, RDF, SD, VOID, XSD
from claimgraph.graph.store import ClaimStore

GRAPH_STATISTICS = NamedNode(ID + "graph/statistics")
DATASET = NamedNode(ID + "dataset")
DEFAULT_GRAPH = NamedNode(ID + "dataset/default")
# Graphs that every article load may change besides the versions it writes.
_SHARED_GRAPHS = (iris.GRAPH_PROVENANCE, iris.GRAPH_SOURCES, iris.GRAPH_CITED,
                  NamedNode(ID + "graph/findings/sources"), NamedNode(ID + "graph/examples"),
                  NamedNode(ID + "graph/resolutions"))
# Graphs that grow with every load, whatever its size: the provenance graph (one
# activity per load; 110 000 triples, 73 ms to count, after 10 000 loads). A small
# load leaves their counts to the next read of the figures (``ensure_current``), with
# the whole-store ones, instead of paying a count that grows with the store.
_GROWING_GRAPHS = (iris.GRAPH_PROVENANCE, iris.GRAPH_CITED)  # the cited sources' descriptions grow too
# A load adding at least this share of the store's named graphs recounts the whole-store figures.
_EAGER_SHARE = 0.25

def _node(kind: str, iri: str) -> NamedNode:
    return NamedNode(f"{ID}dataset/{kind}/{hashlib.sha256(iri.encode()).hexdigest()[:16]}")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


# -- the statistics graph's statements -----------------------------------------------
def _dataset_triples(total: int, properties: dict[str, int], classes: dict[str, int],
                     subjects: int, objects: int, uncited: int) -> list[tuple]:
    """Everything about the dataset but its named graphs."""
    triples = [(DATASET, RDF.type, VOID.Dataset), (DATASET, RDF.type, SD.Dataset),
               # The uncited-claims audit's count, summed from what each load recorded (the
               # search index's versions table; statistics refresh after it).
               (DATASET, CG.uncitedClaimCount, _integer(uncited)),
               (DATASET, DCTERMS.modified, Literal(datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                                   datatype=XSD.dateTime))]
    for node in (DATASET, DEFAULT_GRAPH):
        triples += [(node, VOID.triples, _integer(total)), (node, VOID.classes, _integer(len(classes))),
                    (node, VOID.properties, _integer(len(properties))),
                    (node, VOID.distinctSubjects, _integer(subjects)),
                    (node, VOID.distinctObjects, _integer(objects))]
    triples += [(DATASET, SD.defaultGraph, DEFAULT_GRAPH), (DEFAULT_GRAPH, RDF.type, SD.Graph),
                (DEFAULT_GRAPH, RDF.type, VOID.Dataset)]
    for name, entities in sorted(classes.items()):
        partition = _node("class", name)
        triples += [(DATASET, VOID.classPartition, partition), (partition, VOID["class"], NamedNode(name)),
                    (partition, VOID.entities, _integer(entities))]
    for name, count in sorted(properties.items()):
        partition = _node("property", name)
        triples += [(DATASET, VOID.propertyPartition, partition), (partition, VOID.property, NamedNode(name)),
                    (partition, VOID.triples, _integer(count))]
    return triples


def _graph_triples(graph: str, count: int) -> list[tuple]:
    named = _node("graph", graph)
    content = NamedNode(named.value + "/content")
    return [(DATASET, SD.namedGraph, named), (named, RDF.type, SD.NamedGraph),
            (named, SD.name, NamedNode(graph)), (named, SD.graph, content),
            (content, RDF.type, SD.Graph), (content, RDF.type, VOID.Dataset),
            (content, VOID.triples, _integer(count))]


def _quads(triples: Iterable[tuple]) -> list[Quad]:
    return [Quad(s, p, o, GRAPH_STATISTICS) for s, p, o in triples]


# -- whole-store counts ------------------------------------------------------------------
def _whole_store_entities(store: ClaimStore) -> tuple[dict[str, int], int, int]:
    classes = {row["class"]: row["entities"] for row in store.select("statistics-classes")}
    entities = store.select("statistics-entities")[0]
    return classes, entities["subjects"] or 0, entities["objects"] or 0


def _graph_property_counts(store: ClaimStore) -> dict[str, Counter]:
    """Triples per property of every named graph, in one pass over the store."""
    counts: dict[str, Counter] = {}
    for row in store.select("statistics-graph-properties"):
        counts.setdefault(row["graph"], Counter())[row["property"]] = row["triples"]
    return counts


def compute(store: ClaimStore, per_graph: dict[str, Counter] | None = None) -> list[Quad]:
    """The statistics graph's content, all counted now."""
    per_graph = _graph_property_counts(store) if per_graph is None else per_graph
    properties: Counter = Counter()
    for counts in per_graph.values():
        properties.update(counts)
    classes, subjects, objects = _whole_store_entities(store)
    triples = _dataset_triples(sum(properties.values()), properties, classes, subjects, objects,
                               page_lists.uncited_claims(store))
    for graph in sorted(per_graph):
        triples += _graph_triples(graph, sum(per_graph[graph].values()))
    return _quads(triples)


# -- the counts file -----------------------------------------------------------------
@contextmanager
def _counts(store: ClaimStore) -> Iterator[sqlite3.Connection | None]:
    """The per-graph counts of an on-disk store (its statistics_* tables of the derived
    index, graph/index.py); None for in-memory and remote stores, counted whole."""
    path = getattr(store, "path", None)
    if path is None or not isinstance(store, ClaimStore) or store.read_only:
        yield None
        return
    with index.connect(store) as conn:
        yield conn


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    return index.get_meta(conn, f"statistics-{key}")


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    index.set_meta(conn, f"statistics-{key}", value)


def _count_graph(store: ClaimStore, graph: NamedNode) -> Counter:
    """Triples per property in one graph (a prefix scan of the graph index, counted
    by the engine without decoding the terms)."""
    return Counter({row["property"]: row["triples"] for row in store.select("statistics-graph-count", graph=graph)})


def _fill_counts(conn: sqlite3.Connection, per_graph: dict[str, Counter]) -> None:
    """Every graph's counts, from scratch (with a full recount)."""
    conn.execute("DELETE FROM statistics_graphs")
    conn.execute("DELETE FROM statistics_properties")
    totals: Counter = Counter()
    for graph, counts in per_graph.items():
        totals.update(counts)
    conn.executemany("INSERT INTO statistics_graphs(graph, triples, properties) VALUES (?, ?, ?)",
                     [(graph, sum(counts.values()), json.dumps(counts)) for graph, counts in per_graph.items()])
    conn.executemany("INSERT INTO statistics_properties(property, triples) VALUES (?, ?)", totals.items())
    _set_meta(conn, "built", "1")
    _set_meta(conn, "stale", "0")


def _recount_graphs(store: ClaimStore, conn: sqlite3.Connection,
                    graphs: Iterable[NamedNode]) -> dict[str, int]:
    """Swap each graph's remembered counts for new ones; returns the new triple counts
    (0 for a graph that is gone)."""
    delta: Counter = Counter()
    changed: dict[str, int] = {}
    for graph in dict.fromkeys(graphs):
        old = conn.execute("SELECT properties FROM statistics_graphs WHERE graph = ?", (graph.value,)).fetchone()
        if old is not None:
            delta.subtract(json.loads(old[0]))
        counts = _count_graph(store, graph)
        delta.update(counts)
        changed[graph.value] = total = sum(counts.values())
        if total:
            conn.execute("INSERT OR REPLACE INTO statistics_graphs(graph, triples, properties) VALUES (?, ?, ?)",
                         (graph.value, total, json.dumps(counts)))
        else:
            conn.execute("DELETE FROM statistics_graphs WHERE graph = ?", (graph.value,))
    for prop, change in delta.items():
        if change:
            conn.execute("INSERT INTO statistics_properties(property, triples) VALUES (?, ?) ON CONFLICT(property) "
                         "DO UPDATE SET triples = triples + excluded.triples", (prop, change))
    conn.execute("DELETE FROM statistics_properties WHERE triples <= 0")
    return changed


# -- refreshing ----------------------------------------------------------------------
def refresh(store: ClaimStore, versions: list[NamedNode] | None = None) -> None:
    """Recount after a load: the graphs of ``versions`` (None: everything)."""
    with _counts(store) as conn:
        if conn is None or versions is None or _meta(conn, "built") != "1" or not is_computed(store):
            per_graph = _graph_property_counts(store)
            store.replace_graph(GRAPH_STATISTICS, _with_stable_time(
                list(store.quads(graph=GRAPH_STATISTICS)), compute(store, per_graph)))
            if conn is not None:
                with conn:
                    _fill_counts(conn, per_graph)
            return
        _refresh_graphs(store, conn, versions)


def _touched_graphs(store: ClaimStore, conn: sqlite3.Connection,
                    versions: list[NamedNode]) -> list[NamedNode]:
    from claimgraph.graph.rules.findings import findings_graph  # late: findings imports much of the package

    touched = list(dict.fromkeys([*versions, *(findings_graph(v) for v in versions), *_SHARED_GRAPHS]))
    # Graphs written outside loads (reviews, user vocabulary) are counted once they appear,
    # and graphs that are gone are dropped. Listing every graph costs 90-440 ms at 20 000
    # graphs, so it is done only when the engine's count of graphs differs from the ones
    # known plus those this load created. (A graph dropped while another one appeared,
    # both outside loads, would go unseen; SPARQL updates recount everything anyway.)
    known = conn.execute("SELECT COUNT(*) FROM statistics_graphs").fetchone()[0]
    marks = ",".join("?" * len(touched))
    counted = {row[0] for row in conn.execute(f"SELECT graph FROM statistics_graphs WHERE graph IN ({marks})",
                                              [g.value for g in touched])}
    created = sum(1 for g in touched if g.value not in counted and store.has_graph(g))
    present = int(store.select("statistics-named-graph-count")[0]["graphs"])
    present -= 1 if store.has_graph(GRAPH_STATISTICS) else 0
    if present == known + created:
        return touched
    known_graphs = {row[0] for row in conn.execute("SELECT graph FROM statistics_graphs")}
    listed = {g.value for g in _list_graphs(store)} - {GRAPH_STATISTICS.value, iris.GRAPH_CHANGES.value}
    touched += [NamedNode(g) for g in sorted(listed - known_graphs)]
    touched += [NamedNode(g) for g in sorted(known_graphs - listed)]
    return touched


def _list_graphs(store: ClaimStore):
    return store.named_graphs()


def _refresh_graphs(store: ClaimStore, conn: sqlite3.Connection, versions: list[NamedNode]) -> None:
    with conn:
        graph_count = conn.execute("SELECT COUNT(*) FROM statistics_graphs").fetchone()[0]
        eager = len(versions) >= _EAGER_SHARE * max(graph_count, 1)  # graphs before this load
        touched = _touched_graphs(store, conn, versions)
        if not eager:
            touched = [g for g in touched if g not in _GROWING_GRAPHS]
        changed = _recount_graphs(store, conn, touched)
        _set_meta(conn, "stale", "0" if eager else "1")
    _write_dataset(store, conn, *_graph_node_changes(store, changed), recount_entities=eager)


def _graph_node_changes(store: ClaimStore, changed: dict[str, int]) -> tuple[list[Quad], list[tuple]]:
    """The named-graph nodes of the recounted graphs: their old quads and new triples."""
    old: list[Quad] = []
    new: list[tuple] = []
    for graph, count in changed.items():
        old += _graph_quads(store, graph)
        if count:
            new += _graph_triples(graph, count)
    return old, new


def _graph_quads(store: ClaimStore, graph: str) -> list[Quad]:
    named = _node("graph", graph)
    content = NamedNode(named.value + "/content")
    quads = [q for node in (named, content)
             for q in store.quads(node, None, None, GRAPH_STATISTICS)]
    return quads + list(store.quads(DATASET, SD.namedGraph, named, GRAPH_STATISTICS))


def _stored_entities(store: ClaimStore) -> tuple[dict[str, int], int, int]:
    """The whole-store figures of the last full count, read back from the graph."""
    classes = {}
    for link in store.quads(DATASET, VOID.classPartition, None, GRAPH_STATISTICS):
        partition = link.object
        name = next(store.quads(partition, VOID["class"], None, GRAPH_STATISTICS)).object
        entities = next(store.quads(partition, VOID.entities, None, GRAPH_STATISTICS)).object
        classes[name.value] = int(entities.value)

    def figure(predicate: NamedNode) -> int:
        found = list(store.quads(DATASET, predicate, None, GRAPH_STATISTICS))
        return int(found[0].object.value) if found else 0

    return classes, figure(VOID.distinctSubjects), figure(VOID.distinctObjects)


# What the dataset node says besides sd:namedGraph (one link per named graph: reading
# them all to drop them cost 0.28 s per load on 10 000 articles).
_DATASET_PREDICATES = (RDF.type, CG.uncitedClaimCount, DCTERMS.modified, VOID.triples, VOID.classes, VOID.properties,
                       VOID.distinctSubjects, VOID.distinctObjects, SD.defaultGraph, VOID.classPartition,
                       VOID.propertyPartition)


def _dataset_quads(store: ClaimStore) -> list[Quad]:
    """The dataset-level statements (not the named-graph nodes) now in the graph."""
    quads = [q for predicate in _DATASET_PREDICATES
             for q in store.quads(DATASET, predicate, None, GRAPH_STATISTICS)]
    quads += store.quads(DEFAULT_GRAPH, None, None, GRAPH_STATISTICS)
    for link in quads[:]:
        if link.predicate in (VOID.classPartition, VOID.propertyPartition):
            quads += store.quads(link.object, None, None, GRAPH_STATISTICS)
    return quads


def _write_dataset(store: ClaimStore, conn: sqlite3.Connection, old: list[Quad], new: list[tuple], *,
                   recount_entities: bool) -> None:
    """Swap the dataset-level statements (and the given graph nodes) for recounted ones."""
    properties = dict(conn.execute("SELECT property, triples FROM statistics_properties"))
    total = conn.execute("SELECT COALESCE(SUM(triples), 0) FROM statistics_graphs").fetchone()[0]
    entities = _whole_store_entities(store) if recount_entities else _stored_entities(store)
    old = old + _dataset_quads(store)
    # Two steps, not one transaction: derived data, and a killed load's pending note
    # makes the next load recount the same graphs.
    new_quads = _with_stable_time(old, _quads(_dataset_triples(total, properties, *entities,
                                                               page_lists.uncited_claims(store)) + new))
    for quad in old:
        store.remove([quad])
    store.write(new_quads)


def _with_stable_time(old: list[Quad], new: list[Quad]) -> list[Quad]:
    """``dcterms:modified`` says when the figures last changed: a recount that finds the
    same figures keeps it, so the statistics graph is a function of the store's data (a
    restored dump dumps to the same bytes)."""
    def is_time(quad: Quad) -> bool:
        return quad.subject == DATASET and quad.predicate == DCTERMS.modified

    kept = [q for q in old if is_time(q)][:1]
    if kept and {q for q in old if not is_time(q)} == {q for q in new if not is_time(q)}:
        return [q for q in new if not is_time(q)] + kept
    return new


_recounting = threading.Lock()  # one recount at a time when requests race for it


def ensure_current(store: ClaimStore) -> None:
    """Recount the whole-store figures if a load left them stale (before they are read)."""
    with _recounting, _counts(store) as conn:
        if conn is None or _meta(conn, "stale") != "1":
            return
        with conn:
            changed = _recount_graphs(store, conn, _GROWING_GRAPHS)
        _write_dataset(store, conn, *_graph_node_changes(store, changed), recount_entities=True)
        with conn:
            _set_meta(conn, "stale", "0")


def is_computed(store: ClaimStore) -> bool:
    return store.has_graph(GRAPH_STATISTICS)
