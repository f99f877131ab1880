"""The embedded store: pyoxigraph on disk, the default graph being the union.

``ClaimStore`` is deliberately thin: a query helper, atomic writes, and the
static graphs (ontology, vocabulary) kept in step with the bundled files.
Loading logic lives in ``ingest``; queries live in ``queries/*.rq``.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from pathlib import Path
from typing import Any, Iterable

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, QuerySolutions,
                        RdfFormat, Store, Variable)

from claimgraph.graph.rdf import iris
from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import CG, PREFIXES

STORE_ENV = "CLAIMGRAPH_STORE"
# A write of at least this many quads is worth the bulk loader (``bulk_write``): below it
# the loader's fixed cost (new files per write) outweighs what it saves over a transaction.
BULK_MIN_QUADS = 20_000


def default_store_path() -> Path:
    """``$CLAIMGRAPH_STORE``, else ``$XDG_DATA_HOME/claimgraph/store``
    (``~/.local/share/claimgraph/store`` when XDG_DATA_HOME is unset)."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "claimgraph" / "store"


def python_value(term: Any) -> Any:
    """A term as a plain Python value: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
            return int(term.value)
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if datatype.endswith("#boolean"):
            return term.value == "true"
        return term.value
    if isinstance(term, (NamedNode, BlankNode)):
        return term.value
    return str(term)


def solution_rows(result) -> list[dict[str, Any]]:
    """SELECT solutions as dicts of plain Python values (for every kind of store)."""
    if not isinstance(result, QuerySolutions):
        raise TypeError("select() runs SELECT queries only")
    names = [v.value for v in result.variables]
    return [{n: python_value(row[n]) for n in names} for row in result]


class ClaimStore:
    """A claimgraph store. ``path=None`` gives an in-memory store (tests, tools)."""

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self.store = Store()
        elif read_only:  # beside a writing process, too (a helper of a refresh, a query worker)
            from claimgraph.graph.store.snapshots import open_snapshot

            self.store = open_snapshot(self.path)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self.store = Store(str(self.path))
        self.read_only = read_only

    # -- reading ---------------------------------------------------------
    def query(self, sparql: str, *, bindings: dict[str, Any] | None = None, union: bool = True,
              **kwargs):
        """Run SPARQL; ``bindings`` substitute variables (never string-built)."""
        substitutions = None
        if bindings:
            substitutions = {Variable(name): _term(value) for name, value in bindings.items()}
        return self.store.query(sparql, use_default_graph_as_union=union, prefixes=PREFIXES,
                                substitutions=substitutions, **kwargs)

    def select(self, name_or_sparql: str, **bindings) -> list[dict[str, Any]]:
        """Rows of a named query (``queries/<name>.rq``) or of SPARQL text, as dicts."""
        return solution_rows(self.query(queries.resolve(name_or_sparql), bindings=bindings))

    def ask(self, sparql: str, **bindings) -> bool:
        return bool(self.query(sparql, bindings=bindings))

    def contains(self, quad: Quad) -> bool:
        return quad in self.store

    def has_graph(self, graph: NamedNode) -> bool:
        return self.store.contains_named_graph(graph)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterable[Quad]:
        """Quads matching a pattern (None matches anything)."""
        return self.store.quads_for_pattern(subject, predicate, obj, graph)

    def __len__(self) -> int:
        return len(self.store)

    # -- writing ---------------------------------------------------------
    def write(self, quads: Iterable[Quad]) -> None:
        """Add quads in one transaction: all of them or none."""
        self.store.extend(quads)

    def remove(self, quads: Iterable[Quad]) -> None:
        """Delete these quads in one update (absent ones are no error)."""
        quads = list(quads)
        if quads:
            self.store.update("DELETE DATA { " + " ".join(
                f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads) + " }")

    def update(self, sparql: str, **kwargs) -> None:
        """Run SPARQL Update text that claimgraph wrote (terms rendered by pyoxigraph)."""
        self.store.update(sparql, prefixes=PREFIXES, **kwargs)

    def named_graphs(self) -> Iterable[NamedNode]:
        return self.store.named_graphs()

    def drop_graph(self, graph: NamedNode) -> None:
        if self.store.contains_named_graph(graph):
            self.store.remove_graph(graph)

    def clear(self) -> None:
        """Every quad and graph gone (a restore with --replace)."""
        self.store.clear()

    def bulk_load(self, path, fmt: RdfFormat) -> None:
        """A whole file through the engine's bulk loader (not one transaction: for restores)."""
        self.store.bulk_load(path=str(path), format=fmt)

    def bulk_write(self, quads: Iterable[Quad]) -> None:
        """Many quads through the engine's bulk loader: all or none of them, like ``write``
        (the loader sorts them into new files and adds those to the store in one step
        when it commits), but without the transaction's conflict checks and log. For
        large writes: each call makes new files (``ingest.ArticleWriter(bulk_from=...)``)."""
        self.store.bulk_extend(quads)

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> None:
        """Swap a graph's content; for the static graphs only (two steps, not one
        transaction: a crash between them is mended by the next start)."""
        quads = list(quads)
        self.store.update(f"DROP SILENT GRAPH <{graph.value}>")  # graph IRIs are ours, not user input
        self.store.extend(quads)

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self.store.flush()

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the on-disk store at ``target`` (a folder that must not
        exist), made by RocksDB with hard links: milliseconds, little space until the
        store's files change (``graph/index/beside``)."""
        self.store.backup(str(target))

    def reopen(self, attempts: int = 50) -> None:
        """Open the on-disk store again. RocksDB stops writing for good once a write
        failed for want of space (graph/disk.py); a new handle writes again. The old
        handle closes when calls still using it return, so the open is retried a few
        seconds while its lock is held."""
        if self.path is None or self.read_only:
            return
        self.store = None  # drops this object's reference to the old handle
        gc.collect()
        for attempt in range(attempts):
            try:
                self.store = Store(str(self.path))
                return
            except OSError as exc:
                if "lock" not in str(exc).lower() or attempt == attempts - 1:
                    raise
                time.sleep(0.1)

    # -- static graphs -----------------------------------------------------
    def ensure_static_graphs(self) -> None:
        """Load the bundled ontology and vocabulary, again only when they changed."""
        from claimgraph import ontology  # late: keeps import time low for queries

        for graph, files in ((iris.GRAPH_ONTOLOGY, ontology.ontology_files()),
                             (iris.GRAPH_VOCABULARY, ontology.vocabulary_files())):
            data = b"".join(Path(f).read_bytes() for f in files)
            digest = Literal(hashlib.sha256(data).hexdigest())
            marker = Quad(graph, CG.contentSha256, digest, graph)
            if self.contains(marker):
                continue
            quads = [marker]
            for f in files:
                quads.extend(Quad(t.subject, t.predicate, t.object, graph)
                             for t in _parse_turtle(Path(f)))
            self.replace_graph(graph, quads)

    # -- dumping -----------------------------------------------------------
    def dump(self, output, fmt: RdfFormat) -> None:
        """The whole store (every named graph) in a quad format."""
        self.store.dump(output, fmt)


def _parse_turtle(path: Path):
    from pyoxigraph import parse

    with open(path, "rb") as handle:
        yield from parse(handle, format=RdfFormat.TURTLE, base_iri=path.as_uri())


def _term(value: Any):
    if isinstance(value, (NamedNode, BlankNode, Literal)):
        return value
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(
            "http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if isinstance(value, str):
        return Literal(value)
    raise TypeError(f"cannot bind {type(value).__name__}")


def write_quads(store, quads: list[Quad], *, bulk_from: float = BULK_MIN_QUADS) -> bool:
    """All of ``quads`` or none: through the bulk loader from ``bulk_from`` quads on,
    else in one transaction. True if it was the bulk loader."""
    bulk = len(quads) >= bulk_from
    (store.bulk_write if bulk else store.write)(quads)
    return bulk


def open_store(location: str | os.PathLike, *, read_only: bool = False):
    """The store at ``location``: a folder (embedded pyoxigraph) or a SPARQL 1.1 server
    given as ``sparql+http(s)://host:port/path`` (see ``claimgraph.graph.store.remote``)."""
    from claimgraph.graph.store.remote import RemoteStore, is_remote

    if is_remote(str(location)):
        return RemoteStore(str(location), read_only=read_only)
    return ClaimStore(location, read_only=read_only)


__all__ = ["ClaimStore", "DefaultGraph", "default_store_path", "open_store", "python_value", "write_quads"]
