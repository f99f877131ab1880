"""``/network``: the evidence network (``graph/analytics.py``) as a page and as
GraphML / GEXF downloads; ``/picture?iri=…``: the provenance picture of a
claim, source or article as SVG (``graph/picture.py``).

The network is computed over the whole graph, so it is cached per process and
recomputed only when a load has changed the store (the search index's
generation counter goes up on every load).
"""

from __future__ import annotations

import threading

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from claimgraph.graph import analytics, picture, search

from .db import get_store
from .errors import error_response
from .linked_data import base_iri, page_path

bp = Blueprint("network", __name__)
_lock = threading.Lock()
# An SVG opened on its own must never run script or fetch anything.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _network():
    """(graph, overview) for the store as it is now, cached by load generation."""
    store = get_store()
    search.ensure_index(store)
    generation = search.generation(store)
    cached = current_app.extensions.get("claimgraph.network")
    if cached is None or cached[0] != generation:
        with _lock:
            cached = current_app.extensions.get("claimgraph.network")
            if cached is None or cached[0] != generation:
                graph = analytics.evidence_graph(store)
                cached = (generation, graph, analytics.overview(store, graph))
                current_app.extensions["claimgraph.network"] = cached
    return cached[1], cached[2]


@bp.get("/network")
def network_page():
    _, overview = _network()
    alternates = [{"type": mime, "label": fmt.upper(), "href": url_for("network.download", fmt=fmt)}
                  for fmt, mime in analytics.EXPORT_FORMATS.items()]
    return render_template("network.html", overview=overview, alternates=alternates,
                           page_url=lambda iri: page_path(iri) or iri,
                           picture_url=lambda iri: url_for("network.picture_svg", iri=iri))


@bp.get("/network.<fmt>")
def download(fmt: str):
    if fmt not in analytics.EXPORT_FORMATS:
        return error_response(404, "Not Found", f"No network export as .{fmt}; "
                              f"there are {', '.join('.' + f for f in analytics.EXPORT_FORMATS)}.")
    graph, _ = _network()
    return Response(analytics.export(graph, fmt), mimetype=analytics.EXPORT_FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="claimgraph-network.{fmt}"'})


@bp.get("/picture")
def picture_svg():
    iri = request.args.get("iri", "")
    if not iri.startswith(base_iri()):
        return error_response(404, "Not Found", "Pictures are drawn for IRIs this graph mints "
                              f"(under {base_iri()}) only.")
    svg = picture.picture_svg(get_store(), iri, href=page_path)
    if svg is None:
        return error_response(404, "Not Found", "No claim, source or article has this IRI.")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
