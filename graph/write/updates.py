"""Writes that do not come from input files: SPARQL Update and the Graph Store protocol.

Each one goes through the derived-data pipeline like a load does (``derived``):
a change note naming what it changes is written first, then the change, then
``catch_up`` brings search, lists, findings and statistics in step. Which graphs
an update changes is read from the update as parsed by a maintained SPARQL
parser (rdflib's), never from its text by hand; when that is not known (a
variable graph name, ``CLEAR ALL``, a text the parser cannot read) the note
says "everything" and the derived data is rebuilt.
"""

from __future__ import annotations

from typing import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad

from claimgraph.graph.index import derived
from claimgraph.graph.index import evidence_facts
from claimgraph.graph.queries import syntax as sparql_syntax
from claimgraph.graph.store import ClaimStore

DEFAULT = "default"  # the store's default graph, as a name in ``graphs_written``


def graphs_written(text: str, base_iri: str | None = None) -> set[str] | None:
    """The named graphs a SPARQL update writes to (``DEFAULT`` for the default graph),
    or None when the update does not say (or cannot be parsed here)."""
    from rdflib.term import URIRef

    try:  # parsed once for this and the endpoint's SERVICE check (sparql_syntax)
        operations = sparql_syntax.translated_update(text, base_iri).algebra
    except Exception:  # noqa: BLE001 - anything the parser cannot follow: not known
        return None
    graphs: set[str] = set()

    def template(block, default: str) -> bool:
        if block is None:
            return True
        for graph in (block.get("quads") or {}):
            if not isinstance(graph, URIRef):
                return False  # GRAPH ?g: any graph
            graphs.add(str(graph))
        if block.get("triples"):
            graphs.add(default)
        return True

    for op in operations:
        if op.name in ("InsertData", "DeleteData", "DeleteWhere"):
            if not template(op, DEFAULT):
                return None
        elif op.name == "Modify":
            default = str(op.withClause) if op.get("withClause") is not None else DEFAULT
            if not (template(op.get("delete"), default) and template(op.get("insert"), default)):
                return None
        elif op.name in ("Load", "Clear", "Drop", "Create"):
            target = op.get("graphiri")
            if target is None or target == "DEFAULT":
                graphs.add(DEFAULT)
            elif isinstance(target, URIRef):
                graphs.add(str(target))
            else:  # ALL, NAMED
                return None
        elif op.name in ("Add", "Move", "Copy"):
            names = op.get("graph") or []
            for i, name in enumerate(names):
                if op.name != "Move" and i == 0:
                    continue  # ADD and COPY only read their first graph
                graphs.add(str(name) if isinstance(name, URIRef) else DEFAULT)
        else:
            return None
    return graphs


def apply_update(store: ClaimStore, text: str, *, base_iri: str | None = None) -> None:
    """Run a SPARQL update and bring the derived data in step with it. Raises what the
    engine raises (SyntaxError, OSError); a failed update leaves no note behind."""
    notes = _notes_for(graphs_written(text, base_iri))
    store.write(notes)
    try:
        store.update(text, base_iri=base_iri)
    except BaseException:
        store.remove(notes)
        raise
    _refresh(store)


def put_graph(store: ClaimStore, graph: NamedNode | DefaultGraph, quads: Iterable[Quad], *,
              replace: bool) -> None:
    """Graph Store PUT (``replace``) or POST: the graph's new quads, derived data in step."""
    quads = list(quads)
    store.write(_notes_for({_name(graph)}))
    if replace:
        _drop(store, graph)
    store.write(quads)
    _refresh(store)


def delete_graph(store: ClaimStore, graph: NamedNode | DefaultGraph) -> None:
    store.write(_notes_for({_name(graph)}))
    _drop(store, graph)
    _refresh(store)


def _refresh(store: ClaimStore) -> None:
    # Article graphs may have been rewritten, not only added: what evidence_facts
    # remembers of their sources is read again.
    evidence_facts.forget(store, None)
    derived.catch_up(store)


def _name(graph) -> str:
    return DEFAULT if isinstance(graph, DefaultGraph) else graph.value


def _drop(store: ClaimStore, graph) -> None:
    if isinstance(graph, DefaultGraph):
        store.update("CLEAR SILENT DEFAULT")
    else:
        store.drop_graph(graph)


def _notes_for(graphs: set[str] | None) -> list[Quad]:
    """Article versions by themselves; any other graph (or not knowing) as everything."""
    if graphs is not None and all(derived.is_version(g) for g in graphs):
        return derived.note_quads(NamedNode(g) for g in sorted(graphs))
    return derived.note_quads(None)
