"""The SPARQL endpoint's pages for people: the query editor (``/query``, ``/sparql``
without a query) and, for a ``/sparql?query=…`` link opened in a browser, the answer
as a table with the query and links to every format (``sparql_results.html``).

The answer is the one the protocol route computes (an ``Outcome``); this module only
renders it, so the page and the formats it links to always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template, request, url_for

from claimgraph.graph.rules import examples as example_queries
from claimgraph.graph.rdf.namespaces import PREFIXES

from . import negotiation
from .query_execute import Outcome


@dataclass(frozen=True)
class Cell:
    """One value of a results table; prints as its value (the plain editor form shows it so)."""

    value: str = ""
    kind: str = ""  # "uri", "bnode", "literal", "triple", or "" when unbound
    datatype: str = ""
    language: str = ""

    def __str__(self) -> str:
        return self.value


def wants_html() -> bool:
    """A browser asking for a page (text/html named, and liked at least as much as RDF)."""
    accept = request.accept_mimetypes
    named = any(value == "text/html" for value, _quality in accept)
    best_rdf = max(accept.quality(m) for f in negotiation.formats_of(negotiation.GRAPH) for m in f.media_types)
    return named and accept.quality("text/html") >= best_rdf


def error_detail(outcome: Outcome) -> str:
    if outcome.position:
        return f"line {outcome.position['line']}, column {outcome.position['column']}: {outcome.detail}"
    return outcome.detail


def results_table(outcome: Outcome) -> dict:
    """What the pages show of an answer: an error, a yes/no, a text (graphs) or a table."""
    if outcome.status != 200:
        return {"error": f"{outcome.title}: {error_detail(outcome)}"}
    if not outcome.media_type.startswith("application/sparql-results+json"):
        return {"text": outcome.body.decode("utf-8", "replace"), "truncated": outcome.truncated}
    data = json.loads(outcome.body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    names = data["head"]["vars"]
    rows = [[_cell(row.get(name)) for name in names] for row in data["results"]["bindings"]]
    return {"vars": names, "rows": rows, "truncated": outcome.truncated}


def _cell(term: dict | None) -> Cell:
    if term is None:
        return Cell()
    if term["type"] == "triple":
        return Cell(json.dumps(term["value"]), "triple")
    return Cell(term["value"], term["type"], term.get("datatype", ""), term.get("xml:lang", ""))


def results_page(query: str, outcome: Outcome):
    table = results_table(outcome)
    kind = negotiation.GRAPH if "text" in table else negotiation.RESULTS
    dataset = {name: request.values.getlist(name) for name in ("default-graph-uri", "named-graph-uri")
               if request.values.getlist(name)}
    links = [{"label": fmt.label, "href": url_for("sparql.endpoint", query=query, format=fmt.name, **dataset)}
             for fmt in negotiation.formats_of(kind)]
    page = render_template("sparql_results.html", query=query, table=table, formats=links,
                           editor=url_for("sparql.query_page", query=query),
                           row_limit=current_app.config["ROW_LIMIT"])
    return page, outcome.status, {"Content-Type": "text/html; charset=utf-8"}


def editor_page(query: str | None = None, table: dict | None = None):
    examples = example_queries.load_examples()
    initial = query or (examples[0].text if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    return render_template("query.html", query=initial, table=table, examples=examples,
                           example_texts={e.name: e.text for e in examples},
                           prefixes=PREFIXES, formats=negotiation.FORMATS,
                           endpoint=url_for("sparql.endpoint"), row_limit=current_app.config["ROW_LIMIT"],
                           timeout=current_app.config["QUERY_TIMEOUT"],
                           yasgui=yasgui_available())


def yasgui_available() -> bool:
    return (Path(current_app.static_folder) / "vendor" / "yasgui" / "yasgui.min.js").is_file()
