"""``claimgraph serve`` on a remote store (a throw-away Virtuoso on loopback): every page
answers as on the embedded store holding the same files, ``/sparql`` is forwarded with
the embedded endpoint's behaviour, and web nodes sharing the store follow each other's
loads. The browser test is in tests/test_browser_virtuoso.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from served import served_process
from virtuoso_support import CREDENTIALS, NEEDS_VIRTUOSO, clear, open_remote, remote_location

pytestmark = NEEDS_VIRTUOSO
REPO = Path(__file__).resolve().parents[1]
# Pages whose bodies differ for reasons outside the engines: the home page and its data
# order articles by load time (each store was loaded at its own moment); /about counts
# every triple, and Virtuoso holds system graphs of its own.
LOAD_TIME_PAGES = {"/", "/index.json", "/about"}


def _files(shared: Path) -> list[Path]:
    return [REPO / "examples" / "articles", REPO / "examples" / "labels", REPO / "examples" / "guidelines",
            shared / "data" / "seeds" / "myopathy-necrosis.txt"]


@pytest.fixture(scope="module")
def stores(virtuoso, shared, vocabulary, tmp_path_factory):
    """(remote, embedded): the same files loaded into each."""
    from claimgraph.graph.store import ClaimStore
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import iter_input_files, read_file

    remote = open_remote(virtuoso)
    clear(remote)
    remote.index_dir = tmp_path_factory.mktemp("node-index")
    local = ClaimStore(tmp_path_factory.mktemp("embedded") / "store")
    for store in (remote, local):
        store.ensure_static_graphs()
        for path in iter_input_files(_files(shared)):
            outcome = ingest(store, read_file(path, vocabulary))
            assert outcome.ok, outcome.errors
    yield remote, local
    clear(remote)


def _normalised(text: str) -> str:
    text = re.sub(r"/id/load/\d+-", "/id/load/", text)  # load activities are named by their time
    text = re.sub(r"\d{4}-\d\d-\d\d[T ][\d:.]+Z?", "TIME", text)
    return re.sub(r'(nonce|csrf_token|value)="[A-Za-z0-9_\-=+/]{16,}"', r'\1=""', text)


def test_every_page_answers_as_on_the_embedded_store(stores):
    """Crawled from the home page, search, findings, network and exports: same status, same
    text (up to load times) on Virtuoso as on pyoxigraph."""
    from claimgraph.web import create_app

    clients = [create_app({"STORE": store, "STORE_PATH": str(store.path or store.location), "TESTING": True,
                           "INDEX_FOLLOW_INTERVAL": 0}).test_client() for store in stores]
    queue = ["/", "/about", "/index.json", "/search?q=corticosteroids", "/search.json?q=myopathy", "/findings",
             "/findings.json", "/network", "/export/audit.csv", "/export/audit.jsonld", "/resolve", "/reviews"]
    seen, kinds = set(), set()
    while queue and len(seen) < 160:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        remote, local = (client.get(path) for client in clients)
        assert remote.status_code == local.status_code == 200, (path, remote.status_code, local.status_code)
        text = local.get_data(as_text=True)
        if path not in LOAD_TIME_PAGES:
            assert _normalised(remote.get_data(as_text=True)) == _normalised(text), path
        kinds.add(re.sub(r"^/id/([a-z]+)/.*", r"\1", path.split("?")[0]))
        for link in re.findall(r'href="(/(?:id/(?!load/)|findings/|search\?)[^"#]*)"', text):
            queue.append(link.replace("&amp;", "&"))
    version = next(p for p in seen if re.fullmatch(r"/id/article/[^/]+/v-[0-9a-f]+", p))
    export = "/export/audit.csv?article=" + quote("https://w3id.org/claimgraph" + version)  # one article's audit
    remote, local = (client.get(export) for client in clients)
    assert remote.status_code == local.status_code == 200
    assert _normalised(remote.get_data(as_text=True)) == _normalised(local.get_data(as_text=True))
    assert {"article", "source", "drug", "condition"} <= kinds
    assert any(re.fullmatch(r"/id/article/[^/]+/v-[0-9a-f]+/claim-\d+", p) for p in seen)
    assert any(p.startswith("/findings/") for p in seen)


def test_sparql_is_forwarded_with_the_embedded_endpoints_behaviour(stores):
    from claimgraph.web import create_app

    remote, local = ({"client": create_app({"STORE": s, "STORE_PATH": str(s.path or s.location), "TESTING": True,
                                            "ROW_LIMIT": 4}).test_client()} for s in stores)
    cases = [
        ("SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Claim }", "text/csv", None),
        ("SELECT ?c WHERE { ?c a cg:Claim } ORDER BY ?c", "application/sparql-results+json", None),
        ("ASK { ?c a cg:Claim }", "application/sparql-results+json", None),
        ("ASK { ?c a cg:NoSuchClass }", "application/sparql-results+xml", None),
        ("CONSTRUCT { ?c a cg:Claim } WHERE { ?c a cg:Claim FILTER(STRENDS(STR(?c), '/claim-1')) } ORDER BY ?c "
         "LIMIT 2", "text/turtle", None),  # IRIs Virtuoso and pyoxigraph order alike (they differ on others);
        # the two triples may be written in either order: compared as graphs below
        ("SELECT ?c WHERE { ?c a cg:Claim ", None, None),  # 400, the same explanation
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", None, None),  # 403
        ("SELECT ?c WHERE { ?c a cg:Claim }", "image/png", None),  # 406
        ("SELECT ?c WHERE { ?c a cg:Claim } ORDER BY ?c", None, "tsv"),
    ]
    for query, accept, fmt in cases:
        params = {"query": query, **({"format": fmt} if fmt else {})}
        headers = {"Accept": accept} if accept else {}
        answers = [side["client"].get("/sparql", query_string=params, headers=headers) for side in (remote, local)]
        got, expected = answers
        assert got.status_code == expected.status_code, (query, got.get_data(as_text=True))
        assert got.content_type == expected.content_type, query
        assert got.headers.get("X-Result-Truncated") == expected.headers.get("X-Result-Truncated"), query
        if accept == "text/turtle":  # a graph: the order its triples are written in is not part of it
            assert isomorphic(*(Graph().parse(data=a.get_data(as_text=True), format="turtle")
                                for a in answers)), query
        else:
            assert got.get_data(as_text=True) == expected.get_data(as_text=True), query
    got, expected = (side["client"].post("/sparql", data="SELECT (COUNT(*) AS ?n) WHERE { ?c a cg:Claim }",
                                         headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
                     for side in (remote, local))
    assert got.status_code == 200 and got.get_data() == expected.get_data()


def test_web_nodes_sharing_the_store_follow_a_load_made_elsewhere(stores, virtuoso, tmp_path):
    """Two `serve` processes on the store, each with its own index; `claimgraph load` in a
    third process; both nodes then find the new article in search and on the home page."""
    env = {**CREDENTIALS, "CLAIMGRAPH_INDEX_FOLLOW_INTERVAL": "0"}
    location = remote_location(virtuoso)
    article = tmp_path / "zebrafish.md"
    article.write_text("# Do zebrafish models help study muscle disease?\n\n"
                       "Zebrafish models reproduce several features of muscular dystrophy [1]. "
                       "They are used to screen drugs such as corticosteroids [1].\n\n"
                       "## References\n\n1. https://example.org/zebrafish-models\n", encoding="utf-8")
    with served_process(location, tmp_path / "a.log", "--index-dir", tmp_path / "a", env=env) as (a, _pa), \
            served_process(location, tmp_path / "b.log", "--index-dir", tmp_path / "b", env=env) as (b, _pb):
        before = {}
        for node in (a, b):
            assert requests.get(node + "/search.json", params={"q": "zebrafish"}, timeout=60).json()["total"] == 0
            before[node] = requests.get(node + "/index.json", timeout=60).json()["counts"]["articles"]
        done = subprocess.run([sys.executable, "-m", "claimgraph", "--store", location, "load", str(article)],
                              capture_output=True, text=True, timeout=300, env={**os.environ, **env})
        assert done.returncode == 0, done.stdout + done.stderr
        for node in (a, b):
            found = requests.get(node + "/search.json", params={"q": "zebrafish"}, timeout=60).json()
            assert found["total"] >= 1, node
            home = requests.get(node + "/index.json", timeout=60).json()
            assert home["counts"]["articles"] == before[node] + 1, node
            version = next(item["version"] for item in home["articles"] if "zebrafish" in item["title"].lower())
            page = requests.get(node + "/id/" + version.split("/id/", 1)[1], timeout=60)
            assert page.status_code == 200 and "Zebrafish models reproduce" in page.text
    assert (tmp_path / "a" / "index.sqlite").exists() and (tmp_path / "b" / "index.sqlite").exists()
