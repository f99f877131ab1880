"""A real claimgraph web server for the SPARQL tests: waitress on 127.0.0.1, port 0,
in a thread of the test process; query workers are real processes."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from claimgraph.graph.rules import statistics
from claimgraph.graph.store import ClaimStore

PROTOCOL_GRAPH_BASE = "http://kasei.us/2009/09/sparql/data/"


def protocol_store(path: Path, conformance: Path) -> ClaimStore:
    """A store with data1–3.nt as the named graphs the W3C protocol tests expect."""
    store = ClaimStore(path)
    store.ensure_static_graphs()
    for n in (1, 2, 3):
        graph = NamedNode(f"{PROTOCOL_GRAPH_BASE}data{n}.rdf")
        with open(conformance / f"data{n}.nt", "rb") as handle:
            store.write(Quad(q.subject, q.predicate, q.object, graph)
                        for q in parse(handle, format=RdfFormat.N_TRIPLES))
    statistics.refresh(store)
    store.flush()
    return store


@contextmanager
def live_server(store: ClaimStore, **config):
    """Yields the base URL (``http://127.0.0.1:<port>``) of a running server."""
    from waitress import create_server

    from claimgraph.web import create_app
    from claimgraph.web.sparql import close_runner

    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True, **config})
    server = create_server(app, host="127.0.0.1", port=0, threads=6, asyncore_loop_timeout=0.2)
    stopping = threading.Event()

    def serve():
        try:
            server.run()
        except OSError:  # the loop's select() saw the socket close under it: expected on stop
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app
    finally:
        stopping.set()
        server.close()
        server._map.clear()  # the loop runs while channels remain (its wake-up trigger always does)
        close_runner(app)
        thread.join(timeout=5)
