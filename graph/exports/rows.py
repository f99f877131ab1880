"""Audit rows: one per claim and citation marker, with findings and the latest verdict.

Everything for one article version is gathered at a time, so exports stream
article by article with memory bounded by the largest article.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from claimgraph.graph import resolution
from claimgraph.graph.write import reviews
from claimgraph.graph.rules.findings import SEVERITY_NAMES, version_finding_rows
from claimgraph.graph.read.pages import source_cards
from claimgraph.graph.rdf.kinds import SLUG_BY_CLASS as SOURCE_KINDS
from claimgraph.graph.store import ClaimStore

COLUMNS = ["article", "article_title", "version", "version_number", "section", "claim",
           "claim_position", "claim_text", "marker", "source", "source_kind", "source_title",
           "identifiers", "organisation", "evidence_level", "findings", "latest_verdict",
           "reviewer", "verdict_date", "verdict_note"]
FINDING_COLUMNS = ["article", "version", "code", "severity", "target", "explanation"]

SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}


@dataclass
class ArticleAudit:
    """What the exports need of one article version."""

    version: str
    rows: list[dict] = field(default_factory=list)  # COLUMNS
    findings: list[dict] = field(default_factory=list)  # FINDING_COLUMNS
    history: list[dict] = field(default_factory=list)  # every verdict, oldest first
    claims: list[dict] = field(default_factory=list)  # one per claim, with its rows and findings

    @property
    def title(self) -> str:
        return self.claims[0]["article_title"] if self.claims else ""


def _identifiers(row: dict) -> str:
    return "; ".join(f"{name}:{row[name]}" for name in ("doi", "pmid", "pmcid", "setid") if row.get(name))


def _source_fields(card: dict | None) -> dict:
    """The audit's columns of a cited source, from its card (pages.source_cards)."""
    card = card or {}
    organisation = (card.get("org") or "").partition("\t")[2]
    return {"kind": SOURCE_KINDS.get(card.get("kind") or ""), "source_title": card.get("title"),
            "organisation": organisation or None, **{name: card.get(name) for name in ("doi", "pmid", "pmcid", "setid")}}


def article_audit(store: ClaimStore, version: str) -> ArticleAudit:
    node = NamedNode(version)
    audit = ArticleAudit(version)
    by_target: dict[str, list[dict]] = defaultdict(list)
    for f in version_finding_rows(store, version):
        finding = {"code": f["code"], "severity": SEVERITY_NAMES.get(f["severity"], f["severity"]),
                   "target": f["target"], "explanation": f["explanation"], "finding": f["finding"]}
        by_target[f["target"]].append(finding)
    latest = reviews.latest_by_claim(store, version)
    audit.history = store.select("audit-version-history", version=node)

    claims: dict[str, dict] = {}
    seen_markers: set[tuple[str, str | None]] = set()
    rows = store.select("audit-rows", version=node)
    resolved = resolution.identified(store, {r["source"] for r in rows if r["source"]})
    for r in rows:  # a reference a reviewer identified is audited as the record (graph/resolution)
        r["source"] = resolved.get(r["source"], r["source"])
    cards = source_cards(store, version, {r["source"] for r in rows if r["source"]})
    for r in rows:
        key = (r["claim"], r["label"])
        if key in seen_markers:
            continue  # the same marker label twice in one claim: one row
        seen_markers.add(key)
        r |= _source_fields(cards.get(r["source"]))
        verdict = latest.get(r["claim"], {})
        targets = [r["claim"], r["source"], r["entry"]]
        codes = sorted({f["code"] for t in targets if t for f in by_target.get(t, [])})
        row = {
            "article": r["work"], "article_title": r["article_title"], "version": version,
            "version_number": r["version_number"], "section": r["section"] or "",
            "claim": r["claim"], "claim_position": r["position"], "claim_text": r["text"],
            "marker": r["label"] or "", "source": r["source"] or "", "source_kind": r["kind"] or "",
            "source_title": r["source_title"] or "", "identifiers": _identifiers(r),
            "organisation": r["organisation"] or "", "evidence_level": r["evidence_level"] or "",
            "findings": "; ".join(codes), "latest_verdict": verdict.get("verdict_label") or "",
            "reviewer": verdict.get("reviewer") or "", "verdict_date": verdict.get("time") or "",
            "verdict_note": verdict.get("note") or "",
        }
        audit.rows.append(row)
        claim = claims.setdefault(r["claim"], {
            "claim": r["claim"], "position": r["position"], "text": r["text"],
            "section": r["section"] or "", "article_title": r["article_title"],
            "article": r["work"], "version_number": r["version_number"],
            "strongest": r["strongest"], "rows": [],
            "findings": sorted(by_target.get(r["claim"], []), key=lambda f: f["code"]),
            "verdict": verdict})
        claim["rows"].append(row)
    audit.claims = sorted(claims.values(), key=lambda c: c["position"])
    work = audit.claims[0]["article"] if audit.claims else ""
    unique = {f["finding"]: f for fs in by_target.values() for f in fs}
    audit.findings = [{"article": work, "version": version, **{k: f[k] for k in FINDING_COLUMNS[2:]}}
                      for f in sorted(unique.values(), key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9),
                                                                      f["code"], f["target"]))]
    for claim in audit.claims:
        worst = min((SEVERITY_ORDER.get(f["severity"], 9) for t in
                     {claim["claim"], *(r["source"] for r in claim["rows"] if r["source"])}
                     for f in by_target.get(t, [])), default=None)
        claim["worst"] = {0: "violation", 1: "warning", 2: "info"}.get(worst, "none")
    return audit
