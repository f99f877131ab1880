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


def remote_protocol_store(store, conformance: Path):
    """The same graphs in a remote store (an empty Virtuoso)."""
    store.ensure_static_graphs()
    for n in (1, 2, 3):
        graph = NamedNode(f"{PROTOCOL_GRAPH_BASE}data{n}.rdf")
        with open(conformance / f"data{n}.nt", "rb") as handle:
            store.replace_graph(graph, [Quad(q.subject, q.predicate, q.object, graph)
                                        for q in parse(handle, format=RdfFormat.N_TRIPLES)])
    statistics.refresh(store)
    return store


@contextmanager
def live_server(store: ClaimStore, **config):
    """Yields the base URL (``http://127.0.0.1:<port>``) of a running server."""
    from waitress import create_server

    from claimgraph.web import create_app
    from claimgraph.web.sparql import close_runner

    threads = int(config.pop("SERVER_THREADS", 6))
    app = create_app({"STORE": store, "STORE_PATH": str(store.path or store.location), "TESTING": True,
                      "SERVER_THREADS": threads, **config})
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, asyncore_loop_timeout=0.2)
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


class RecordingEndpoint:
    """A tiny SPARQL endpoint on 127.0.0.1 (its own thread) that answers every request with
    one solution (?s = <urn:from-the-listener>) and records each request it got: the
    witness for whether a server-side SERVICE call happened."""

    ANSWER = (b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[{"s":{"type":"uri",'
              b'"value":"urn:from-the-listener"}}]}}')

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        recording = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                recording.requests.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(recording.ANSWER)))
                self.end_headers()
                self.wfile.write(recording.ANSWER)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    @property
    def contacted(self) -> bool:
        return bool(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
