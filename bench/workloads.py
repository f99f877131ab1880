"""The query mix: which query, with which parameters, and how it is timed.

Parameters are picked from the loaded data with queries of graph/queries/
(stable orders), so every run on the same corpus asks the same questions.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote

from .peers import sparql_text

PHRASES = ["refractory", "first-line treatment", "observational studies", "fewer relapses"]


@dataclass
class Workload:
    label: str
    query: str | None  # a graph/queries name; None for a UI page fetched over HTTP
    bindings: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    paths: list[str] = field(default_factory=list)  # UI pages: local paths on the server
    target: str | None = None  # the target this workload is measured against

    def texts(self) -> list[str]:
        return [sparql_text(self.query, b) for b in self.bindings]


def _cited_claims_with_versions(oxigraph_peer) -> list[tuple[str, str]]:
    return sorted(oxigraph_peer.rows(sparql_text("cited-claims-sample")))[:50]


def cited_claims(oxigraph_peer) -> list[str]:
    """The claim → evidence parameters: 50 cited claims, stable."""
    return [claim for claim, _ in _cited_claims_with_versions(oxigraph_peer)]


def _samples(oxigraph_peer) -> tuple[list, list, list, list]:
    """(cited claims with their versions, popular pairs, rare pairs, versions), stable."""
    claims = _cited_claims_with_versions(oxigraph_peer)
    pairs = oxigraph_peer.rows(sparql_text("drug-condition-pairs"))
    pairs.sort(key=lambda row: (-int(row[2]), row[0], row[1]))
    rare = [row for row in pairs if int(row[2]) == 1][:10] or pairs[-3:]
    versions = sorted({version for _, version in claims})[:20]
    return claims, pairs[:3], rare, versions


def build(oxigraph_peer) -> list[Workload]:
    """The SPARQL workloads for the data in ``oxigraph_peer`` (parameters picked from it)."""
    claims, popular, rare, versions = _samples(oxigraph_peer)
    return [
        Workload("claim → evidence", "claim-evidence", [{"claim": c} for c, _ in claims],
                 target="p99 ≤ 10 ms, ≥ 2 000 req/s"),
        Workload("pair evidence (popular pair)", "pair-evidence",
                 [{"drug": d, "condition": c} for d, c, _ in popular]),
        Workload("pair evidence (rare pair)", "pair-evidence",
                 [{"drug": d, "condition": c} for d, c, _ in rare]),
        Workload("uncited claims: count", "uncited-claims-count", target="≤ 100 ms"),
        Workload("uncited claims: first page", "uncited-claims-page", target="≤ 100 ms"),
        Workload("sources by citation count", "sources-by-citations"),
        Workload("text search (SPARQL CONTAINS)", "claim-text-contains",
                 [{"phrase": p} for p in PHRASES], target="p50 ≤ 20 ms"),
        Workload("article page data (page-claims)", "page-claims", [{"version": v} for v in versions],
                 target="p50 ≤ 30 ms"),
        Workload("claim page data (page-claims)", "page-claims", [{"claim": c} for c, _ in claims[:20]],
                 target="p50 ≤ 30 ms"),
    ]


def build_pages(oxigraph_peer, ui_paths: Callable[[str], str | None]) -> list[Workload]:
    """HTML pages of the UI, for those that answer (HTTP only)."""
    claims, _, _, versions = _samples(oxigraph_peer)
    workloads = []
    article_pages = _pages(ui_paths, versions)
    claim_pages = _pages(ui_paths, [c for c, _ in claims])
    if article_pages:
        workloads.append(Workload("article page (HTML, HTTP only)", None, paths=article_pages,
                                  target="p50 ≤ 30 ms"))
    if claim_pages:
        workloads.append(Workload("claim page (HTML, HTTP only)", None, paths=claim_pages,
                                  target="p50 ≤ 30 ms"))
    # claimgraph's own full-text search: the SQLite FTS5 index kept in step by every load.
    workloads.append(Workload("full-text search (FTS5, /search.json, HTTP only)", None,
                              paths=[f"/search.json?q={quote(phrase)}" for phrase in PHRASES],
                              target="p50 ≤ 20 ms"))
    # The findings lists every load keeps in the index: the summary, the first page of
    # the uncited claims, and a deep page of them.
    workloads.append(Workload("findings lists (index, /findings, HTTP only)", None,
                              paths=["/findings.json", "/findings/uncited-claim.json",
                                     "/findings/uncited-claim.json?page=2",
                                     "/findings/weak-evidence.json?page=100"],
                              target="≤ 100 ms"))
    return workloads


def _pages(ui_paths: Callable[[str], str | None], iris: list[str], wanted: int = 10) -> list[str]:
    """Up to ``wanted`` pages; gives up after the first that fails (a slow page costs a timeout)."""
    pages = []
    for iri in iris[:wanted]:
        path = ui_paths(iri)
        if path is None:
            break
        pages.append(path)
    return pages


@dataclass
class Timing:
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {"concurrency": self.concurrency, "requests": self.requests, "errors": self.errors,
                "seconds": round(self.seconds, 3), "per_second": round(self.per_second, 1),
                "p50_ms": round(self.percentile(0.50), 2), "p95_ms": round(self.percentile(0.95), 2),
                "p99_ms": round(self.percentile(0.99), 2)}


def run(call: Callable[[int], Any], *, concurrency: int, requests: int, time_cap: float) -> Timing:
    """``call(i)`` from ``concurrency`` threads until ``requests`` are done or ``time_cap`` passes.

    The cap keeps slow peers from running for ever: the requests done by then count.
    """
    lock = threading.Lock()
    state = {"next": 0, "errors": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + time_cap

    def worker() -> None:
        while True:
            with lock:
                index = state["next"]
                if index >= requests or time.perf_counter() > deadline:
                    return
                state["next"] += 1
            started = time.perf_counter()
            try:
                call(index)
            except Exception:  # counted, not fatal: the gate already checked the answers
                with lock:
                    state["errors"] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Timing(concurrency, len(latencies), time.perf_counter() - started, latencies, state["errors"])
