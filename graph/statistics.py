"""VoID statistics of the whole store, kept in their own graph.

Counted after every load (``refresh``, run by ``derived.refresh_all``) so that
the SPARQL service description only reads them: triples, distinct subjects and
objects, classes and properties with their partitions, and the triple count of
every named graph. The statistics graph leaves itself out of every count.

Shape (all IRIs under ``cgid:dataset``)::

    cgid:dataset a void:Dataset, sd:Dataset ;
        void:triples 1234 ; void:classes 20 ; void:properties 55 ;
        void:distinctSubjects … ; void:distinctObjects … ; dcterms:modified … ;
        void:classPartition [ void:class cg:Claim ; void:entities 12 ] ;
        void:propertyPartition [ void:property cito:cites ; void:triples 8 ] ;
        sd:defaultGraph cgid:dataset/default ;        # the union: same counts
        sd:namedGraph cgid:dataset/graph/<hash> .
    cgid:dataset/graph/<hash> a sd:NamedGraph ; sd:name <graph> ;
        sd:graph cgid:dataset/graph/<hash>/content .
    cgid:dataset/graph/<hash>/content a sd:Graph, void:Dataset ; void:triples 42 .
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from pyoxigraph import Literal, NamedNode, Quad

from .namespaces import DCTERMS, ID, RDF, SD, VOID, XSD
from .store import ClaimStore

GRAPH_STATISTICS = NamedNode(ID + "graph/statistics")
DATASET = NamedNode(ID + "dataset")
DEFAULT_GRAPH = NamedNode(ID + "dataset/default")


def _node(kind: str, iri: str) -> NamedNode:
    return NamedNode(f"{ID}dataset/{kind}/{hashlib.sha256(iri.encode()).hexdigest()[:16]}")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def compute(store: ClaimStore) -> list[Quad]:
    """The statistics graph's content, counted now."""
    graphs = store.select("statistics-graphs")
    classes = store.select("statistics-classes")
    properties = store.select("statistics-properties")
    entities = store.select("statistics-entities")[0]
    total = sum(row["triples"] for row in graphs)

    triples = []

    def add(s, p, o):
        triples.append((s, p, o))

    add(DATASET, RDF.type, VOID.Dataset)
    add(DATASET, RDF.type, SD.Dataset)
    add(DATASET, DCTERMS.modified, Literal(datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                           datatype=XSD.dateTime))
    for node in (DATASET, DEFAULT_GRAPH):
        add(node, VOID.triples, _integer(total))
        add(node, VOID.classes, _integer(len(classes)))
        add(node, VOID.properties, _integer(len(properties)))
        add(node, VOID.distinctSubjects, _integer(entities["subjects"] or 0))
        add(node, VOID.distinctObjects, _integer(entities["objects"] or 0))
    add(DATASET, SD.defaultGraph, DEFAULT_GRAPH)
    add(DEFAULT_GRAPH, RDF.type, SD.Graph)
    add(DEFAULT_GRAPH, RDF.type, VOID.Dataset)
    for row in classes:
        partition = _node("class", row["class"])
        add(DATASET, VOID.classPartition, partition)
        add(partition, VOID["class"], NamedNode(row["class"]))
        add(partition, VOID.entities, _integer(row["entities"]))
    for row in properties:
        partition = _node("property", row["property"])
        add(DATASET, VOID.propertyPartition, partition)
        add(partition, VOID.property, NamedNode(row["property"]))
        add(partition, VOID.triples, _integer(row["triples"]))
    for row in graphs:
        named = _node("graph", row["graph"])
        content = NamedNode(named.value + "/content")
        add(DATASET, SD.namedGraph, named)
        add(named, RDF.type, SD.NamedGraph)
        add(named, SD.name, NamedNode(row["graph"]))
        add(named, SD.graph, content)
        add(content, RDF.type, SD.Graph)
        add(content, RDF.type, VOID.Dataset)
        add(content, VOID.triples, _integer(row["triples"]))
    return [Quad(s, p, o, GRAPH_STATISTICS) for s, p, o in triples]


def refresh(store: ClaimStore, versions=None) -> None:
    """Recount everything: counts are whole-store figures, so ``versions`` does not narrow them."""
    store.replace_graph(GRAPH_STATISTICS, compute(store))


def is_computed(store: ClaimStore) -> bool:
    return store.has_graph(GRAPH_STATISTICS)
