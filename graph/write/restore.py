"""RDF files in: a claimgraph dump restored whole, or a user's own RDF into a named graph;
and ``upgrade``, which brings a store of an older release to this one's model.

``restore`` takes what ``claimgraph export dump`` wrote (N-Quads or TriG) into an
empty store (or, with ``replace``, in place of what a store holds, after the file
was read through once without error) with the engine's bulk loader, then
rebuilds every derived table from it. On a disk store, dump -> restore -> dump
gives the same bytes: the engine writes quads in the order of its indexes, and
everything claimgraph derives is a function of the store.

``import_rdf`` reads a plain RDF file (Turtle, N-Triples, N-Quads, TriG, RDF/XML,
JSON-LD) into one named graph -- ``graph``, or one named after the file's content --
replacing what that graph held, so loading the same file again changes nothing.
A file holding claimgraph's own graphs is a dump, and is refused with the command
that restores it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse

from claimgraph.graph.index import derived
from claimgraph.graph.rdf import iris
from claimgraph.graph.rdf.namespaces import ID
from claimgraph.graph.store import ClaimStore

# Suffix -> format; what `load` sends here instead of to the loaders.
RDF_SUFFIXES = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS,
                ".nquads": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML,
                ".owl": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD, ".n3": RdfFormat.N3}
DUMP_FORMATS = (RdfFormat.N_QUADS, RdfFormat.TRIG)
# Graphs every claimgraph store holds from its first open: a store with only these is empty.
_STATIC_GRAPHS = {iris.GRAPH_ONTOLOGY.value, iris.GRAPH_VOCABULARY.value}


class RestoreError(ValueError):
    """The file cannot be restored or imported; the message names the file and place."""


@dataclass
class ImportOutcome:
    path: str
    format: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples written


def rdf_format(path: str | Path) -> RdfFormat | None:
    return RDF_SUFFIXES.get(Path(path).suffix.lower())


def is_empty(store: ClaimStore) -> bool:
    """Nothing but the bundled ontology and vocabulary."""
    if next(iter(store.quads(graph=DefaultGraph())), None) is not None:
        return False
    return all(g.value in _STATIC_GRAPHS for g in store.named_graphs())


def restore(store: ClaimStore, path: str | Path, *, replace: bool = False) -> int:
    """Restore a claimgraph dump; returns the number of quads in the store after it."""
    path = Path(path)
    fmt = rdf_format(path)
    if fmt not in DUMP_FORMATS:
        raise RestoreError(f"{path}: a dump is N-Quads (.nq) or TriG (.trig), as `claimgraph export dump` "
                           "writes it")
    if not is_empty(store) and not replace:
        raise RestoreError(f"{path}: the store is not empty; restore into a new --store, or give --replace "
                           "to put the dump in place of what it holds")
    _read_through(path, fmt)  # a broken file is found before anything is replaced
    store.clear()
    store.bulk_load(path, fmt)
    store.ensure_static_graphs()  # a dump of an older release gets this release's ontology
    derived.rebuild(store)
    store.flush()
    return len(store)


def _read_through(path: Path, fmt: RdfFormat) -> int:
    count = 0
    try:
        with open(path, "rb") as handle:
            for _ in parse(handle, format=fmt):
                count += 1
    except SyntaxError as exc:
        raise RestoreError(f"{path}: {exc}") from None
    return count


def upgrade(store: ClaimStore) -> bool:
    """Bring a store written by an older claimgraph to this release's model: sources
    described once (``queries/upgrade-sources-once.rq``), every derived table rebuilt.
    True if anything changed; running it again changes nothing."""
    from claimgraph.graph import queries

    before = len(store)
    store.write(derived.note_quads(None))
    store.update(queries.get("upgrade-sources-once"))
    store.ensure_static_graphs()
    derived.catch_up(store)
    store.flush()
    return len(store) != before


def file_graph(path: str | Path, content_sha256: str) -> NamedNode:
    """The graph a user's RDF file goes to by default: named after its name and content."""
    return NamedNode(f"{ID}graph/file/{iris.slugify(Path(path).stem, 32)}-{content_sha256[:12]}")


def import_rdf(store: ClaimStore, path: str | Path, graph: str | None = None) -> ImportOutcome:
    """Read a plain RDF file into one named graph (triples and quads alike)."""
    path = Path(path)
    fmt = rdf_format(path)
    if fmt is None:
        raise RestoreError(f"{path}: not an RDF file by its name ({', '.join(sorted(RDF_SUFFIXES))})")
    data = path.read_bytes()
    target = NamedNode(graph) if graph else file_graph(path, hashlib.sha256(data).hexdigest())
    try:
        quads = [Quad(q.subject, q.predicate, q.object, target)
                 for q in _checked(parse(data, format=fmt, base_iri=path.resolve().as_uri()), path)]
    except SyntaxError as exc:
        raise RestoreError(f"{path}: {exc}") from None
    if target.value.startswith(str(ID)) and not target.value.startswith(f"{ID}graph/file/"):
        raise RestoreError(f"{path}: {target.value} is one of claimgraph's own graphs; name another with --graph")
    store.write(derived.note_quads(None))  # user data may add concepts, sources, anything
    store.drop_graph(target)  # loading the file again replaces, never duplicates
    store.write(quads)
    derived.catch_up(store)
    return ImportOutcome(str(path), fmt.name, {target.value: len(quads)})


def _checked(quads, path: Path):
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, NamedNode) and (name.value.startswith(f"{ID}graph/")
                                            or derived.is_version(name.value)):
            raise RestoreError(f"{path} holds claimgraph's own graphs ({name.value}): it is a dump; "
                               f"restore it with `claimgraph restore {path}`")
        yield quad
