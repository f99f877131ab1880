"""Which serialisation a SPARQL result is sent in: one table of formats and
Accept-header matching (q-values, wildcards) over it.

SELECT/ASK answers are *results*; CONSTRUCT/DESCRIBE answers and graphs are
*graphs*. Each format has a short name (the ``format=`` parameter, the
editor's download menu), a file suffix, and its media types; the first media
type is the one sent, the others are accepted aliases.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

RESULTS = "results"
GRAPH = "graph"


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # RESULTS or GRAPH
    media_types: tuple[str, ...]
    suffix: str
    label: str
    w3c_iri: str  # http://www.w3.org/ns/formats/..., for the service description
    aliases: tuple[str, ...] = ()  # other format= spellings clients send (SPARQLWrapper: rdf+xml, json-ld)

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        return self.media_type + ("" if self.media_type.endswith("json") else "; charset=utf-8")

    @property
    def pyoxigraph(self):
        if self.kind == RESULTS:
            return getattr(QueryResultsFormat, _PYOXIGRAPH[self.name])
        return getattr(RdfFormat, _PYOXIGRAPH[self.name])

    @property
    def quads(self) -> bool:
        return self.name in ("trig", "nquads")


_W3C = "http://www.w3.org/ns/formats/"
FORMATS: tuple[Format, ...] = (
    # Results, in the order preferred when the client says */* or nothing.
    Format("json", RESULTS, ("application/sparql-results+json", "application/json"), "srj",
           "SPARQL JSON", _W3C + "SPARQL_Results_JSON"),
    Format("xml", RESULTS, ("application/sparql-results+xml", "application/xml", "text/xml"), "srx",
           "SPARQL XML", _W3C + "SPARQL_Results_XML"),
    Format("csv", RESULTS, ("text/csv",), "csv", "CSV", _W3C + "SPARQL_Results_CSV"),
    Format("tsv", RESULTS, ("text/tab-separated-values",), "tsv", "TSV", _W3C + "SPARQL_Results_TSV"),
    # Graphs.
    # N3 is asked for by clients (SPARQLWrapper's N3) that mean Turtle, a subset of N3.
    Format("turtle", GRAPH, ("text/turtle", "application/x-turtle", "text/n3", "text/rdf+n3"), "ttl", "Turtle",
           _W3C + "Turtle", ("n3",)),
    Format("ntriples", GRAPH, ("application/n-triples", "text/plain"), "nt", "N-Triples", _W3C + "N-Triples",
           ("n-triples",)),
    Format("rdfxml", GRAPH, ("application/rdf+xml", "application/xml", "text/xml"), "rdf", "RDF/XML",
           _W3C + "RDF_XML", ("rdf+xml", "xml")),
    Format("jsonld", GRAPH, ("application/ld+json", "application/json"), "jsonld", "JSON-LD",
           _W3C + "JSON-LD", ("json-ld", "json")),
    Format("trig", GRAPH, ("application/trig",), "trig", "TriG", _W3C + "TriG"),
    Format("nquads", GRAPH, ("application/n-quads",), "nq", "N-Quads", _W3C + "N-Quads", ("n-quads",)),
)
_PYOXIGRAPH = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV", "turtle": "TURTLE",
               "ntriples": "N_TRIPLES", "rdfxml": "RDF_XML", "jsonld": "JSON_LD", "trig": "TRIG",
               "nquads": "N_QUADS"}
BY_NAME = {f.name: f for f in FORMATS}


class NotAcceptable(Exception):
    """Nothing the client accepts fits this kind of answer (HTTP 406)."""


class UnknownFormat(ValueError):
    """A ``format=`` value that names no format of either kind (HTTP 400)."""


def formats_of(kind: str) -> list[Format]:
    return [f for f in FORMATS if f.kind == kind]


def lookup(value: str, kind: str | None) -> Format | None:
    """A ``format=`` value: a short name, a suffix or a media type, of ``kind`` (None:
    any kind). ``UnknownFormat`` when it names no format at all; None when it names a
    format of the other kind only."""
    wanted = value.strip().lower()
    matches = [fmt for fmt in FORMATS
               if wanted in (fmt.name, fmt.suffix) or wanted in fmt.media_types or wanted in fmt.aliases]
    if not matches:
        names = ", ".join(f.name for f in FORMATS)
        raise UnknownFormat(f"format={value!r} names no format; use one of {names}")
    return next((fmt for fmt in matches if kind is None or fmt.kind == kind), None)


@functools.lru_cache(maxsize=512)
def choose(kind: str, accept_header: str | None, format_override: str | None = None) -> Format:
    """The format to send: the ``format=`` override when it fits the kind of answer;
    else the best Accept match (client q-values first, then our order); else our
    default for the kind. A ``format=`` that does not fit (a SELECT asked for Turtle)
    falls back to Accept and then to the default rather than failing, as other servers
    do: clients such as SPARQLWrapper send one ``format=`` whatever the query.

    Remembered per (kind, Accept, override): clients send the same few headers over
    and over, and parsing one costs about 90 µs, more than a small query's own
    evaluation. (Refusals raise, and lru_cache does not keep those.)"""
    if format_override:
        fitting = lookup(format_override, kind)
        if fitting is not None:
            return fitting
        try:
            return _best_accepted(kind, accept_header)
        except NotAcceptable:
            return formats_of(kind)[0]
    return _best_accepted(kind, accept_header)


def _best_accepted(kind: str, accept_header: str | None) -> Format:
    candidates = formats_of(kind)
    if not accept_header or not accept_header.strip():
        return candidates[0]
    accept = parse_accept_header(accept_header, MIMEAccept)
    best_quality, best = 0.0, None
    for fmt in candidates:
        for media_type in fmt.media_types:
            quality = accept.quality(media_type)
            if quality > best_quality:
                best_quality, best = quality, fmt
    if best is None:
        offered = ", ".join(f.media_type for f in candidates)
        raise NotAcceptable(f"none of the accepted types ({accept_header}) fits this answer; "
                            f"available: {offered}")
    return best
