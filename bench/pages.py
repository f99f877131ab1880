"""Server-side render time of the browser's pages, against the 100 ms budget.

    python -m bench.pages STORE [--repeat 20] [--articles 5] [--budget-ms 100]

Renders the home page and, for the first ``--articles`` current articles, the
article page, its first claim's page and the pages of the first source and
concept it names, through Flask's test client over the on-disk store (load a
corpus from ``bench.corpus`` first). Then the pages whose cost could grow with
the store: the most-cited sources and the most-named conditions and drugs (their
pages and provenance pictures), searches (a common word, a rare one, a facet,
nothing typed), the evidence-network page, the findings lists and an article's audit CSV export.
The network page is also timed once cold (the first request after a load, which
builds the network) apart from its warm medians.

Prints median and 95th percentile per kind of page; exits 1 when a median is
over the budget. Unit tests never time pages: this is where the speed target lives.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ID = "https://w3id.org/claimgraph/id/"


def _local(iri: str) -> str:
    return "/id/" + iri[len(ID):]


def page_urls(store, articles: int) -> dict[str, list[str]]:
    from pyoxigraph import NamedNode

    from claimgraph.graph.read import pages_article

    urls: dict[str, list[str]] = {"home": ["/"], "article": [], "claim": [], "source": [], "concept": []}
    for row in store.select("page-home-articles")[:articles]:
        version = row["version"]
        data = pages_article.article_page(store, version)
        urls["article"].append(_local(version))
        claims = [seg["claim"] for s in data["sections"] for b in s["blocks"] for seg in b["segments"]
                  if "claim" in seg]
        if claims:
            urls["claim"].append(_local(claims[0]["iri"]))
        cited = [m["source"]["iri"] for c in claims for m in c["markers"] if m["source"]]
        if cited:
            urls["source"].append(_local(cited[0]))
        named = store.select("page-mentions", version=NamedNode(version))
        if named:
            urls["concept"].append(_local(named[0]["concept"]))
    urls.update(popular_urls(store, urls["article"][:1]))
    return {kind: found for kind, found in urls.items() if found}


def popular_urls(store, articles: list[str], top: int = 3) -> dict[str, list[str]]:
    """Pages of what most of the store points at, read from the search index."""
    import sqlite3
    from urllib.parse import quote

    from claimgraph.graph.index import search

    search.ensure_index(store)
    with sqlite3.connect(search.index_path(store)) as conn:
        sources = [row[0] for row in conn.execute(
            "SELECT source FROM cites GROUP BY source ORDER BY COUNT(*) DESC, source LIMIT ?", (top,))]
        concepts = [row[0] for row in conn.execute(
            "SELECT concept FROM concept_counts ORDER BY claims DESC, concept LIMIT ?", (top,))]
        kind = conn.execute("SELECT value FROM doc_facets WHERE facet = 'kind' LIMIT 1").fetchone()
    urls = {"popular source": [_local(s) for s in sources],
            "popular concept": [_local(c) for c in concepts],
            "picture of popular source": [f"/picture?iri={quote(s, safe='')}" for s in sources],
            "search": ["/search?q=treatment", "/search?q=rituximab", "/search?q=muscle+weakness&page=3",
                       "/search?q=", *([f"/search?q=patients&kind={quote(kind[0])}"] if kind else [])],
            "network": ["/network"],
            "findings lists": ["/findings", "/findings/uncited-claim", "/findings/uncited-claim?page=40",
                               "/findings/weak-evidence?page=100"],
            "audit csv": [f"/export/audit.csv?article={quote(ID + a[len('/id/'):], safe='')}" for a in articles]}
    return {name: found for name, found in urls.items() if found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a store folder, or sparql+http://… (credentials: README, Other SPARQL stores)")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="remote store: the derived index's folder (default: serve's, under XDG_CACHE_HOME)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--budget-ms", type=float, default=100.0)
    args = parser.parse_args(argv)

    from claimgraph.graph.index import derived
    from claimgraph.graph.store import open_store
    from claimgraph.graph.store.remote import default_index_dir, is_remote
    from claimgraph.web import create_app

    store = open_store(args.store)
    if is_remote(args.store):  # as `serve` runs it: the node's own index, in step with the store
        store.index_dir = args.index_dir or default_index_dir(args.store)
        derived.ready(store)
    client = create_app({"STORE": store, "STORE_PATH": args.store, "TESTING": True}).test_client()
    over = False
    started = time.perf_counter()
    response = client.get("/network")  # the first request after a load builds the network
    print(f"{'network, cold (builds the network)':34} {(time.perf_counter() - started) * 1000:9.1f} ms "
          f"(answered {response.status_code})")
    for kind, urls in page_urls(store, args.articles).items():
        timings = []
        for url in urls:
            client.get(url)  # warm: templates, query files
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"{url} answered {response.status_code}", file=sys.stderr)
                    return 2
        median = statistics.median(timings)
        p95 = sorted(timings)[math.ceil(len(timings) * 0.95) - 1]
        over |= median > args.budget_ms
        print(f"{kind:26} {len(urls):3} pages  median {median:7.1f} ms  p95 {p95:7.1f} ms"
              f"{'  OVER BUDGET' if median > args.budget_ms else ''}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
