"""Page data for an article version (re-rendered as it reads) and for one claim."""

from __future__ import annotations

from collections import Counter

from pyoxigraph import NamedNode

from claimgraph.graph.read.pages import (SUPPORT, anchor_of, citations, claims_with_support, level_info, mentions,
                    support_of)
from claimgraph.graph.store import ClaimStore

MAX_VERSIONS_DIFFED = 10


def current_version(store: ClaimStore, work: str) -> str | None:
    rows = store.select("current-version", work=NamedNode(work))
    return rows[0]["version"] if rows else None


def version_info(store: ClaimStore, version: str) -> dict | None:
    rows = store.select("page-article-version", version=NamedNode(version))
    return rows[0] if rows else None


def article_page(store: ClaimStore, version: str) -> dict | None:
    info = version_info(store, version)
    if info is None:
        return None
    claims, markers = claims_with_support(store, version)
    blocks = store.select("page-article-blocks", version=NamedNode(version))
    sections = store.select("page-article-sections", version=NamedNode(version))
    body = _body(sections, blocks, claims)
    support_counts = Counter(c["support"] for c in claims)
    return {
        "kind": "article", "iri": version, "title": info["title"], "version": info,
        "is_current": info["newer"] is None,
        "sections": body,
        "support": [{"name": name, "text": text, "claims": support_counts.get(name, 0)}
                    for name, text in SUPPORT.items()],
        "history": version_history(store, info["work"], version),
        "claim_count": len(claims), "marker_count": len(markers),
        "table": [{"claim": c["iri"], "position": c["position"], "text": c["text"],
                   "section": c["section_title"], "support": c["support"],
                   "strongest_level": (c["level"] or {}).get("label"),
                   "cites": " ".join(m["label"] for m in c["markers"])} for c in claims],
    }


def _body(sections: list[dict], blocks: list[dict], claims: list[dict]) -> list[dict]:
    """Sections in reading order, each with its blocks cut into text and claims."""
    by_block: dict[str, list[dict]] = {}
    for claim in claims:
        by_block.setdefault(claim["block"], []).append(claim)
    out = [{"iri": s["section"], "title": s["title"], "level": s["level"] or 1,
            "anchor": anchor_of(s["section"]), "blocks": []} for s in sections]
    index = {s["iri"]: s for s in out}
    lead = {"iri": None, "title": None, "level": 1, "anchor": "lead", "blocks": []}
    for block in blocks:
        rendered = {"iri": block["block"], "anchor": anchor_of(block["block"]),
                    "list_item": bool(block["list_item"]),
                    "segments": _segments(block["text"], by_block.get(block["block"], []))}
        index.get(block["section"], lead)["blocks"].append(rendered)
    return ([lead] if lead["blocks"] else []) + out


def _segments(text: str, claims: list[dict]) -> list[dict]:
    """The block's text as plain runs and claims; each claim as text runs and markers.

    Claims carry the offsets of their original text in the block; when those do
    not match (an older loader, edited text) the text is searched for instead.
    """
    segments, cursor = [], 0
    for claim in sorted(claims, key=lambda c: (c["start"] is None, c["start"] or 0, c["position"])):
        original = claim["original"]
        start = claim["start"]
        if start is None or text[start:start + len(original)] != original or start < cursor:
            start = text.find(original, cursor)
        if start < 0:
            continue  # cannot place it; it still has its own page
        if start > cursor:
            segments.append({"text": text[cursor:start]})
        segments.append({"claim": claim, "parts": claim_parts(claim)})
        cursor = start + len(original)
    if cursor < len(text):
        segments.append({"text": text[cursor:]})
    return segments


def claim_parts(claim: dict) -> list[dict]:
    """A claim's original text as runs and its markers in place."""
    original, parts, cursor, leftover = claim["original"], [], 0, []
    for marker in sorted(claim["markers"], key=lambda m: (m["start"] is None, m["start"] or 0)):
        start, end = marker["start"], marker["end"]
        if start is None or start < cursor or original[start:end] != marker["label"]:
            leftover.append(marker)
            continue
        if start > cursor:
            parts.append({"text": original[cursor:start]})
        parts.append({"marker": marker})
        cursor = end
    if cursor < len(original):
        parts.append({"text": original[cursor:]})
    parts.extend({"marker": m} for m in leftover)
    return parts


def version_history(store: ClaimStore, work: str, shown: str) -> list[dict]:
    """Every version, newest first, with the claims added and removed by text."""
    versions = store.select("page-article-versions", work=NamedNode(work))
    texts: dict[str, list[str]] = {}

    def claim_texts(version: str) -> list[str]:
        if version not in texts:
            texts[version] = [r["text"] for r in store.select("page-claims", version=NamedNode(version))]
        return texts[version]

    history = []
    for i, row in enumerate(reversed(versions)):
        entry = dict(row, shown=row["version"] == shown, added=[], removed=[])
        if row["previous"] and i < MAX_VERSIONS_DIFFED:
            new, old = Counter(claim_texts(row["version"])), Counter(claim_texts(row["previous"]))
            entry["added"] = list((new - old).elements())
            entry["removed"] = list((old - new).elements())
        history.append(entry)
    return history


def claim_page(store: ClaimStore, claim: str) -> dict | None:
    rows = store.select("page-claims", claim=NamedNode(claim))
    if not rows:
        return None
    row = rows[0]
    version = row["version"]
    info = version_info(store, version)
    siblings = store.select("page-claims", version=NamedNode(version))
    before = [s for s in siblings if s["position"] == row["position"] - 1]
    after = [s for s in siblings if s["position"] == row["position"] + 1]
    markers = citations(store, claim=claim)
    judgments = _judgments(store, claim)
    named = mentions(store, claim=claim).get(claim, [])
    related = _related(store, claim)
    sources = [m["source"] for m in markers if m["source"]]
    return {
        "kind": "claim", "iri": claim, "title": row["text"], "text": row["text"],
        "original": row["original"], "position": row["position"],
        "section_title": row["section_title"], "section": row["section"],
        "level": level_info(row["level"]),
        "support": support_of([s["kind"] for s in sources], bool(sources)),
        "article": info, "anchor": anchor_of(claim),
        "before": _neighbour(before, row), "after": _neighbour(after, row),
        "citations": markers, "judgments": judgments,
        "drugs": [m for m in named if m["kind"] == "drug"],
        "conditions": [m for m in named if m["kind"] != "drug"],
        "related": related,
        "table": [{"marker": m["label"], "source": (m["source"] or {}).get("iri"),
                   "kind": (m["source"] or {}).get("kind_name"),
                   "title": (m["source"] or {}).get("title"),
                   "organisation": (m["source"] or {}).get("organisation_name"),
                   "evidence_level": ((m["source"] or {}).get("level") or {}).get("label"),
                   "links": " ".join(link["url"] for link in (m["source"] or {}).get("links", []))}
                  for m in markers],
    }


def _neighbour(rows: list[dict], claim: dict) -> dict | None:
    """The sentence next to a claim, when it reads in the same section."""
    if not rows or rows[0]["section"] != claim["section"]:
        return None
    row = rows[0]
    return {"iri": row["claim"], "text": row["text"], "same_block": row["block"] == claim["block"]}


def _judgments(store: ClaimStore, claim: str) -> list[dict]:
    grouped: dict[str, dict] = {}
    for row in store.select("page-claim-judgments", claim=NamedNode(claim)):
        entry = grouped.setdefault(row["judgment"], {
            "aspect": row["aspect"], "value": row["value"], "annotator": row["annotator"],
            "note": row["note"], "passages": []})
        if row["passage"] and row["passage"] not in entry["passages"]:
            entry["passages"].append(row["passage"])
    return list(grouped.values())


def _related(store: ClaimStore, claim: str) -> list[dict]:
    """Other current claims citing the same sources or naming the same drug and
    condition, each with why, most shared first (at most ``page_lists.RELATED_LIMIT``),
    from the page-list index rather than a store-wide join."""
    from claimgraph.graph.index import page_lists# here, not at the top: this function is all page_lists touches

    return page_lists.related_claims(store, claim)
