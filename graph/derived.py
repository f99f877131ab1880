"""Data derived from what is loaded, kept in step after every load.

Each deriving module (statistics, findings, search index ...) has
``refresh(store, versions)``, where ``versions`` are the article-version IRIs
the load just wrote (empty when only source records changed). ``refresh_all``
runs them in order; ``claimgraph reindex`` runs them with ``versions=None``,
meaning "rebuild everything".
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from typing import Iterator

from pyoxigraph import NamedNode

from .store import ClaimStore

# Modules of claimgraph.graph with a refresh(store, versions) function, in run order.
# "sources" first: it folds merged source nodes and sets evidence levels the others read.
DERIVED_MODULES: list[str] = ["sources", "findings", "search", "examples", "statistics"]


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


def refresh_all(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    if id(store) in _pending:
        _pending[id(store)].add(versions)
        return
    for name in DERIVED_MODULES:
        module = importlib.import_module(f"claimgraph.graph.{name}")
        module.refresh(store, versions)
