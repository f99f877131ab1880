"""Data derived from what is loaded, kept in step after every load.

Each deriving module (statistics, findings, search index ...) has
``refresh(store, versions)``, where ``versions`` are the article-version IRIs
the load just wrote (empty when only source records changed). ``refresh_all``
runs them in order; ``claimgraph reindex`` runs them with ``versions=None``,
meaning "rebuild everything".
"""

from __future__ import annotations

import importlib
import os
import weakref
from contextlib import contextmanager
from typing import Iterator

from pyoxigraph import NamedNode, Quad

from .store import ClaimStore

# Modules of claimgraph.graph with a refresh(store, versions) function, in run order.
# "sources" first: it folds merged source nodes and sets evidence levels the others read;
# "finding_lists" after "search", whose tables say which versions are current.
DERIVED_MODULES: list[str] = ["sources", "findings", "search", "finding_lists", "examples", "statistics"]


class _Pending:
    """What a store inside ``deferred()`` has been asked to refresh so far."""

    def __init__(self) -> None:
        self.asked = False  # a load of source records only asks with no versions
        self.versions: list[NamedNode] | None = []  # None: rebuild everything

    def add(self, versions: list[NamedNode] | None) -> None:
        self.asked = True
        self.versions = None if versions is None or self.versions is None else self.versions + list(versions)


_pending: dict[int, _Pending] = {}  # by id() of the store


@contextmanager
def deferred(store: ClaimStore) -> Iterator[None]:
    """Bulk loads: inside the block ``refresh_all`` only notes what changed, and one
    refresh runs on leaving it. Refreshes that recount the whole store (statistics,
    duplicate sources) would otherwise make loading n files cost n whole-store passes."""
    if id(store) in _pending:
        yield  # nested: the outer block refreshes
        return
    _pending[id(store)] = _Pending()
    try:
        yield
    finally:
        pending = _pending.pop(id(store))
        if pending.asked:
            refresh_all(store, pending.versions)
        else:  # nothing changed: a note taken at the start (see begin_batch) is done with
            _clear_pending_file(store)


def refresh_all(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    if id(store) in _pending:
        _pending[id(store)].add(versions)
        return
    for name in DERIVED_MODULES:
        module = importlib.import_module(f"claimgraph.graph.{name}")
        module.refresh(store, versions)
    _clear_pending_file(store)


def chunks(items, size: int = 500) -> Iterator[list[str]]:
    """``items`` (IRIs) without repeats, sorted, in lists of ``size``: the IRIs of one VALUES
    block (``queries.with_iri_values``), so that a load of any size makes few, bounded queries."""
    ordered = sorted({i.value if isinstance(i, NamedNode) else str(i) for i in items})
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def apply_changes(store: ClaimStore, deletes: list[Quad], inserts: list[Quad]) -> None:
    """Make derived quads go from ``deletes`` to ``inserts`` in one update, touching only
    what differs (quads in both stay). The terms are rendered by pyoxigraph (escaped)."""
    wanted = set(inserts)
    deletes, inserts = set(deletes) - wanted, wanted - set(deletes)
    if not deletes and not inserts:
        return
    render = lambda quads: " ".join(  # noqa: E731
        f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    parts = []
    if deletes:
        parts.append(f"DELETE DATA {{ {render(deletes)} }}")
    if inserts:
        parts.append(f"INSERT DATA {{ {render(inserts)} }}")
    store.store.update(" ;\n".join(parts))


# -- crash safety ----------------------------------------------------------------
# An article is written in one transaction and its derived data refreshed after it
# (at the end of a bulk load, even). A load killed in between would leave the derived
# data behind for good: the same bytes loaded again are "unchanged" and refresh
# nothing. So ingest notes each version in this file next to the store before
# writing it; a real refresh removes the file, and the next ingest into a store that
# still has one (a killed load's) refreshes what it names first.
PENDING_FILE = "derived-pending.txt"
_REBUILD_ALL = "*"  # source records changed: which derived rows they touch is not known
# Stores whose leftover notes were taken up. Weak references, not id()s: a store object
# opened after another was closed often gets the same id, and would skip its recovery.
_recovered: weakref.WeakSet = weakref.WeakSet()


def _pending_file(store: ClaimStore):
    path = getattr(store, "path", None)
    return path / PENDING_FILE if path is not None else None


def note_pending(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Record, durably, that derived data must follow ``versions`` (None: everything)."""
    path = _pending_file(store)
    if path is None:
        return
    entries = [_REBUILD_ALL] if versions is None else [v.value for v in versions]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(f"{entry}\n" for entry in entries))
        handle.flush()
        os.fsync(handle.fileno())


def begin_batch(store: ClaimStore) -> None:
    """At the start of a batch load (inside ``deferred``): take up a killed load's notes,
    then note that derived data must be brought in step even if this load is killed
    before it writes anything -- a new store's derived data (the search index of the
    vocabulary's concepts) is made by the first refresh."""
    finish_interrupted_load(store)
    note_pending(store, [])


def _clear_pending_file(store: ClaimStore) -> None:
    path = _pending_file(store)
    if path is not None:
        path.unlink(missing_ok=True)


def finish_interrupted_load(store: ClaimStore) -> bool:
    """Refresh what a killed load left noted (once per store object); True if anything."""
    path = _pending_file(store)
    if path is None or store in _recovered:
        return False
    # Checked once per store object, found or not: the note begin_batch takes right after
    # this check is this load's own, and taking it up as a killed load's asked every later
    # refresh of the batch to treat the store as changed by source records (a full
    # rebuild: 7 minutes at 10 000 articles for loading an unchanged file again).
    _recovered.add(store)
    if not path.exists():
        return False
    entries = set(path.read_text(encoding="utf-8").split())
    if _REBUILD_ALL in entries:
        refresh_all(store, None)
    else:  # versions the killed load never managed to write are simply absent
        refresh_all(store, [NamedNode(e) for e in sorted(entries) if store.has_graph(NamedNode(e))])
    return True
