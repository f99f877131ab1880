"""A printable, self-contained HTML audit report, one section per article:
claims coloured by their worst finding, the evidence table, the findings,
the review history and a summary. Everything is escaped by Jinja's autoescape."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from typing import BinaryIO, Iterable

from claimgraph.graph.exports.safe_text import xml_text

from .rows import ArticleAudit


def _environment():
    from jinja2 import Environment

    # finalize: HTML may not hold control characters, U+FFFF or lone surrogates either.
    return Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       finalize=_printable)


def _printable(value):
    """Every value a template writes, with characters HTML cannot hold replaced (Markup stays Markup)."""
    return type(value)(xml_text(value)) if isinstance(value, str) else value


def _summary(audit: ArticleAudit) -> dict:
    codes = Counter(f["code"] for f in audit.findings)
    verdicts = Counter(c["verdict"].get("verdict_label") or "not reviewed" for c in audit.claims)
    cited = sum(1 for c in audit.claims if any(r["source"] for r in c["rows"]))
    return {"claims": len(audit.claims), "cited": cited, "uncited": len(audit.claims) - cited,
            "findings": sorted(codes.items()), "verdicts": sorted(verdicts.items()),
            "reviews": len(audit.history)}


def write_html(audits: Iterable[ArticleAudit], output: BinaryIO, *, software: str) -> dict:
    template_text = resources.files(__package__).joinpath("report.html").read_text(encoding="utf-8")
    head, _, rest = template_text.partition("{# ARTICLE #}")
    # Render article by article so a large selection never sits in memory at once.
    body_template = _environment().from_string(rest.partition("{# END ARTICLE #}")[0])
    tail = rest.partition("{# END ARTICLE #}")[2]
    output.write(_environment().from_string(head).render(software=software).encode("utf-8"))
    articles = 0
    for audit in audits:
        html = body_template.render(audit=audit, summary=_summary(audit))
        output.write(html.encode("utf-8"))
        articles += 1
    output.write(_environment().from_string(tail).render(articles=articles).encode("utf-8"))
    return {"articles": articles}
