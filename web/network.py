"""``/network``: the evidence network (``graph/analytics.py``) as a page and as
GraphML / GEXF downloads; ``/picture?iri=…``: the provenance picture of a
claim, source or article as SVG (``web/picture.py`` draws what ``graph/picture.py`` reads).

The network is computed over the whole graph: seconds on a large store (15 s on
10 000 articles). So the page's overview is kept per process and served stale
while a newer one is computed: when a load has changed the store (the search
index's generation counter goes up on every load), the next request starts one
recomputation in a background thread and is answered at once from the last
overview, saying which load generation it shows; only a process that has never
computed one waits. The downloads build the graph on demand (whole-graph exports,
not kept in memory: about 1 M edges on 10 000 articles).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from claimgraph.graph.read import analytics
from claimgraph.graph.read import network_drawing
from claimgraph.graph.index import search

from . import picture
from .db import get_store
from .errors import error_response
from .linked_data import base_iri, page_path
from .pages import page_url

bp = Blueprint("network", __name__)
log = logging.getLogger(__name__)
# An SVG opened on its own must never run script or fetch anything.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
CLUSTER_SHOWN = 20  # sources and articles named per co-citation cluster on the page
# The drawing's kinds (graph/network_drawing.py) -> the provenance picture's style of
# the same kind (web/picture.py's STYLES: one table of colours for both pictures).
_KIND_STYLES = {"article": "article", "claim": "claim", "guideline": "guideline", "drug-label": "drug-label",
                "study": "study", "source": "source", "condition": "condition", "drug": "drug"}
KINDS = {kind: {"colour": picture.STYLES[style][1], "fill": picture.STYLES[style][0],
                "meaning": picture.STYLES[style][2],
                "swatch": picture.swatch(picture.STYLES[style][1], picture.STYLES[style][1])}  # filled, as drawn
         for kind, style in _KIND_STYLES.items()}


@dataclass
class Computed:
    overview: analytics.Overview
    drawing: dict  # graph/network_drawing.py: what the page's picture draws


def compute(store) -> Computed:
    graph = analytics.evidence_graph(store)
    return Computed(analytics.overview(store, graph), network_drawing.drawing(graph))


@dataclass
class Shown:
    overview: analytics.Overview
    drawing: dict
    generation: int  # the load generation the overview was computed for
    current: int  # the store's generation now
    refreshing: bool


class OverviewCache:
    """The last overview computed, and at most one recomputation at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first = threading.Lock()  # a process's first computation: the others wait for it
        self.computed: Computed | None = None
        self.generation = -1
        self.refreshing = False

    def get(self, store, generation: int) -> Shown:
        with self._lock:
            if self.computed is not None:
                if self.generation != generation and not self.refreshing:
                    self.refreshing = True
                    threading.Thread(target=self._refresh, args=(store, generation), daemon=True,
                                     name="network-overview").start()
                return Shown(self.computed.overview, self.computed.drawing, self.generation, generation,
                             self.refreshing)
        with self._first:
            if self.computed is None:
                self._store(compute(store), generation)
        return self.get(store, generation)

    def _refresh(self, store, generation: int) -> None:
        try:
            computed = compute(store)
        except Exception:  # the stale overview stays; the next request tries again
            log.exception("recomputing the evidence network failed")
            with self._lock:
                self.refreshing = False
            return
        self._store(computed, generation)

    def _store(self, computed: Computed, generation: int) -> None:
        with self._lock:
            self.computed, self.generation, self.refreshing = computed, generation, False


def warm(app: Flask) -> threading.Thread:
    """Compute the first overview in the background (``claimgraph serve`` calls this at
    start), so that no visitor waits for it."""
    def run() -> None:
        with app.app_context():
            try:
                _shown()
            except Exception:
                log.exception("computing the evidence network at start failed")
    thread = threading.Thread(target=run, daemon=True, name="network-overview-warm")
    thread.start()
    return thread


def _shown() -> Shown:
    store = get_store()
    search.ensure_index(store)
    cache = current_app.extensions.setdefault("claimgraph.network", OverviewCache())
    return cache.get(store, search.generation(store))


def _vendored(name: str) -> bool:
    """Whether `make setup` vendored this asset (web/static/vendor/, from npm)."""
    return (Path(current_app.static_folder) / "vendor" / name).is_file()


@bp.get("/network")
def network_page():
    shown = _shown()
    alternates = [{"type": mime, "label": fmt.upper(), "href": url_for("network.download", fmt=fmt)}
                  for fmt, mime in analytics.EXPORT_FORMATS.items()]
    drawing = dict(shown.drawing, kinds={k: {"colour": v["colour"], "fill": v["fill"]} for k, v in KINDS.items()})
    drawing["nodes"] = [dict(node, href=page_path(node["id"]) or node["id"]) for node in drawing["nodes"]]
    return render_template("network.html", overview=shown.overview, state=shown, alternates=alternates,
                           drawing=drawing, kinds=KINDS, cytoscape=_vendored("cytoscape/cytoscape.min.js"),
                           shown=CLUSTER_SHOWN,
                           page_url=page_url,
                           picture_url=lambda iri: url_for("network.picture_svg", iri=iri))


@bp.get("/network.<fmt>")
def download(fmt: str):
    if fmt not in analytics.EXPORT_FORMATS:
        return error_response(404, "Not Found", f"No network export as .{fmt}; "
                              f"there are {', '.join('.' + f for f in analytics.EXPORT_FORMATS)}.")
    store = get_store()
    search.ensure_index(store)
    return Response(analytics.export(analytics.evidence_graph(store), fmt), mimetype=analytics.EXPORT_FORMATS[fmt],
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
    app.jinja_env.globals["picture_legend"] = picture.PAGE_LEGEND  # _picture.html's legend
