"""One SPARQL query, run and answered: ``execute`` evaluates a ``QueryRequest`` on a
store, negotiates the format, serialises the answer (capping the rows) and turns
every error into an ``Outcome``. The same code runs in a query worker process
(``query_runner``) and inline for in-memory stores.

The dataset: the protocol's ``default-graph-uri`` / ``named-graph-uri`` win; else a
query's own FROM / FROM NAMED (read by ``graph.queries.syntax``); else the default
graph is the union of the named graphs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring as encode_json_string

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryBoolean,
                        QueryResultsFormat, QuerySolutions, Store, Triple, parse_query_results,
                        serialize)

from claimgraph.graph.queries import syntax as sparql_syntax
from claimgraph.graph.rdf.namespaces import PREFIXES

from . import negotiation


@dataclass(frozen=True)
class QueryRequest:
    """Everything a worker needs; plain data so that it pickles."""

    sparql: str
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None = not given
    named_graphs: tuple[str, ...] | None = None
    accept: str | None = None
    format_override: str | None = None
    row_limit: int = 10000


@dataclass
class Outcome:
    status: int = 200
    media_type: str = ""
    body: bytes = b""
    truncated: bool = False
    count: int | None = None  # rows or triples sent (None for ASK)
    title: str = ""  # error title / detail when status != 200
    detail: str = ""
    position: dict | None = field(default=None)  # {"line", "column"} of a syntax error
    retry_after: int | None = None  # seconds, for a 503 the client may simply repeat later


# -- one query ----------------------------------------------------------------
def execute(store: Store, request: QueryRequest) -> Outcome:
    """Run one query and serialise its answer; errors become Outcomes, never exceptions."""
    try:
        result = store.query(request.sparql, base_iri=request.base_iri, prefixes=PREFIXES,
                             **_dataset_arguments(request))
        kind = negotiation.GRAPH if _is_graph(result) else negotiation.RESULTS
        fmt = negotiation.choose(kind, request.accept, request.format_override)
        return _serialise(result, fmt, request.row_limit)
    except SyntaxError as exc:
        return syntax_error_outcome(str(exc), request.sparql)
    except negotiation.NotAcceptable as exc:
        return Outcome(406, title="Not Acceptable", detail=str(exc))
    except negotiation.UnknownFormat as exc:
        return Outcome(400, title="Bad Request", detail=str(exc))
    except (OSError, ValueError, TypeError) as exc:  # evaluation errors pyoxigraph raises
        return Outcome(500, title="Query failed", detail=str(exc))


def syntax_error_outcome(message: str, text: str) -> Outcome:
    position, detail = sparql_syntax.explain_syntax_error(message, text, prefixes=PREFIXES)
    return Outcome(400, title="Query syntax error", detail=detail, position=position)


def _dataset_arguments(request: QueryRequest) -> dict:
    """The protocol dataset overrides the query's FROM/FROM NAMED; a query's own FROM
    stands when the request names none; otherwise the default graph is the union of
    the named graphs (claimgraph's query contract)."""
    if request.default_graphs is None and request.named_graphs is None:
        if sparql_syntax.names_dataset(request.sparql):
            return {}
        return {"use_default_graph_as_union": True}
    return {"default_graph": [NamedNode(iri) for iri in request.default_graphs or ()],
            "named_graphs": [NamedNode(iri) for iri in request.named_graphs or ()]}


def _is_graph(result) -> bool:
    return not isinstance(result, (QuerySolutions, QueryBoolean, bool))


def _serialise(result, fmt: negotiation.Format, row_limit: int) -> Outcome:
    if isinstance(result, (QueryBoolean, bool)):
        body = result.serialize(format=fmt.pyoxigraph)
        return Outcome(media_type=fmt.content_type, body=body)
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows, truncated = _take(result, row_limit)
        # Rows are encoded as SPARQL JSON here (so that the cap applies: pyoxigraph's
        # serialiser reads the whole iterator) and other formats come from
        # pyoxigraph's own serialisers reading that back.
        body = _results_json(variables, rows)
        if fmt.name != "json":
            body = parse_query_results(body, format=QueryResultsFormat.JSON).serialize(format=fmt.pyoxigraph)
        return Outcome(media_type=fmt.content_type, body=body, truncated=truncated, count=len(rows))
    triples, truncated = _take(result, row_limit)
    if fmt.quads:
        statements = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    else:
        statements = triples
    body = serialize(statements, format=fmt.pyoxigraph, prefixes=_used_prefixes(triples))
    return Outcome(media_type=fmt.content_type, body=body, truncated=truncated, count=len(triples))


def _take(iterator, limit: int):
    items = []
    for item in iterator:
        if len(items) == limit:
            return items, True
        items.append(item)
    return items, False


def _used_prefixes(triples) -> dict[str, str]:
    """Only the prefixes the answer uses, so that Turtle stays short."""
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
            if isinstance(term, NamedNode)}
    return {name: base for name, base in PREFIXES.items() if any(i.startswith(base) for i in iris)}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _results_json(variables: list[str], rows) -> bytes:
    """SPARQL JSON results written as text directly (half the time of building
    dictionaries for json.dumps, which matters for the many small answers)."""
    keys = [encode_json_string(name) + ":" for name in variables]
    bindings = ",".join("{" + ",".join(key + _term_text(term) for key, term in zip(keys, row) if term is not None)
                        + "}" for row in rows)
    head = ",".join(encode_json_string(name) for name in variables)
    return f'{{"head":{{"vars":[{head}]}},"results":{{"bindings":[{bindings}]}}}}'.encode("utf-8")


def _term_text(term) -> str:
    if isinstance(term, NamedNode):
        return '{"type":"uri","value":' + encode_json_string(term.value) + "}"
    if isinstance(term, Literal):
        text = '{"type":"literal","value":' + encode_json_string(term.value)
        if term.language:
            return text + ',"xml:lang":' + encode_json_string(term.language) + "}"
        datatype = term.datatype.value
        if datatype != _XSD_STRING:
            return text + ',"datatype":' + encode_json_string(datatype) + "}"
        return text + "}"
    return json.dumps(_term_json(term), ensure_ascii=False)  # blank nodes, quoted triples


def _term_json(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        encoded = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            encoded["datatype"] = term.datatype.value
        return encoded
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")
