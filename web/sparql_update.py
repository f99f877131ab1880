"""Writes over HTTP, off by default: SPARQL 1.1 Update at ``POST /sparql/update``
and the Graph Store HTTP Protocol at ``/rdf-graph-store``.

Both need ``UPDATES_ENABLED`` and an ``Authorization: Bearer <UPDATE_TOKEN>``
header (compared in constant time). Reading a graph from the graph store
(GET/HEAD) is open like the query endpoint. Every write goes through
``claimgraph.graph.write.updates``, which brings search, lists, findings and the VoID
statistics in step with it before the response is sent.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, current_app, request
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse, serialize

from claimgraph.graph.queries import syntax as sparql_syntax
from claimgraph.graph.rdf.namespaces import PREFIXES
from claimgraph.graph.write import updates as writes

from . import negotiation
from .db import get_store, write_session
from .sparql import (FORM, UPDATE_TYPE, ProtocolError, allow_cross_origin, compress, graph_iris, problem, refusal,
                     single_parameter, utf8_body)
from .update_dataset import DatasetConflict, apply_using

bp = Blueprint("sparql_update", __name__)


def require_writer() -> None:
    config = current_app.config
    if not config["UPDATES_ENABLED"]:
        raise ProtocolError(403, "Forbidden", "this server is read-only; updates are disabled "
                            "(start it with `claimgraph serve --enable-updates`)")
    token = config.get("UPDATE_TOKEN")
    if not token:
        raise ProtocolError(403, "Forbidden", "updates are enabled but no UPDATE_TOKEN is configured")
    given = request.headers.get("Authorization", "")
    scheme, _, credential = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), str(token).encode()):
        raise ProtocolError(401, "Unauthorized", "send 'Authorization: Bearer <update token>'",
                            headers={"WWW-Authenticate": 'Bearer realm="claimgraph updates"'})


def written() -> Response:
    """Writes go through graph.writes, which brings the derived data in step."""
    return Response(status=204)


@bp.post("/sparql/update")
def update():
    try:
        require_writer()
        if request.mimetype == FORM:
            if request.form.getlist("query"):
                raise ProtocolError(400, "Bad Request", "this route runs updates; send queries to /sparql")
            text = single_parameter(request.form.getlist("update"), "update")
            if text is None:
                raise ProtocolError(400, "Bad Request", "no 'update' parameter in the request")
        elif request.mimetype == UPDATE_TYPE:
            text = utf8_body("update")
        else:
            raise ProtocolError(415, "Unsupported Media Type",
                                f"POST an update as {FORM} (update=…) or {UPDATE_TYPE}; "
                                f"Content-Type was {request.mimetype or 'none'}")
        try:
            text = apply_using(text, graph_iris("using-graph-uri") or (), graph_iris("using-named-graph-uri") or ())
        except DatasetConflict as exc:
            raise ProtocolError(400, "Bad Request", str(exc)) from None
        refused = refusal(text, update=True)
        if refused is not None:
            raise refused
        try:
            with write_session() as store:
                writes.apply_update(store, text, base_iri=request.base_url)
        except SyntaxError as exc:
            position, detail = sparql_syntax.explain_syntax_error(str(exc), text, update=True, prefixes=PREFIXES)
            if position:
                detail = f"line {position['line']}, column {position['column']}: {detail}"
            raise ProtocolError(400, "Update syntax error", detail) from None
        except (RuntimeError, ValueError) as exc:  # the engine refused the update as asked (CLEAR of a missing graph)
            raise ProtocolError(400, "Update failed", str(exc)) from None
        except OSError as exc:
            raise ProtocolError(500, "Update failed", str(exc)) from None
        current_app.logger.info("SPARQL update applied (%d characters)", len(text))
        return written()
    except ProtocolError as exc:
        return problem(exc)


# -- graph store protocol ------------------------------------------------------------
def target_graph():
    """``?graph=<iri>`` or ``?default``; exactly one."""
    has_default = "default" in request.args
    iris = request.args.getlist("graph")
    if has_default == bool(iris) or len(iris) > 1:
        raise ProtocolError(400, "Bad Request", "give either ?default or one ?graph=<iri>")
    if has_default:
        return DefaultGraph()
    try:
        return NamedNode(iris[0])
    except ValueError:
        raise ProtocolError(400, "Bad Request", f"graph={iris[0]!r} is not an IRI") from None


def graph_exists(store, graph) -> bool:
    return isinstance(graph, DefaultGraph) or store.has_graph(graph)


def parsed_body(graph) -> list[Quad]:
    media_type = request.mimetype
    try:
        rdf_format = RdfFormat.from_media_type(media_type) if media_type else None
    except ValueError:
        rdf_format = None
    if rdf_format is None:
        raise ProtocolError(415, "Unsupported Media Type", f"cannot read RDF sent as {media_type or 'no type'}; "
                            "use text/turtle, application/n-triples, application/rdf+xml or application/ld+json")
    base = graph.value if isinstance(graph, NamedNode) else request.base_url
    try:
        return [Quad(q.subject, q.predicate, q.object, graph)
                for q in parse(request.get_data(), format=rdf_format, base_iri=base)]
    except SyntaxError as exc:
        raise ProtocolError(400, "Bad Request", f"the {media_type} body does not parse: {exc}") from None


@bp.route("/rdf-graph-store", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store():
    try:
        graph = target_graph()
        store = get_store()
        if request.method in ("GET", "HEAD"):
            return read_graph(store, graph)
        require_writer()
        quads = None if request.method == "DELETE" else parsed_body(graph)
        with write_session() as store:
            existed = graph_exists(store, graph)
            if request.method == "DELETE":
                if not existed:
                    raise ProtocolError(404, "Not Found", f"no graph {graph}")
                writes.delete_graph(store, graph)
                return written()
            writes.put_graph(store, graph, quads, replace=request.method == "PUT")
        response = written()
        if not existed:
            response.status_code = 201
        return response
    except ProtocolError as exc:
        return problem(exc)


def read_graph(store, graph) -> Response:
    if not graph_exists(store, graph):
        raise ProtocolError(404, "Not Found", f"no graph {graph}")
    try:
        fmt = negotiation.choose(negotiation.GRAPH, request.headers.get("Accept"), request.args.get("format"))
    except negotiation.NotAcceptable as exc:
        raise ProtocolError(406, "Not Acceptable", str(exc)) from None
    except negotiation.UnknownFormat as exc:
        raise ProtocolError(400, "Bad Request", str(exc)) from None
    quads = store.quads(None, None, None, graph)
    statements = quads if fmt.quads else (q.triple for q in quads)
    response = Response(serialize(statements, format=fmt.pyoxigraph, prefixes=PREFIXES),
                        content_type=fmt.content_type)
    response.vary.add("Accept")
    return compress(response)


@bp.after_request
def _cross_origin(response: Response) -> Response:
    methods = {"sparql_update.update": "POST, OPTIONS",
               "sparql_update.graph_store": "GET, HEAD, PUT, POST, DELETE, OPTIONS"}.get(request.endpoint)
    if methods:
        allow_cross_origin(response, methods)
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
