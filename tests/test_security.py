"""Hostile requests against a real server (waitress on 127.0.0.1): headers, limits,
path traversal, injection through search and facets, XSS from loaded data, SSRF by SERVICE."""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote

import lxml.html
import pytest
import requests
from sparql_live import live_server

from claimgraph.graph.write.ingest import ingest
from claimgraph.graph.store import ClaimStore
from claimgraph.loaders import read_file
from claimgraph.graph.queries.syntax import uses_service
from claimgraph.web.security import CONTENT_SECURITY_POLICY

from conftest import SEED

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_ARTICLE = f"""What is the treatment for {SCRIPT} myopathy?

Last updated: March 12, 2025

From the Research

Statin myopathy {IMG} often causes proximal muscle weakness 1. Stopping the statin {SCRIPT} is the first step 2.
"""
TOKEN = "update-token-that-must-never-leak-4f1c"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("security")
    article = folder / "hostile.txt"
    article.write_text(HOSTILE_ARTICLE)
    store = ClaimStore(folder / "store")
    store.ensure_static_graphs()
    for path in (SEED, article):
        outcome = ingest(store, read_file(path))
        assert outcome.ok, outcome.errors
    store.flush()
    with live_server(store, QUERY_WORKERS=1, UPDATES_ENABLED=True, UPDATE_TOKEN=TOKEN) as (base, app):
        yield base, app, store


def _pages_with_payloads(base: str, store: ClaimStore) -> list[str]:
    """Every page that shows the hostile article's title or claims."""
    rows = store.select("""
        PREFIX cg: <https://w3id.org/claimgraph/ns#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?thing WHERE {
          { ?thing a cg:Article ; dcterms:title ?t . FILTER(CONTAINS(?t, "script")) }
          UNION { ?thing a cg:Claim ; dcterms:isPartOf ?v . ?v dcterms:title ?t . FILTER(CONTAINS(?t, "script")) }
        }""")
    paths = [row["thing"].replace("https://w3id.org/claimgraph/id/", "/id/") for row in rows]
    assert paths, "the hostile article was not loaded"
    return [base + p for p in paths] + [base + "/", base + "/search?q=script", base + "/search?q=" + quote(SCRIPT),
                                        base + "/search?q=" + quote(IMG), base + "/query?query=" + quote(
                                            'SELECT ?t WHERE { ?a <http://purl.org/dc/terms/title> ?t }')]


def test_security_headers_on_every_response(site):
    base, _app, _store = site
    for path in ("/", "/healthz", "/sparql", "/search?q=weakness", "/no/such/page", "/static/site.css"):
        response = requests.get(base + path, timeout=30)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"], path


def test_pages_have_no_inline_scripts_or_handlers(site):
    base, _app, store = site
    for url in _pages_with_payloads(base, store):
        page = lxml.html.fromstring(requests.get(url, timeout=30, headers={"Accept": "text/html"}).content)
        # JSON data blocks (<script type="application/json">) are data, never run.
        inline = [s for s in page.iter("script") if not s.get("src")
                  and s.get("type", "text/javascript") not in ("application/json", "application/ld+json")]
        assert not inline, f"inline script on {url} (the CSP would block it): {inline[0].text_content()[:80]}"
        handlers = [(e.tag, a) for e in page.iter() if isinstance(e.tag, str) for a in e.attrib if a.startswith("on")]
        assert not handlers, f"inline event handler on {url}: {handlers[:3]}"
        assert not [i for i in page.iter("img") if i.get("src") == "x"], f"injected <img> on {url}"


def test_payloads_in_data_are_escaped_on_every_page(site):
    base, _app, store = site
    for url in _pages_with_payloads(base, store):
        response = requests.get(url, timeout=30, headers={"Accept": "text/html"})
        assert response.status_code == 200, url
        assert SCRIPT not in response.text, f"unescaped <script> on {url}"
        assert "<img src=x" not in response.text, f"unescaped <img onerror> on {url}"


@pytest.mark.parametrize("path", ["/id/../../etc/passwd", "/id/..%2F..%2F..%2Fetc%2Fpasswd", "/id/%2e%2e/%2e%2e/etc/passwd",
                                  "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
                                  "/id/....//....//etc/passwd", "/index.../../../etc/passwd",
                                  "/id/file:%2F%2F%2Fetc%2Fpasswd", "/id/%00/etc/passwd"])
def test_path_parameters_cannot_reach_the_file_system(site, path):
    base, _app, _store = site
    response = requests.get(base + path, timeout=30)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert "root:" not in response.text


@pytest.mark.parametrize("value", ['" } ; DROP ALL ; #', "x> } ?s ?p ?o { <y", "') } UNION { ?s ?p ?o } #",
                                   "*", "\\", "\x00", "NEAR(a b)", 'title:"x" OR 1=1 --'])
def test_search_and_facet_parameters_cannot_inject(site, value):
    base, _app, store = site
    before = len(store)
    for params in ({"q": value}, {"q": "weakness", "type": value}, {"q": "weakness", "condition": value},
                   {"q": "weakness", "article": value, "page": value}):
        response = requests.get(base + "/search", params=params, timeout=30)
        assert response.status_code in (200, 400), (params, response.status_code)
    response = requests.get(base + "/id/" + quote(value, safe=""), timeout=30)
    assert response.status_code in (400, 404), (value, response.status_code)
    assert len(store) == before


class _Listener:
    """A TCP socket on 127.0.0.1 that records whether anything connected to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(3)
        self.port = self.socket.getsockname()[1]
        self.connected = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        try:
            connection, _ = self.socket.accept()
            self.connected = True
            connection.close()
        except OSError:
            pass

    def close(self):
        self.thread.join(5)
        self.socket.close()


@pytest.mark.parametrize("keyword", ["SERVICE", "service", "SERVICE SILENT", "sErViCe"])
def test_service_to_other_endpoints_is_refused(site, keyword):
    base, _app, _store = site
    listener = _Listener()
    try:
        query = f"SELECT * WHERE {{ {keyword} <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        response = requests.post(base + "/sparql", data={"query": query}, timeout=30,
                                 headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 403
        assert "SERVICE" in response.text
        update = f"INSERT {{ <x:a> <x:b> ?o }} WHERE {{ {keyword} <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"
        response = requests.post(base + "/sparql/update", data={"update": update}, timeout=30,
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code in (403, 404)
    finally:
        listener.close()
    assert not listener.connected, "the server connected to the SERVICE URL"


def test_the_word_service_in_strings_and_iris_is_not_the_keyword():
    assert not uses_service('SELECT * WHERE { ?s ?p "customer SERVICE desk" }')
    assert not uses_service("SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE")
    assert not uses_service("SELECT ?service WHERE { ?service ?p ?o }")
    assert uses_service("select * where { service <http://x/> { ?s ?p ?o } }")
    assert uses_service('SELECT * WHERE { BIND("a" AS ?x) SERVICE <http://x/> { ?s ?p ?o } }')


def test_oversized_requests_get_a_clear_413(site):
    base, app, _store = site
    body = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = requests.post(base + "/sparql", data=body, timeout=30,
                             headers={"Content-Type": "application/sparql-query", "Accept": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["status"] == 413
    assert "limit" in response.json()["error"]["detail"]
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * app.config["MAX_QUERY_STRING"]
    response = requests.get(base + "/sparql", params={"query": long_query}, timeout=30,
                            headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert "POST" in response.json()["error"]["detail"]


def test_no_secrets_in_error_pages_or_logs(site, caplog):
    base, _app, _store = site
    caplog.set_level("DEBUG")
    responses = [
        requests.post(base + "/sparql/update", data={"update": "CLEAR ALL"}, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}x"}),
        requests.post(base + "/sparql/update", data={"update": "NOT AN UPDATE"}, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"}),
        requests.get(base + "/sparql", params={"query": "SELECT * WHERE {"}, timeout=30),
    ]
    for response in responses:
        assert TOKEN not in response.text
        assert "Traceback" not in response.text
    assert responses[0].status_code in (401, 403)
    assert TOKEN not in caplog.text
