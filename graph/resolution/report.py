"""Every unresolved reference with its top candidates, as rows: ``claimgraph resolve --suggest``
and the findings list link here, so a reviewer can work through a library."""

from __future__ import annotations

from pyoxigraph import NamedNode

from claimgraph.graph.store import ClaimStore
from . import identified_with_decision, suggestions

COLUMNS = ["article", "article_title", "marker", "reference", "status", "rank", "candidate", "candidate_title",
           "score", "basis", "reason", "passage", "compared"]


def suggestion_rows(store: ClaimStore, version: str | None = None) -> list[dict]:
    """One row per (reference, candidate) of current versions (or of one version), a row
    with no candidate for a reference with none; "status" says suggested, none or confirmed."""
    refs = store.select("resolve-references", **({"version": NamedNode(version)} if version else {}))
    refs = [r for r in refs if r["current"] or version]
    sources = {r["source"] for r in refs}
    found = suggestions(store, sources)
    confirmed = identified_with_decision(store, sources)
    rows, seen = [], set()
    for ref in sorted(refs, key=lambda r: (str(r["title"] or ""), r["version"], _order(str(r["label"])))):
        if (ref["version"], ref["source"]) in seen:
            continue
        seen.add((ref["version"], ref["source"]))
        base = {"article": ref["version"], "article_title": ref["title"] or "", "marker": str(ref["label"]),
                "reference": ref["source"]}
        empty = {k: "" for k in COLUMNS}
        if ref["source"] in confirmed:
            rows.append({**empty, **base, "status": "confirmed", "candidate": confirmed[ref["source"]][0],
                         "reason": f"confirmed by {confirmed[ref['source']][1]}"})
            continue
        entry = found.get(ref["source"], {"compared": "", "candidates": []})
        if not entry["candidates"]:
            rows.append({**empty, **base, "status": "none", "compared": entry["compared"]})
        for c in entry["candidates"]:
            rows.append({**empty, **base, "status": "suggested", "rank": c["rank"], "candidate": c["candidate"],
                         "candidate_title": c["title"] or "", "score": f"{c['score']:.2f}", "basis": c["basis"],
                         "reason": c["reason"], "passage": c["passage"] or "", "compared": entry["compared"]})
    return rows


def _order(label: str) -> tuple:
    return (0, int(label), "") if label.isdecimal() else (1, 0, label)
