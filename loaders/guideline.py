"""Guideline records: a small YAML (or JSON) format for clinical practice guidelines.

Documented with an example in ``examples/guidelines/asco-2021-irae.yaml``::

    claimgraph: guideline            # marks the file; required
    organisation: {name: American Society of Clinical Oncology, short_name: ASCO}
    title: ...                       # required
    date: 2021-12-20                 # or year: 2021
    doi: 10.1200/JCO.21.01440        # any of doi / pmid / pmcid / url identifies it
    pmid: 34724392
    authors: [Schneider BJ, ...]
    journal: J Clin Oncol
    volume: "39"; issue: "36"; pages: 4073-4126
    strength: strong                 # optional: one strength for the whole guideline
    recommendations:                 # optional
      - number: "1.1"
        text: ...
        type: evidence-based         # evidence-based | formal consensus | informal consensus
        evidence_quality: high       # high | intermediate | moderate | low | very low | insufficient
        strength: strong             # strong | moderate | weak | conditional

A recommendation with a strength or quality outside these words is an error for
that recommendation only; the guideline and its other recommendations load.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import LoaderError
from .records import Organisation
from .source_fields import Recommendation, RecordDraft, build_record, clean, year_of

FORMAT = "guideline"

STRENGTHS = ("strong", "moderate", "conditional", "weak")  # strongest first
EVIDENCE_QUALITIES = ("high", "intermediate", "moderate", "low", "very low", "insufficient")


def sniff(text: str, path: Path) -> int:
    head = text[:4096]
    if re.search(r"""^["']?claimgraph["']?\s*:\s*["']?guideline\b""", head, re.MULTILINE):
        return 95
    return 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256, records=1)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LoaderError(path, f"malformed YAML: {getattr(exc, 'problem', None) or exc}",
                          line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None) from None
    if not isinstance(data, dict) or data.get("claimgraph") != "guideline":
        raise LoaderError(path, "not a guideline record (needs 'claimgraph: guideline' at the top level)")
    if not clean(data.get("title")):
        raise LoaderError(path, "guideline record has no title")
    org = data.get("organisation") or data.get("organization")
    if isinstance(org, str):
        org = {"name": org}
    date = clean(str(data["date"])) if data.get("date") else None
    draft = RecordDraft(
        title=data["title"], authors=[str(a) for a in data.get("authors") or []],
        journal=clean(data.get("journal")), year=year_of(date or data.get("year")),
        doi=data.get("doi"), pmid=data.get("pmid"), pmcid=data.get("pmcid"), url=data.get("url"),
        kind="guideline", publication_types=["Practice Guideline"],
        organisation=Organisation(clean(org["name"]), clean(org.get("short_name"))) if org else None,
    )
    recommendations = []
    for n, item in enumerate(data.get("recommendations") or [], start=1):
        try:
            recommendations.append(_recommendation(item, n, path))
        except LoaderError as exc:
            result.errors.append(exc)
    strength = clean(str(data["strength"])).lower() if data.get("strength") else None
    if strength and strength not in STRENGTHS:
        result.errors.append(LoaderError(path, f"unknown guideline strength {strength!r} "
                                         f"(one of: {', '.join(STRENGTHS)}); kept without it", place="strength"))
        strength = None
    draft.extra = {"volume": clean(str(data.get("volume") or "")), "issue": clean(str(data.get("issue") or "")),
                   "pages": clean(str(data.get("pages") or "")), "date": date or (str(draft.year) if draft.year else None),
                   "strength": strength, "recommendations": recommendations}
    result.sources.append(build_record(draft, path=path, place="guideline", fmt=FORMAT, sha256=sha256))
    return result


def _recommendation(item, n: int, path: str) -> Recommendation:
    place = f"recommendation {n}"
    if not isinstance(item, dict) or not clean(item.get("text")):
        raise LoaderError(path, "a recommendation needs a text", place=place)
    strength = clean(str(item.get("strength") or "")) or None
    quality = clean(str(item.get("evidence_quality") or "")) or None
    if strength and strength.lower() not in STRENGTHS:
        raise LoaderError(path, f"unknown strength {strength!r} (one of: {', '.join(STRENGTHS)})", place=place)
    if quality and quality.lower() not in EVIDENCE_QUALITIES:
        raise LoaderError(path, f"unknown evidence quality {quality!r} "
                          f"(one of: {', '.join(EVIDENCE_QUALITIES)})", place=place)
    return Recommendation(number=str(item.get("number") or n), text=clean(item["text"]),
                          strength=strength.lower() if strength else None,
                          evidence_quality=quality.lower() if quality else None,
                          recommendation_type=clean(item.get("type")))
