"""Linked data for the pages: one URL per IRI, many representations.

``/id/<rest>`` is the page of ``BASE_IRI + rest``. The representation is picked
by a suffix (``.ttl``, ``.jsonld``, ``.nt`` for the RDF that describes the
resource, ``.json``/``.csv`` for the page's data, Datasette-style) or else by
the Accept header; every answer lists the others in ``Link: rel="alternate"``.
RDF formats come from the SPARQL endpoint's table (``negotiation``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, current_app, json, request
from pyoxigraph import NamedNode, serialize

from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import PREFIXES
from claimgraph.graph.exports.safe_text import csv_field
from claimgraph.graph.store import ClaimStore

from .negotiation import BY_NAME


@dataclass(frozen=True)
class Representation:
    suffix: str  # "" for the HTML page
    media_type: str
    label: str
    rdf_format: str | None = None  # a name in negotiation.BY_NAME


HTML = Representation("", "text/html", "HTML")
REPRESENTATIONS = (
    HTML,
    Representation("ttl", "text/turtle", "Turtle", "turtle"),
    Representation("jsonld", "application/ld+json", "JSON-LD", "jsonld"),
    Representation("nt", "application/n-triples", "N-Triples", "ntriples"),
    Representation("json", "application/json", "JSON"),
    Representation("csv", "text/csv", "CSV"),
)
BY_SUFFIX = {r.suffix: r for r in REPRESENTATIONS if r.suffix}
# Characters graph/iris.py leaves unescaped in IRI paths; the rest come percent-encoded.
_IRI_SAFE = "/-._()~"


def base_iri() -> str:
    return current_app.config["BASE_IRI"]


def page_path(iri: str) -> str | None:
    """The local URL of an IRI minted under BASE_IRI; None for outside IRIs."""
    base = base_iri()
    if not iri.startswith(base):
        return None
    return f"{request.script_root}/id/{iri[len(base):]}"


def candidate_iris(rest: str) -> list[str]:
    """The IRIs a decoded ``/id/<rest>`` path may stand for: as decoded, and
    re-encoded the way graph/iris.py encodes (so ``%3B`` in a DOI round-trips)."""
    base = base_iri()
    found = [base + rest]
    encoded = quote(rest, safe=_IRI_SAFE)
    if encoded != rest:
        found.append(base + encoded)
    return found


def split_suffix(rest: str) -> tuple[str, Representation | None]:
    """``claim-3.ttl`` -> (``claim-3``, Turtle). The caller falls back to the whole
    path when the stripped one names nothing (a DOI may end in ``.csv``)."""
    stem, dot, suffix = rest.rpartition(".")
    if dot and suffix in BY_SUFFIX and "/" not in suffix:
        return stem, BY_SUFFIX[suffix]
    return rest, None


def negotiate() -> Representation:
    """The representation the Accept header prefers; HTML for browsers and */*."""
    accept = request.accept_mimetypes
    best = accept.best_match([r.media_type for r in REPRESENTATIONS], default=HTML.media_type)
    # Browsers send */* with text/html; only an explicit, preferred data type wins.
    if accept[best] <= accept["text/html"] and best != HTML.media_type:
        return HTML
    return next(r for r in REPRESENTATIONS if r.media_type == best)


def alternates(page_url: str, *, with_rdf: bool = True) -> list[dict]:
    """Every representation of a page (RDF ones only for resources with an IRI)."""
    return [{"href": page_url + ("." + r.suffix if r.suffix else ""), "type": r.media_type,
             "label": r.label} for r in REPRESENTATIONS if with_rdf or not r.rdf_format]


def link_header(alts: list[dict], current: Representation) -> str:
    return ", ".join(f'<{alt["href"]}>; rel="alternate"; type="{alt["type"]}"'
                     for alt in alts if alt["type"] != current.media_type)


def rdf_body(store: ClaimStore, iri: str, representation: Representation) -> tuple[bytes, str]:
    """The resource's description (``page-describe.rq``) in an RDF format."""
    fmt = BY_NAME[representation.rdf_format]
    # Sorted: the same description in the same bytes whichever engine answers.
    triples = sorted(store.query(queries.get("page-describe"), bindings={"iri": NamedNode(iri)}), key=str)
    prefixes = PREFIXES if representation.rdf_format in ("turtle", "jsonld") else None
    body = serialize(triples, format=fmt.pyoxigraph, prefixes=prefixes)
    return body, fmt.content_type


def data_body(data: dict, representation: Representation) -> tuple[str, str]:
    """The page's data: all of it as JSON, its main table as CSV."""
    if representation.suffix == "json":
        return json.dumps(data, default=_jsonable, indent=1), "application/json"
    rows = data.get("table") or []
    out = io.StringIO()
    columns = list(rows[0]) if rows else ["iri"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_field(v) for k, v in row.items()})  # formula-like text neutralised
    return out.getvalue(), "text/csv; charset=utf-8"


def _jsonable(value):
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def respond(body, content_type: str, alts: list[dict], representation: Representation,
            status: int = 200) -> Response:
    response = Response(body, status=status, content_type=content_type)
    response.headers["Link"] = link_header(alts, representation)
    response.vary.add("Accept")
    return response
