"""Server-side render time of the browser's pages, against the 100 ms budget.

    python -m bench.pages STORE [--repeat 20] [--articles 5] [--budget-ms 100]

Renders the home page and, for the first ``--articles`` current articles, the
article page, its first claim's page and the pages of the first source and
concept it names, through Flask's test client over the on-disk store (load a
corpus from ``bench.corpus`` first). Prints median and 95th percentile per
kind of page; exits 1 when a median is over the budget. Unit tests never time
pages: this is where the speed target lives.
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

    from claimgraph.graph import pages_article

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
    return {kind: found for kind, found in urls.items() if found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--budget-ms", type=float, default=100.0)
    args = parser.parse_args(argv)

    from claimgraph.graph.store import ClaimStore
    from claimgraph.web import create_app

    store = ClaimStore(args.store)
    client = create_app({"STORE": store, "STORE_PATH": str(args.store), "TESTING": True}).test_client()
    over = False
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
        print(f"{kind:8} {len(urls):3} pages  median {median:7.1f} ms  p95 {p95:7.1f} ms"
              f"{'  OVER BUDGET' if median > args.budget_ms else ''}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
