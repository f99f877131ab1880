"""Request classes, each with its own limits, so that one kind cannot starve the others.

Eight anonymous whole-store audit exports held every server thread and a search
waited 30 s behind them. Each class of request now has a concurrency limit, a
bounded queue and a bounded wait for a place. A request that waits still holds a
server thread, so the queue is bounded too: a request that finds the queue full,
or does not get a place in time, is answered 503 with ``Retry-After`` instead of
queueing for a thread:

============  ==========================================  =======  =====  ======
class         routes                                      at once  queue  wait
============  ==========================================  =======  =====  ======
``export``    ``/export/audit.*``, ``/network.graphml|gexf``   2       2   1 s
``search``    ``/search``, ``/search.json``                     4       2   5 s
``page``      pages, findings, ``/network``, ``/picture``       6       6   5 s
============  ==========================================  =======  =====  ======

(config ``EXPORT_CONCURRENCY``, ``EXPORT_QUEUE``, ``EXPORT_WAIT``, ``SEARCH_…``,
``PAGE_…``). The SPARQL endpoint has its own worker pool (web/query_runner.py).
Exports also have a time limit and size caps (web/exports.py). A class holds at most
"at once + queue" of the server's ``threads`` (8 by default): exports at most 4, so a
full export class leaves threads for searches and pages.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from flask import Flask, g, request

from .errors import error_response


@dataclass(frozen=True)
class RequestClass:
    name: str
    concurrency: int
    queue: int  # requests that may wait for a place (each holds a server thread)
    wait: float  # seconds a request waits for a place before it gets 503


CLASSES = (RequestClass("export", 2, 2, 1.0), RequestClass("search", 4, 2, 5.0),
           RequestClass("page", 6, 6, 5.0))
_BY_ENDPOINT = {"exports.audit": "export", "network.download": "export",
                "search.search_page": "search", "search.search_json": "search"}
_BY_BLUEPRINT = {"pages": "page", "findings": "page", "network": "page"}
_KEY = "claimgraph.request_classes"


class _Places:
    """Places for one class: ``running`` at once, and at most ``held`` requests in
    the class at all (running or waiting), because a waiting request holds a thread."""

    def __init__(self, concurrency: int, queue: int):
        self.running = threading.BoundedSemaphore(concurrency)
        self.held = threading.BoundedSemaphore(concurrency + max(0, queue))

    def take(self, wait: float) -> bool:
        if not self.held.acquire(blocking=False):
            return False
        if self.running.acquire(timeout=wait) if wait > 0 else self.running.acquire(blocking=False):
            return True
        self.held.release()
        return False

    def release(self) -> None:
        self.running.release()
        self.held.release()


def request_class(endpoint: str | None, blueprint: str | None) -> str | None:
    """The class of a request by its route (None: not limited here)."""
    return _BY_ENDPOINT.get(endpoint or "") or _BY_BLUEPRINT.get(blueprint or "")


def init_app(app: Flask) -> None:
    for cls in CLASSES:
        app.config.setdefault(f"{cls.name.upper()}_CONCURRENCY", cls.concurrency)
        app.config.setdefault(f"{cls.name.upper()}_QUEUE", cls.queue)
        app.config.setdefault(f"{cls.name.upper()}_WAIT", cls.wait)
    app.extensions[_KEY] = {cls.name: _Places(int(app.config[f"{cls.name.upper()}_CONCURRENCY"]),
                                              int(app.config[f"{cls.name.upper()}_QUEUE"]))
                            for cls in CLASSES}

    @app.before_request
    def _take_a_place():
        name = request_class(request.endpoint, request.blueprint)
        if name is None:
            return None
        wait = float(app.config[f"{name.upper()}_WAIT"])
        if not app.extensions[_KEY][name].take(wait):
            retry = max(1, math.ceil(wait))
            return error_response(503, "Busy", f"too many {name} requests at once (at most "
                                  f"{app.config[f'{name.upper()}_CONCURRENCY']}); try again in {retry} s",
                                  headers={"Retry-After": str(retry)})
        g.request_class = name
        return None

    @app.teardown_request
    def _give_it_back(_exc):
        name = g.pop("request_class", None)
        if name is not None:
            app.extensions[_KEY][name].release()
