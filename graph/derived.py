"""Data derived from what is loaded, kept in step after every load.

Each deriving module (statistics, findings, search index ...) has
``refresh(store, versions)``, where ``versions`` are the article-version IRIs
the load just wrote (empty when only source records changed). ``refresh_all``
runs them in order; ``claimgraph reindex`` runs them with ``versions=None``,
meaning "rebuild everything".
"""

from __future__ import annotations

import importlib

from pyoxigraph import NamedNode

from .store import ClaimStore

# Modules of claimgraph.graph with a refresh(store, versions) function, in run order.
# "sources" first: it folds merged source nodes and sets evidence levels the others read.
DERIVED_MODULES: list[str] = ["sources", "findings", "search", "examples", "statistics"]


def refresh_all(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    for name in DERIVED_MODULES:
        module = importlib.import_module(f"claimgraph.graph.{name}")
        module.refresh(store, versions)
