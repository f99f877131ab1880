"""One store per process, opened on first use (``get_store``), as in Flask's tutorial."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from claimgraph.graph.store import ClaimStore, open_store

_lock = threading.Lock()


def get_store() -> ClaimStore:
    """The app's store. pyoxigraph stores are safe to share between threads."""
    app = current_app._get_current_object()
    store = app.extensions.get("claimgraph.store")
    if store is None:
        with _lock:
            store = app.extensions.get("claimgraph.store")
            if store is None:
                store = open_store(app.config["STORE_PATH"])  # a folder or sparql+http://...
                store.ensure_static_graphs()
                app.extensions["claimgraph.store"] = store
    return store


def init_app(app: Flask) -> None:
    app.extensions.setdefault("claimgraph.store", None)
    if app.config.get("STORE") is not None:  # tests may hand in an open store
        app.extensions["claimgraph.store"] = app.config["STORE"]
