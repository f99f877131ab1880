"""``/search``: full-text search over claims, sources and concepts, with facets
and paging (``graph/search.py`` does the work); ``/search.json`` gives the same
results as data."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from markupsafe import Markup, escape

from claimgraph.graph.index import search_query

from .db import get_store
from .linked_data import page_path
from .pages import page_url

bp = Blueprint("search", __name__)


def highlighted(text: str) -> Markup:
    """A hit's text escaped, and only then its matches in <mark>: the markers are characters
    indexed text never holds (graph/index/search_docs.py strips them), so data cannot forge one."""
    return Markup(str(escape(text or "")).replace(search_query.MATCH_OPEN, "<mark>")
                  .replace(search_query.MATCH_CLOSE, "</mark>"))
PER_PAGE = 20
MAX_QUERY = 500  # characters; longer queries are cut, not refused
FACET_LIMIT = 12  # values per facet shown (graph.search's default)
MAX_EXPORT_ARTICLES = 50  # articles one search's audit-download links may select


def _arguments() -> tuple[str, dict[str, str], int]:
    query = request.args.get("q", "")[:MAX_QUERY]
    filters = {f: request.args.get(f, "") for f in search_query.FACETS if request.args.get(f)}
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    return query, filters, page


def _run():
    """The search of this request, and the articles its results come from (up to
    one more than an export may select). One search gives both: its facets are
    counted with the export's limit and cut to ``FACET_LIMIT`` for showing."""
    query, filters, page = _arguments()
    result = search_query.search(get_store(), query, filters, page=page, per_page=PER_PAGE,
                                 facet_limit=MAX_EXPORT_ARTICLES + 1)
    articles = [v.value for v in result.facets.get("article", [])]
    result.facets = {name: _shown(values) for name, values in result.facets.items()}
    return query, filters, result, articles


def _shown(values: list) -> list:
    """The first ``FACET_LIMIT`` values of a facet, and a selected one further down."""
    return values[:FACET_LIMIT] + [v for v in values[FACET_LIMIT:] if v.selected]


def _export_selection(query: str, filters: dict[str, str], result,
                      articles: list[str]) -> tuple[dict | None, str | None]:
    """The articles the results come from, as an audit-export selection.

    The export routes select whole articles (by article, source or concept), not
    search hits, so a search exports the articles of its results: all of them
    only if the facets were counted over every hit. Returns (selection, note).
    """
    if not result.total or not (query or filters) or not articles:
        return None, None
    narrow = "narrow the search (an article, drug or condition facet) to export them."
    if len(articles) > MAX_EXPORT_ARTICLES:
        return None, f"The results come from more than {MAX_EXPORT_ARTICLES} articles: {narrow}"
    if result.facets_partial:
        return None, f"Too many results to list the articles they come from: {narrow}"
    return {"article": sorted(articles)}, None


@bp.get("/search")
def search_page():
    query, filters, result, articles = _run()
    export_selection, export_note = _export_selection(query, filters, result, articles)

    def link(**changes):
        """This search with some parameters changed (None removes one); page resets."""
        args = {"q": query, **filters}
        args.update(changes)
        return url_for("search.search_page", **{k: v for k, v in args.items() if v})

    alternates = [{"type": "application/json", "label": "JSON",
                   "href": url_for("search.search_json", **request.args)}]
    return render_template("search.html", result=result, filters=filters, search_query=query,
                           facet_titles=search_query.FACET_TITLES, link=link,
                           page_url=page_url, alternates=alternates,
                           export_selection=export_selection, export_note=export_note)


@bp.get("/search.json")
def search_json():
    _, filters, result, _ = _run()
    return jsonify({
        "query": result.query, "effective_query": result.effective_query,
        "fell_back_to_plain_words": result.fell_back, "filters": filters,
        "total": result.total, "page": result.page, "pages": result.pages,
        "per_page": result.per_page, "facets_counted": result.facets_counted,
        "hits": [{"iri": h.iri, "type": h.type, "page": page_path(h.iri),
                  "title_html": str(highlighted(h.title)), "snippet_html": str(highlighted(h.snippet)),
                  "context": h.context} for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count,
                           "selected": v.selected} for v in values]
                   for name, values in result.facets.items()},
    })


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(highlighted, "highlighted")
