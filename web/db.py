"""One store per process, opened on first use (``get_store``), as in Flask's tutorial."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from flask import Flask, current_app

from claimgraph.graph.store import ClaimStore, open_store

T = TypeVar("T")

# Re-entrant: one per-app object's factory may ask for another (the query runner needs the store).
_lock = threading.RLock()


def app_object(key: str, factory: Callable[[Flask], T]) -> T:
    """The app's object under ``key`` in ``app.extensions``, made once on first use."""
    app = current_app._get_current_object()
    found = app.extensions.get(key)
    if found is None:
        with _lock:
            found = app.extensions.get(key)
            if found is None:
                found = app.extensions[key] = factory(app)
    return found


def _open(app: Flask) -> ClaimStore:
    store = open_store(app.config["STORE_PATH"])  # a folder or sparql+http://...
    store.ensure_static_graphs()
    return store


def get_store() -> ClaimStore:
    """The app's store. pyoxigraph stores are safe to share between threads."""
    return app_object("claimgraph.store", _open)


@contextmanager
def write_session(wait: float | None = None) -> Iterator[ClaimStore]:
    """The app's store, held for writing while a request writes: on a store several
    request processes share (``serve --workers``, graph/store/shared_disk.py) one write
    session for all of a request's writes and its reads of them, raising ``StoreBusy``
    (a 503) after ``wait`` seconds (``WRITE_WAIT``); other stores write as they are."""
    store = get_store()
    writing = getattr(store, "writing", None)
    if writing is None:
        yield store
        return
    with writing(float(current_app.config.get("WRITE_WAIT", 30.0)) if wait is None else wait):
        yield store


def follow_shared_store() -> None:
    """Before a request on a store other processes write: this process's snapshot of a
    shared disk store is renewed when the store changed (exact, ~30 µs to look); on a
    shared (remote) store this node's derived index takes up the refreshes other nodes
    and loaders made (graph/index/followers.py), looking at the store at most every
    INDEX_FOLLOW_INTERVAL seconds."""
    store = current_app.extensions.get("claimgraph.store")  # not opened here: /healthz must answer
    if getattr(store, "shared_disk", False):
        store.refresh()
    if getattr(store, "shared", False):
        from claimgraph.graph.index import followers

        followers.follow(store, interval=float(current_app.config.get("INDEX_FOLLOW_INTERVAL", 1.0)))


def init_app(app: Flask) -> None:
    app.extensions.setdefault("claimgraph.store", None)
    app.before_request(follow_shared_store)
    if app.config.get("STORE") is not None:  # tests may hand in an open store
        app.extensions["claimgraph.store"] = app.config["STORE"]
