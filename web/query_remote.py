"""``/sparql`` on a remote store: each query forwarded to the store's own endpoint.

The same ``run(request, timeout) -> Outcome`` as ``QueryRunner``, so that the
endpoint's negotiation, row cap, error shape, admission and SERVICE refusal (all
decided before the runner, in ``sparql``) stay one code path. What happens here:

- the text is first given to an empty in-memory pyoxigraph store: a syntax error
  becomes the same 400 (with its position and explanation) as on the embedded
  store, and the result kind (solutions, boolean, graph) tells which formats the
  client may negotiate. Evaluation is lazy and the store empty, so this costs a parse;
- the query goes to the remote endpoint with claimgraph's prefixes and the request's
  base IRI declared in front (the embedded engine is given both), the protocol's
  ``default-graph-uri`` / ``named-graph-uri`` passed on, and asks for SPARQL JSON
  results or N-Triples, which pyoxigraph reads back;
- the answer is serialised by ``query_execute`` as on the embedded store: the
  negotiated format, the row cap (``X-Result-Truncated``), the counts;
- the request's timeout bounds the wait for the answer (503 "Query timeout"); the
  server's own limit (Virtuoso: ``MaxQueryExecutionTime``) stops the query there.
"""

from __future__ import annotations

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store, parse, parse_query_results

from claimgraph.graph.rdf.namespaces import PREFIXES

from . import negotiation
from .query_execute import Outcome, QueryRequest, _serialise, syntax_error_outcome

_PREFIX_LINES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


class RemoteQueryRunner:
    """Queries forwarded to ``store`` (a ``RemoteStore``)'s query endpoint."""

    def __init__(self, store):
        self.store = store
        self.timeouts = 0
        self._parser = Store()  # empty: parsing and the result kind, never data

    def run(self, request: QueryRequest, timeout: float) -> Outcome:
        try:
            probe = self._parser.query(request.sparql, base_iri=request.base_iri, prefixes=PREFIXES)
        except SyntaxError as exc:
            return syntax_error_outcome(str(exc), request.sparql)
        except (OSError, ValueError, TypeError) as exc:
            return Outcome(400, title="Bad Request", detail=str(exc))
        kind = negotiation.RESULTS if isinstance(probe, (QuerySolutions, QueryBoolean, bool)) else negotiation.GRAPH
        try:
            fmt = negotiation.choose(kind, request.accept, request.format_override)
        except negotiation.NotAcceptable as exc:
            return Outcome(406, title="Not Acceptable", detail=str(exc))
        except negotiation.UnknownFormat as exc:
            return Outcome(400, title="Bad Request", detail=str(exc))
        try:
            result = self._ask(request, kind, timeout)
            if isinstance(probe, (QueryBoolean, bool)) and isinstance(result, QuerySolutions):
                result = _as_boolean(result)
        except TimeoutError:
            self.timeouts += 1
            return Outcome(503, title="Query timeout", detail=f"the store did not answer within {timeout:g} s; "
                           "narrow the query (LIMIT, more specific patterns) or ask for a longer timeout")
        except _StoreError as exc:
            return Outcome(exc.status, title=exc.title, detail=exc.detail)
        return _serialise(result, fmt, request.row_limit)

    def _ask(self, request: QueryRequest, kind: str, timeout: float):
        import requests

        base = f"BASE <{request.base_iri}>\n" if request.base_iri else ""
        data = [("query", base + _PREFIX_LINES + request.sparql)]
        data += [("default-graph-uri", iri) for iri in request.default_graphs or ()]
        data += [("named-graph-uri", iri) for iri in request.named_graphs or ()]
        if request.named_graphs is not None and not request.default_graphs and request.default_graphs is not None:
            # The protocol's "named graphs only: an empty default graph", which no parameter can say.
            data.append(("default-graph-uri", "urn:claimgraph:empty"))
        accept = "application/sparql-results+json" if kind == negotiation.RESULTS else "application/n-triples"
        try:
            response = self.store.session.post(self.store.query_url, data=data, headers={"Accept": accept},
                                               timeout=timeout)
        except requests.Timeout:
            raise TimeoutError from None
        except requests.RequestException as exc:
            raise _StoreError(502, "Store unavailable", f"the SPARQL store did not answer: {exc}") from None
        if response.status_code >= 400:
            # The text parsed here, so the store refused a feature or failed evaluating it.
            status = 400 if response.status_code < 500 or "SPARQL compiler" in response.text else 502
            raise _StoreError(status, "Query failed", f"the SPARQL store answered {response.status_code}: "
                              f"{response.text.strip()[:500]}")
        try:
            if kind == negotiation.GRAPH:
                return list(parse(response.content, format=RdfFormat.N_TRIPLES))
            return _read_results(response)
        except (SyntaxError, ValueError) as exc:
            raise _StoreError(502, "Query failed", f"the SPARQL store's answer could not be read: {exc}") from None

    def close(self) -> None:
        self.store.session.close()


def _read_results(response):
    return parse_query_results(response.content, format=QueryResultsFormat.JSON)


def _as_boolean(solutions: QuerySolutions) -> QueryBoolean:
    """Virtuoso answers ASK as a result set: one ``__ASK_RETVAL`` row (1) when true, none
    when false (in JSON and XML alike)."""
    true = any(term is not None and term.value not in ("0", "false") for row in solutions for term in row)
    return parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if true else b"false"),
                               format=QueryResultsFormat.JSON)


class _StoreError(Exception):
    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
