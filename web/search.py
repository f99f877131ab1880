"""``/search``: full-text search over claims, sources and concepts, with facets
and paging (``graph/search.py`` does the work); ``/search.json`` gives the same
results as data."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request, url_for

from claimgraph.graph import search as search_index

from .db import get_store
from .linked_data import page_path

bp = Blueprint("search", __name__)
PER_PAGE = 20
MAX_QUERY = 500  # characters; longer queries are cut, not refused


def _arguments() -> tuple[str, dict[str, str], int]:
    query = request.args.get("q", "")[:MAX_QUERY]
    filters = {f: request.args.get(f, "") for f in search_index.FACETS if request.args.get(f)}
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    return query, filters, page


def _run():
    query, filters, page = _arguments()
    result = search_index.search(get_store(), query, filters, page=page, per_page=PER_PAGE)
    return query, filters, result


@bp.get("/search")
def search_page():
    query, filters, result = _run()

    def link(**changes):
        """This search with some parameters changed (None removes one); page resets."""
        args = {"q": query, **filters}
        args.update(changes)
        return url_for("search.search_page", **{k: v for k, v in args.items() if v})

    alternates = [{"type": "application/json", "label": "JSON",
                   "href": url_for("search.search_json", **request.args)}]
    return render_template("search.html", result=result, filters=filters, search_query=query,
                           facet_titles=search_index.FACET_TITLES, link=link,
                           page_url=lambda iri: page_path(iri) or iri, alternates=alternates)


@bp.get("/search.json")
def search_json():
    _, filters, result = _run()
    return jsonify({
        "query": result.query, "effective_query": result.effective_query,
        "fell_back_to_plain_words": result.fell_back, "filters": filters,
        "total": result.total, "page": result.page, "pages": result.pages,
        "per_page": result.per_page,
        "hits": [{"iri": h.iri, "type": h.type, "page": page_path(h.iri),
                  "title_html": str(h.title), "snippet_html": str(h.snippet),
                  "context": h.context} for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count,
                           "selected": v.selected} for v in values]
                   for name, values in result.facets.items()},
    })


def register(app: Flask) -> None:
    app.register_blueprint(bp)
