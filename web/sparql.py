"""The SPARQL 1.1 endpoint (``/sparql``), its service description and the query editor.

Protocol: GET ``query=``, POST form, POST ``application/sparql-query``;
``default-graph-uri`` / ``named-graph-uri`` make the dataset (an unknown graph
is simply empty). Without either, the default graph is the union of all graphs.
Answers are negotiated (``negotiation``), queries run in killable worker
processes with a hard time limit (``query_runner``), and a row cap is said in
the ``X-Result-Truncated`` header. ``GET /sparql`` without a query gives the
service description (RDF) or, to a browser, the editor. Updates live on their
own routes (``sparql_update``).
"""

from __future__ import annotations

import gzip

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize
from werkzeug.middleware.proxy_fix import ProxyFix

from claimgraph.graph.rules import examples as example_queries
from claimgraph.graph import queries
from claimgraph.graph.rules import statistics
from claimgraph.graph.rdf.namespaces import DCTERMS, PREFIXES, RDF, SD
from claimgraph.graph.rules.statistics import DATASET

from . import negotiation
from .db import app_object, get_store
from .errors import error_response
from .query_runner import Outcome, QueryRequest, QueryRunner
from .security import uses_service

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
    return QueryRunner(store.path, workers=int(app.config["QUERY_WORKERS"]), inline_store=store.store)


def close_runner(app: Flask) -> None:
    """Stop the app's query workers (tests, server shutdown)."""
    runner = app.extensions.pop("claimgraph.query_runner", None)
    if runner is not None:
        runner.close()


def run_query(sparql: str, *, accept: str | None, format_override: str | None) -> Outcome:
    if uses_service(sparql) and not current_app.config.get("SERVICE_ENABLED"):
        # pyoxigraph would fetch whatever URL SERVICE names: server-side request forgery.
        return Outcome(403, title="Forbidden", detail="SERVICE (federated query) is disabled on this "
                       "endpoint; the server operator can enable it with CLAIMGRAPH_SERVICE_ENABLED=1")
    default_graphs, named_graphs = graph_iris("default-graph-uri"), graph_iris("named-graph-uri")
    if named_graphs is not None and default_graphs is None:
        default_graphs = ()  # the protocol: named graphs only means an empty default graph
    if default_graphs is not None and named_graphs is None:
        named_graphs = ()
    job = QueryRequest(sparql=sparql, base_iri=request.base_url, default_graphs=default_graphs,
                       named_graphs=named_graphs, accept=accept, format_override=format_override,
                       row_limit=int(current_app.config["ROW_LIMIT"]))
    # A timeout= the client asks for bounds its query's run; the wait for a free worker
    # is bounded by the server's own limit.
    outcome = query_runner().run(job, effective_timeout(), wait=float(current_app.config["QUERY_TIMEOUT"]))
    if outcome.status != 200:
        current_app.logger.info("query answered %s %s: %s", outcome.status, outcome.title, outcome.detail[:200])
    return outcome


def outcome_response(outcome: Outcome, *, download: bool = False) -> Response:
    if outcome.status != 200:
        detail = outcome.detail
        if outcome.position:
            detail = f"line {outcome.position['line']}, column {outcome.position['column']}: {detail}"
        return error_response(outcome.status, outcome.title, detail)
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
            if wants_html():
                return editor_page()
            return service_description()
        outcome = run_query(query, accept=request.headers.get("Accept"),
                            format_override=request.values.get("format"))
        return outcome_response(outcome, download=request.values.get("download") == "1")
    except ProtocolError as exc:
        return problem(exc)


def wants_html() -> bool:
    """A browser asking for a page (text/html named, and liked at least as much as RDF)."""
    accept = request.accept_mimetypes
    named = any(value == "text/html" for value, _quality in accept)
    best_rdf = max(accept.quality(m) for f in negotiation.formats_of(negotiation.GRAPH) for m in f.media_types)
    return named and accept.quality("text/html") >= best_rdf


@bp.get("/query")
def query_page():
    """The editor; with ``query=`` and no JavaScript, the plain form shows a results table."""
    query = request.args.get("query")
    table = None
    if query:
        outcome = run_query(query, accept=None, format_override="json")
        table = results_table(outcome)
    return editor_page(query=query, table=table)


def results_table(outcome: Outcome) -> dict:
    import json

    if outcome.status != 200:
        return {"error": f"{outcome.title}: {outcome.detail}"}
    if not outcome.media_type.startswith("application/sparql-results+json"):
        return {"text": outcome.body.decode("utf-8", "replace"), "truncated": outcome.truncated}
    data = json.loads(outcome.body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    names = data["head"]["vars"]
    rows = [[row.get(n, {}).get("value", "") for n in names] for row in data["results"]["bindings"]]
    return {"vars": names, "rows": rows, "truncated": outcome.truncated}


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
    from pathlib import Path

    return (Path(current_app.static_folder) / "vendor" / "yasgui" / "yasgui.min.js").is_file()


@bp.get("/examples")
def examples_page():
    return render_template("examples.html", examples=example_queries.load_examples(),
                           editor=url_for("sparql.query_page"))


# -- service description ----------------------------------------------------------
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
        response.headers["Access-Control-Allow-Origin"] = "*"  # reads only: updates have their own routes
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Expose-Headers"] = "X-Result-Truncated, X-Result-Count"
    return compress(response)


def compress(response: Response) -> Response:
    """gzip when the client takes it and it is worth it."""
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.direct_passthrough or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0 or request.method == "HEAD"):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    return response


def register(app: Flask) -> None:
    app.config.setdefault("QUERY_WORKERS", 2)  # worker processes for queries
    app.config.setdefault("PROXY_FIX", 0)  # number of trusted proxies setting X-Forwarded-*
    if int(app.config["PROXY_FIX"]) > 0:
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    app.register_blueprint(bp)
    from . import sparql_update

    sparql_update.register(app)
