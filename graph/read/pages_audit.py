"""Page data for the audit side of the browser: findings, the review trail and
the drug-label sections a claim's cited label holds.

Findings come from ``graph.findings`` (computed at load time), verdicts from
``graph.reviews``; this module only shapes them for the article and claim pages.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from pyoxigraph import NamedNode

from claimgraph.graph.read import pages_article
from claimgraph.graph.write import reviews
from claimgraph.graph.rules.findings import SEVERITY_NAMES, version_finding_rows
from claimgraph.graph.read.pages_article import version_info
from claimgraph.graph.store import ClaimStore

SEVERITIES = ("violation", "warning", "info")  # most serious first
LABEL_SECTIONS_SHOWN = 2
SECTION_TEXT_SHOWN = 6000  # characters of a section's text on the page; the rest is linked


# -- the article and claim pages with their audit parts ------------------------------

def article_page(store: ClaimStore, version: str) -> dict | None:
    """The article page with its findings panel, claims flagged by finding, and
    the selection its audit downloads export (this very version)."""
    data = pages_article.article_page(store, version)
    if data is None:
        return None
    claims = [seg["claim"] for section in data["sections"] for block in section["blocks"]
              for seg in block["segments"] if "claim" in seg]
    findings = findings_for(store, version, claims)
    flag_claims(claims, findings)
    codes = {c["iri"]: " ".join(f["code"] for f in c["findings"]) for c in claims}
    for row in data["table"]:
        row["findings"] = codes.get(row["claim"], "")
    data.update(findings=findings, finding_counts=severity_counts(findings),
                export_selection={"article": [version]})
    return data


def claim_page(store: ClaimStore, claim: str) -> dict | None:
    """The claim page with the findings about it, its review trail and the
    sections of any drug label it cites."""
    data = pages_article.claim_page(store, claim)
    if data is None:
        return None
    version = data["article"]["version"]
    own = {"iri": claim, "position": data["position"], "anchor": data["anchor"], "markers": data["citations"]}
    data["findings"] = findings_about_claim(findings_for(store, version, [own]), claim)
    current = pages_article.current_version(store, data["article"]["work"]) or version
    data["reviews"] = review_trail(store, claim, current, data["citations"])
    data["review_sources"] = _distinct_sources(data["citations"])
    terms = [m["label"] for m in data["drugs"] + data["conditions"]]
    data["label_sections"] = label_sections(store, claim, data["text"], terms)
    data["export_selection"] = {"article": [version]}
    return data


def _distinct_sources(citations: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for marker in citations:
        source = marker["source"]
        if source and source["iri"] not in seen:
            seen[source["iri"]] = {"iri": source["iri"], "label": marker["label"],
                                   "title": source["title"] or f"{source['kind_name']} cited as [{marker['label']}]"}
    return list(seen.values())


# -- findings ------------------------------------------------------------------------

def findings_for(store: ClaimStore, version: str, claims: list[dict]) -> list[dict]:
    """The findings of an article version, each tied to the claims (of ``claims``) it concerns.

    ``claims`` are page claims with their ``markers``: a finding about a claim or
    one of its markers concerns that claim directly; one about a source concerns
    every claim citing it. Ordered most serious first, then by claim position.
    """
    direct_owner: dict[str, dict] = {}
    citing: dict[str, list[dict]] = {}
    for claim in claims:
        direct_owner[claim["iri"]] = claim
        for marker in claim["markers"]:
            direct_owner[marker["iri"]] = claim
            if marker["source"]:
                citing.setdefault(marker["source"]["iri"], []).append(claim)
    grouped: dict[str, dict] = {}
    for row in version_finding_rows(store, version):
        finding = grouped.setdefault(row["finding"], {
            "iri": row["finding"], "code": row["code"],
            "severity": SEVERITY_NAMES.get(row["severity"], "info"),
            "explanation": row["explanation"], "targets": [], "claims": [], "direct": False,
            "anchor": "finding-" + row["finding"].rsplit("/", 1)[-1]})
        target = row["target"]
        owner = direct_owner.get(target)
        if owner is not None:
            finding["direct"] = True
            _add_claim(finding, owner)
        else:
            finding["targets"].append(target)
            for claim in citing.get(target, []):
                _add_claim(finding, claim)
    result = list(grouped.values())
    for finding in result:
        finding["claims"].sort(key=lambda c: c["position"])
    result.sort(key=lambda f: (SEVERITIES.index(f["severity"]),
                               f["claims"][0]["position"] if f["claims"] else 0, f["code"], f["iri"]))
    return result


def _add_claim(finding: dict, claim: dict) -> None:
    if not any(c["iri"] == claim["iri"] for c in finding["claims"]):
        finding["claims"].append({"iri": claim["iri"], "position": claim["position"],
                                  "anchor": claim["anchor"]})


def severity_counts(findings: list[dict]) -> list[dict]:
    counts = Counter(f["severity"] for f in findings)
    return [{"severity": s, "findings": counts.get(s, 0)} for s in SEVERITIES]


def flag_claims(claims: list[dict], findings: list[dict]) -> None:
    """Give each claim the findings about it directly and the most serious one's severity."""
    by_claim: dict[str, list[dict]] = {}
    for finding in findings:
        if finding["direct"]:
            for claim in finding["claims"]:
                by_claim.setdefault(claim["iri"], []).append(finding)
    for claim in claims:
        own = by_claim.get(claim["iri"], [])
        claim["findings"] = [{"code": f["code"], "severity": f["severity"], "anchor": finding_anchor(f)}
                             for f in own]
        claim["finding_severity"] = min((f["severity"] for f in own), key=SEVERITIES.index, default=None)


def finding_anchor(finding: dict) -> str:
    """The HTML id of a finding in the article's findings panel."""
    return finding["anchor"]


def findings_about_claim(findings: list[dict], claim: str) -> list[dict]:
    return [f for f in findings if any(c["iri"] == claim for c in f["claims"])]


# -- review trail --------------------------------------------------------------------

def review_trail(store: ClaimStore, claim: str, current_version: str, citations: list[dict]) -> list[dict]:
    """Every verdict on the claim, newest first, with the article version it was given on
    and the sources the reviewer looked at (titled where the claim cites them)."""
    titles = {m["source"]["iri"]: m["source"]["title"] or f"source cited as [{m['label']}]"
              for m in citations if m["source"]}
    numbers: dict[str, str | None] = {}
    trail = []
    for row in reviews.history(store, claim):
        version = row["version"]
        if version not in numbers:
            info = version_info(store, version)
            numbers[version] = info["number"] if info else None
        trail.append({
            "iri": row["verdict"], "verdict": row["verdict_name"],
            "verdict_label": row["verdict_label"] or row["verdict_name"].replace("-", " "),
            "reviewer": row["reviewer"], "time": row["time"], "date": str(row["time"])[:10],
            "note": row["note"], "version": version, "version_number": numbers[version],
            "on_current_version": version == current_version,
            "sources": [{"iri": s, "title": titles.get(s)} for s in row["sources"]],
        })
    trail.reverse()
    return trail


# -- drug label sections -----------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_COMMON = frozenset("""
    about after also been being both cases could does during each from have having into
    including may more most must other should some such than that their them then there
    these they this those under when where which while will with within without would
    patients patient treatment treated therapy use used""".split())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _COMMON}


def label_sections(store: ClaimStore, claim: str, claim_text: str, extra_terms: list[str]) -> list[dict]:
    """For each drug label the claim cites, the sections of its newest loaded
    version that share the most (rare) words with the claim, with the best
    matching sentence of each. The article never says which section it means,
    so this is a word match for the reader to check, not a link the article made.
    """
    rows = store.select("page-claim-label-sections", claim=NamedNode(claim))
    by_label: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        by_label.setdefault(row["label"], {}).setdefault(row["label_version"], []).append(row)
    wanted = _words(claim_text) | {w for term in extra_terms for w in _words(term)}
    result = []
    for label, versions in sorted(by_label.items()):
        version, sections = max(versions.items(), key=lambda item: _version_order(item[1][0]))
        words = [_words(s["text"]) for s in sections]
        document_frequency = Counter(w for ws in words for w in ws & wanted)
        weight = {w: math.log(1 + len(sections) / n) for w, n in document_frequency.items()}
        scored = []
        for section, section_words in zip(sections, words):
            shared = section_words & wanted
            score = sum(weight[w] for w in shared)
            if len(shared) >= 2:
                scored.append((score, section, shared))
        scored.sort(key=lambda item: (-item[0], item[1]["position"] or 0))
        first = sections[0]
        result.append({
            "label": label, "label_version": version, "version_number": first["number"],
            "effective": first["effective"], "title": first["label_title"],
            "sections_loaded": len(sections),
            "sections": [_section_view(section, shared, weight)
                         for _, section, shared in scored[:LABEL_SECTIONS_SHOWN]],
        })
    return result


def _version_order(row: dict) -> tuple:
    number = str(row["number"] or "")
    return (int(number) if number.isdigit() else -1, str(row["effective"] or ""), row["label_version"])


def _section_view(section: dict, shared: set[str], weight: dict[str, float]) -> dict:
    text = " ".join(section["text"].split())
    sentences = _SENTENCE_END.split(text)
    best = max(sentences, key=lambda s: sum(weight.get(w, 0) for w in _words(s) & shared))
    return {
        "iri": section["section"], "title": section["title"] or section["loinc_name"] or "Untitled section",
        "loinc_code": section["loinc_code"], "loinc_name": section["loinc_name"],
        "matched_words": sorted(shared), "passage": _marked(best, shared),
        "text": text[:SECTION_TEXT_SHOWN], "cut": len(text) > SECTION_TEXT_SHOWN,
    }


def _marked(sentence: str, words: set[str]) -> list[dict]:
    """The sentence as runs, the matched words flagged (the template escapes each run)."""
    runs, cursor = [], 0
    for match in _WORD.finditer(sentence.lower()):
        if match.group() in words:
            if match.start() > cursor:
                runs.append({"text": sentence[cursor:match.start()], "match": False})
            runs.append({"text": sentence[match.start():match.end()], "match": True})
            cursor = match.end()
    if cursor < len(sentence):
        runs.append({"text": sentence[cursor:], "match": False})
    return runs


__all__ = ["article_page", "claim_page", "findings_for", "flag_claims", "findings_about_claim",
           "severity_counts", "review_trail", "label_sections", "SEVERITIES"]
