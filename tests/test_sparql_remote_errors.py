"""``/sparql`` on a remote store whose endpoint misbehaves: one that never answers gives the
endpoint's 503 "Query timeout" after the request's timeout, one that fails gives a 502 in
the one error shape, and a bad text never reaches it. Real sockets on loopback, no Virtuoso."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@contextmanager
def silent_endpoint():
    """Accepts connections and reads them, never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


@contextmanager
def failing_endpoint():
    """Answers every request 500 with a message, as a store whose query crashed."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"Virtuoso 42000 Error: out of memory in the query"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def _client(url: str, **config):
    from claimgraph.graph.store.remote import RemoteStore
    from claimgraph.web import create_app

    store = RemoteStore("sparql+" + url)
    store.shared = False  # no other writer: no refresh records to look for before each request
    return create_app({"STORE": store, "STORE_PATH": store.location, "TESTING": True, **config}).test_client()


def test_an_endpoint_that_never_answers_is_a_query_timeout():
    with silent_endpoint() as url:
        answer = _client(url, QUERY_TIMEOUT=1).get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert answer.status_code == 503
    assert "Query timeout" in answer.get_data(as_text=True)


def test_a_failing_endpoint_is_a_bad_gateway_with_its_message():
    with failing_endpoint() as url:
        answer = _client(url).get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"},
                                  headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 502
    assert "out of memory in the query" in answer.get_data(as_text=True)


@pytest.mark.parametrize("query,status", [("SELECT * WHERE { ?s ?p ", 400),
                                          ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", 403)])
def test_refused_texts_never_reach_the_endpoint(query, status):
    with silent_endpoint() as url:  # a request reaching it would time out instead
        answer = _client(url, QUERY_TIMEOUT=30).get("/sparql", query_string={"query": query})
    assert answer.status_code == status
