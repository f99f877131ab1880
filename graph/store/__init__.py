"""Talking to a store: the embedded pyoxigraph store, a remote SPARQL 1.1 store, free disk space.

``from claimgraph.graph.store import ClaimStore`` is the embedded store; ``open_store``
opens a folder or a ``sparql+http(s)://`` URL; ``protocol.Store`` is what graph/ may ask of either."""

from .embedded import ClaimStore, DefaultGraph, default_store_path, open_store, python_value, solution_rows
from .embedded import STORE_ENV  # noqa: F401

__all__ = ["ClaimStore", "DefaultGraph", "default_store_path", "open_store", "python_value", "solution_rows"]
