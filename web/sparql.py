"""The SPARQL 1.1 endpoint (``/sparql``), its service description and the query editor.

Protocol: GET ``query=``, POST form, POST ``application/sparql-query``;
``default-graph-uri`` / ``named-graph-uri`` make the dataset (an unknown graph
is simply empty). Without either, a query's own FROM / FROM NAMED stands, and
without those the default graph is the union of all named graphs.
Answers are negotiated (``negotiation``), queries run in killable worker
processes with time and memory limits and fair admission (``query_runner``),
and a row cap is said in the ``X-Result-Truncated`` header. Before a text
reaches the engine, ``refusal`` turns away nesting the engine cannot survive and
SERVICE while federation is disabled, both decided on the parsed text
(``graph.queries.syntax``). ``GET /sparql`` without a query gives the service
description (RDF) or, to a browser, the editor; with a query, a browser gets the
answer as a page (``sparql_html``). Updates live on their own routes
(``sparql_update``).
"""

from __future__ import annotations

import gzip
import threading

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize
from werkzeug.middleware.proxy_fix import ProxyFix

from claimgraph.graph import queries
from claimgraph.graph.queries import syntax as sparql_syntax
from claimgraph.graph.rdf.namespaces import DCTERMS, PREFIXES, RDF, SD
from claimgraph.graph.rules import examples as example_queries
from claimgraph.graph.rules import statistics
from claimgraph.graph.rules.statistics import DATASET

from . import negotiation, sparql_html
from .db import app_object, get_store
from .errors import error_response
from .query_runner import Outcome, QueryRequest, QueryRunner
from .worker_limits import default_memory_mb

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers


def problem(exc: ProtocolError) -> Response:
    return error_response(exc.status, exc.title, exc.detail, headers=exc.headers)


# -- reading the request --------------------------------------------------------
def utf8_body(kind: str) -> str:
    """The body of a direct POST: UTF-8 only, as the protocol requires."""
    charset = request.mimetype_params.get("charset", "utf-8").lower().replace("_", "-")
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, "Unsupported Media Type",
                            f"{kind} bodies must be UTF-8 (got charset={charset})")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, "Bad Request", f"the {kind} body is not valid UTF-8: {exc}") from None


def single_parameter(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, "Bad Request", f"give exactly one '{name}' parameter, not {len(values)}")
    return values[0] if values else None


def graph_iris(name: str) -> tuple[str, ...] | None:
    """IRIs of a repeatable dataset parameter, from the URL and (form POST) the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == FORM:
        values += request.form.getlist(name)
    if not values:
        return None
    checked = []
    for value in values:
        try:
            checked.append(NamedNode(value).value)
        except ValueError:
            raise ProtocolError(400, "Bad Request", f"{name}={value!r} is not an IRI") from None
    return tuple(checked)


def read_operation() -> tuple[str | None, str | None]:
    """(query, update) text from a GET or POST, checking the protocol's rules."""
    if request.method in ("GET", "HEAD"):
        return single_parameter(request.args.getlist("query"), "query"), \
            single_parameter(request.args.getlist("update"), "update")
    if request.mimetype == FORM:
        return single_parameter(request.form.getlist("query"), "query"), \
            single_parameter(request.form.getlist("update"), "update")
    if request.mimetype == QUERY_TYPE:
        return utf8_body("query"), None
    if request.mimetype == UPDATE_TYPE:
        return None, "(direct update)"
    given = request.mimetype or "none"
    raise ProtocolError(415, "Unsupported Media Type",
                        f"POST a query as {FORM} (query=…) or {QUERY_TYPE}; Content-Type was {given}")


def effective_timeout() -> float:
    limit = float(current_app.config["QUERY_TIMEOUT"])
    asked = request.values.get("timeout")
    if asked is None:
        return limit
    try:
        value = float(asked)
    except ValueError:
        raise ProtocolError(400, "Bad Request", f"timeout={asked!r} is not a number of seconds") from None
    if not value > 0:
        raise ProtocolError(400, "Bad Request", "timeout must be more than 0 seconds")
    return min(value, limit)


# -- running ----------------------------------------------------------------------
def query_runner() -> QueryRunner:
    return app_object("claimgraph.query_runner", _start_runner)


def _start_runner(app: Flask) -> QueryRunner:
    store = get_store()
    config = app.config
    if store.path is None and hasattr(store, "query_url"):  # a remote store: its endpoint answers
        from .query_remote import RemoteQueryRunner

        return RemoteQueryRunner(store)
    return QueryRunner(store.path, workers=int(config["QUERY_WORKERS"]), inline_store=store.store,
                       short_workers=int(config["QUERY_SHORT_WORKERS"]),
                       short_limit=float(config["QUERY_SHORT_LIMIT"]),
                       memory_mb=int(config["QUERY_MEMORY_MB"]) or None,
                       allow_network=bool(config.get("SERVICE_ENABLED")))


def close_runner(app: Flask) -> None:
    """Stop the app's query workers (tests, server shutdown)."""
    runner = app.extensions.pop("claimgraph.query_runner", None)
    if runner is not None:
        runner.close()


def refusal(text: str, *, update: bool = False) -> ProtocolError | None:
    """Why a query or update must not reach the engine: nesting past what the engine
    survives (400), or SERVICE while federation is disabled (403). The SERVICE check
    reads the parsed text (graph.queries.syntax); query workers also cannot open network
    sockets (worker_limits), but updates run in this process, where the check is the guard."""
    kind = "update" if update else "query"
    too_deep = sparql_syntax.too_deep(text)
    if too_deep:
        return ProtocolError(400, "Query too deeply nested" if not update else "Update too deeply nested",
                             too_deep.replace("the query", f"the {kind}"))
    if current_app.config.get("SERVICE_ENABLED"):
        return None
    disabled = ("SERVICE (federated query) is disabled on this endpoint; the server operator can enable it "
                "with CLAIMGRAPH_SERVICE_ENABLED=1")
    try:
        if not sparql_syntax.uses_service(text, update=update, base_iri=request.base_url if update else None):
            return None
    except sparql_syntax.Unreadable:
        # pyoxigraph would fetch whatever URL SERVICE names (server-side request forgery):
        # a text that mentions SERVICE and cannot be checked is not run.
        return ProtocolError(403, "Forbidden", f"{disabled}. This {kind} uses the word SERVICE and the server's "
                             "SPARQL parser could not read it to rule a SERVICE clause out")
    return ProtocolError(403, "Forbidden", disabled)


def query_slots() -> threading.BoundedSemaphore:
    return app_object("claimgraph.query_slots", lambda app: threading.BoundedSemaphore(concurrency(app)))


def concurrency(app: Flask) -> int:
    """SPARQL requests in the server at once, running or waiting: by default all server
    threads but two, so that pages, search and /healthz always find a thread."""
    configured = app.config.get("QUERY_CONCURRENCY")
    return max(1, int(configured) if configured else int(app.config["SERVER_THREADS"]) - 2)


def run_query(sparql: str, *, accept: str | None, format_override: str | None) -> Outcome:
    refused = refusal(sparql)
    if refused is not None:
        return Outcome(refused.status, title=refused.title, detail=refused.detail)
    slots = query_slots()
    if not slots.acquire(blocking=False):
        return Outcome(503, title="Service busy", retry_after=2,
                       detail=f"{concurrency(current_app)} SPARQL requests are being answered already; try again")
    try:
        return _run_admitted(sparql, accept=accept, format_override=format_override)
    finally:
        slots.release()


def _run_admitted(sparql: str, *, accept: str | None, format_override: str | None) -> Outcome:
    default_graphs, named_graphs = graph_iris("default-graph-uri"), graph_iris("named-graph-uri")
    if named_graphs is not None and default_graphs is None:
        default_graphs = ()  # the protocol: named graphs only means an empty default graph
    if default_graphs is not None and named_graphs is None:
        named_graphs = ()
    job = QueryRequest(sparql=sparql, base_iri=request.base_url, default_graphs=default_graphs,
                       named_graphs=named_graphs, accept=accept, format_override=format_override,
                       row_limit=int(current_app.config["ROW_LIMIT"]))
    # The request's timeout (the server's, or less when the client asks) bounds its
    # wait for a worker and, apart, its run (QueryRunner.run).
    outcome = query_runner().run(job, effective_timeout())
    if outcome.status != 200:
        current_app.logger.info("query answered %s %s: %s", outcome.status, outcome.title, outcome.detail[:200])
    return outcome


def outcome_response(outcome: Outcome, *, download: bool = False) -> Response:
    if outcome.status != 200:
        detail = sparql_html.error_detail(outcome)
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
        return error_response(outcome.status, outcome.title, detail, headers=headers)
    response = Response(outcome.body, status=200, content_type=outcome.media_type)
    if outcome.count is not None:
        response.headers["X-Result-Count"] = str(outcome.count)
    if outcome.truncated:
        response.headers["X-Result-Truncated"] = f"true; limit={current_app.config['ROW_LIMIT']}"
    if download:
        suffix = next((f.suffix for f in negotiation.FORMATS if outcome.media_type.startswith(f.media_type)),
                      "txt")
        response.headers["Content-Disposition"] = f'attachment; filename="query-result.{suffix}"'
    return response


# -- routes -----------------------------------------------------------------------
@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint():
    try:
        query, update = read_operation()
        if update is not None:
            if request.method in ("GET", "HEAD"):
                raise ProtocolError(400, "Bad Request", "SPARQL updates must be sent by POST")
            raise ProtocolError(403, "Forbidden", "this endpoint answers queries only; "
                                f"updates go to POST {url_for('sparql_update.update')} when the server "
                                "runs with updates enabled")
        if query is None:
            if request.method == "POST":
                raise ProtocolError(400, "Bad Request", "no 'query' parameter in the request")
            if sparql_html.wants_html():
                return sparql_html.editor_page()
            return service_description()
        if sparql_html.wants_html() and not request.values.get("format"):
            # A /sparql?query=… link opened in a browser: the answer as a page.
            return sparql_html.results_page(query, run_query(query, accept=None, format_override=None))
        outcome = run_query(query, accept=request.headers.get("Accept"),
                            format_override=request.values.get("format"))
        return outcome_response(outcome, download=request.values.get("download") == "1")
    except ProtocolError as exc:
        return problem(exc)


@bp.get("/query")
def query_page():
    """The editor; with ``query=`` and no JavaScript, the plain form shows a results table."""
    query = request.args.get("query")
    table = None
    if query:
        table = sparql_html.results_table(run_query(query, accept=None, format_override=None))
    return sparql_html.editor_page(query=query, table=table)


@bp.get("/examples")
def examples_page():
    return render_template("examples.html", examples=example_queries.load_examples(),
                           editor=url_for("sparql.query_page"))


# -- service description ----------------------------------------------------------
DATASET_NOTE = (
    "The default graph is the union of every named graph: the articles and their versions, sources, "
    "reviews, findings, provenance, the vocabulary, and also the ontology, the VoID statistics "
    "(<https://w3id.org/claimgraph/id/graph/statistics>), the example queries "
    "(<https://w3id.org/claimgraph/id/graph/examples>) and, while a write is applied, its change notes; "
    "name graphs to leave them out. A query's own FROM / FROM NAMED is honoured when the request gives no "
    "default-graph-uri / named-graph-uri. Relative IRIs in a query resolve against this endpoint's URL.")


def service_description() -> Response:
    try:
        fmt = negotiation.choose(negotiation.GRAPH, request.headers.get("Accept"), request.args.get("format"))
    except negotiation.NotAcceptable as exc:
        return error_response(406, "Not Acceptable", str(exc))
    except negotiation.UnknownFormat as exc:
        return error_response(400, "Bad Request", str(exc))
    endpoint_iri = NamedNode(request.base_url)
    service = BlankNode()
    triples = [Triple(service, RDF.type, SD.Service), Triple(service, SD.endpoint, endpoint_iri),
               Triple(service, DCTERMS.title, Literal("claimgraph SPARQL endpoint")),
               Triple(service, DCTERMS.description, Literal(DATASET_NOTE, language="en")),
               Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
               Triple(service, SD.feature, SD.UnionDefaultGraph),
               Triple(service, SD.defaultEntailmentRegime, NamedNode("http://www.w3.org/ns/entailment/Simple")),
               Triple(service, SD.defaultDataset, DATASET), Triple(DATASET, RDF.type, SD.Dataset)]
    if current_app.config["UPDATES_ENABLED"]:
        triples.append(Triple(service, SD.supportedLanguage, SD.SPARQL11Update))
    triples += [Triple(service, SD.resultFormat, NamedNode(f.w3c_iri)) for f in negotiation.FORMATS]
    # Counts were made at load time (graph/statistics.py); here they are only read, but
    # the whole-store figures a small load left stale are recounted first.
    statistics.ensure_current(get_store())
    triples += list(get_store().query(queries.get("service-description")))
    statements = triples
    if fmt.quads:
        from pyoxigraph import DefaultGraph, Quad

        statements = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    body = serialize(statements, format=fmt.pyoxigraph,
                     prefixes={k: PREFIXES[k] for k in ("sd", "void", "dcterms", "rdf")})
    return Response(body, content_type=fmt.content_type)


# -- every response of this blueprint ---------------------------------------------
@bp.after_request
def _finish(response: Response) -> Response:
    response.vary.add("Accept")
    if request.endpoint in ("sparql.endpoint",):
        allow_cross_origin(response, "GET, POST, OPTIONS")
    return compress(response)


def allow_cross_origin(response: Response, methods: str) -> None:
    """CORS for the protocol routes: any origin, no cookies. Writes need the bearer token
    in ``Authorization``, which a preflight must therefore allow."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "X-Result-Truncated, X-Result-Count, Retry-After"
    response.headers["Access-Control-Max-Age"] = "600"


def compress(response: Response) -> Response:
    """gzip when the client takes it and it is worth it. HEAD gets the same headers as
    GET (Content-Encoding, Content-Length); werkzeug leaves the body out."""
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.direct_passthrough or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    return response


def register(app: Flask) -> None:
    app.config.setdefault("QUERY_WORKERS", 2)  # worker processes for queries
    app.config.setdefault("QUERY_SHORT_WORKERS", 1)  # the short lane: takes queries while the others are busy
    app.config.setdefault("QUERY_SHORT_LIMIT", 1.0)  # seconds a query may run in the short lane
    app.config.setdefault("QUERY_MEMORY_MB", default_memory_mb())  # per worker; 0: no cap
    app.config.setdefault("SERVER_THREADS", 8)  # waitress threads (serve sets it)
    app.config.setdefault("QUERY_CONCURRENCY", None)  # SPARQL requests at once; None: SERVER_THREADS - 2
    app.config.setdefault("PROXY_FIX", 0)  # number of trusted proxies setting X-Forwarded-*
    if int(app.config["PROXY_FIX"]) > 0:
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    app.register_blueprint(bp)
    from . import sparql_update

    sparql_update.register(app)
