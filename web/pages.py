"""The provenance browser's pages: home, and ``/id/<rest>`` for every IRI the
project mints (article, claim, source, condition/drug, anything else).

Page data comes from ``claimgraph.graph.read.pages*``; this module picks the page by
the resource's type, the representation by suffix or Accept header
(``linked_data``), and renders. Unknown IRIs are real 404s.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, render_template, request

from claimgraph import __version__
from claimgraph.graph.read import pages as page_data
from claimgraph.graph.read import pages_article
from claimgraph.graph.read import pages_audit
from claimgraph.graph.read import pages_index
from claimgraph.graph.exports import FORMATS as EXPORT_FORMATS
from claimgraph.graph.rdf.namespaces import CG, SKOS
from claimgraph.graph.index.page_lists import ARTICLE_ORDERS

from . import linked_data
from .db import get_store
from .errors import error_response
from .security import web_url

bp = Blueprint("pages", __name__)

# rdf:type -> (page-data function, template); checked in this order.
_PAGES = (
    (CG.Article.value, pages_audit.article_page, "article.html"),
    (CG.Claim.value, pages_audit.claim_page, "claim.html"),
    (CG.Source.value, pages_index.source_page, "source.html"),
    (CG.Drug.value, pages_index.concept_page, "concept.html"),
    (CG.Condition.value, pages_index.concept_page, "concept.html"),
    (SKOS.Concept.value, pages_index.concept_page, "concept.html"),
)
# Pages whose long list is paged by ``?page=N``.
_PAGED = (pages_index.source_page, pages_index.concept_page)
MAX_PAGE = 1_000_000  # keeps the SQL offset a small integer whatever is asked


@bp.get("/")
@bp.get("/index")
def home():
    data = _home_data()
    page_url = request.script_root + "/index"
    return represent(data, "home.html", page_url, linked_data.HTML, iri=None)


@bp.get("/index.<suffix>")
def home_data(suffix: str):
    representation = linked_data.BY_SUFFIX.get(suffix)
    if representation is None or representation.rdf_format:
        abort(404)
    return represent(_home_data(), "home.html", request.script_root + "/index", representation, iri=None)


def _home_data() -> dict:
    """The home page with its article list as ``?sort=`` (an unknown order: the default),
    ``?filter=`` (title contains) and ``?page=`` ask."""
    order = request.args.get("sort", "recent")
    if order not in ARTICLE_ORDERS:
        order = "recent"
    contains = request.args.get("filter", "")[:200]
    return pages_index.home_page(get_store(), order=order, contains=contains, page=requested_page())


@bp.get("/id/<path:rest>")
def resource(rest: str):
    store = get_store()
    stem, suffixed = linked_data.split_suffix(rest)
    found, representation = (_find(store, stem), suffixed) if suffixed else (None, None)
    if found is None:  # no suffix, or the suffix is part of the IRI itself
        found, representation = _find(store, rest), None
    if found is None:
        detail = f"Nothing in this graph has the IRI {linked_data.base_iri()}{stem}."
        if suffixed is None and linked_data.negotiate() is linked_data.HTML:
            return render_template("not_found.html", detail=detail), 404
        return error_response(404, "Not Found", detail)
    iri, types = found
    page_url = linked_data.page_path(iri)
    representation = representation or linked_data.negotiate()
    if representation.rdf_format:
        body, content_type = linked_data.rdf_body(store, iri, representation)
        return linked_data.respond(body, content_type, linked_data.alternates(page_url), representation)
    data, template = _page_for(store, iri, types)
    return represent(data, template, page_url, representation, iri=iri)


def _find(store, rest: str):
    for iri in linked_data.candidate_iris(rest):
        try:
            types = page_data.resource_types(store, iri)
        except ValueError:  # not a valid IRI ("/id/a b", "/id/x>", NUL): nothing has it
            continue
        if types is not None:
            return iri, types
    return None


def _page_for(store, iri: str, types: set[str]):
    if CG.ArticleWork.value in types:
        current = pages_article.current_version(store, iri)
        if current:
            data = pages_audit.article_page(store, current)
            data["work"] = iri
            return data, "article.html"
    for type_iri, build, template in _PAGES:
        if type_iri in types:
            data = build(store, iri, page=requested_page()) if build in _PAGED else build(store, iri)
            if data is not None:
                return data, template
    return page_data.resource_page(store, iri), "resource.html"


def requested_page() -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:  # not a number (or one too long to read): the first page
        return 1


def represent(data: dict, template: str, page_url: str, representation, *, iri: str | None):
    alts = linked_data.alternates(page_url, with_rdf=iri is not None)
    if representation is linked_data.HTML:
        body = render_template(template, page=data, iri=iri,
                               alternates=[a for a in alts if a["type"] != "text/html"])
        return linked_data.respond(body, "text/html; charset=utf-8", alts, representation)
    body, content_type = linked_data.data_body(data, representation)
    return linked_data.respond(body, content_type, alts, representation)


def page_link(page: int) -> str:
    """This page's URL with ``page`` (``?page=N``), every other query argument kept: a
    list's pager keeps its sort and filter."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [("page", str(page))]
    return "?" + urlencode(args)


def page_url(iri: str | None) -> str:
    """Templates link every IRI through this: the local page when minted here, the IRI
    itself when it is a web URL (security.web_url), else nothing to follow."""
    if not iri:
        return "#"
    return linked_data.page_path(iri) or web_url(iri) or "#"


# Download link names of the audit export formats (web/exports.py serves them all).
_EXPORT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "html": "Printable report (HTML)",
                  "jsonld": "JSON-LD", "trig": "TriG", "nanopub": "Nanopublications (TriG)"}
_EXPORT_FORMATS = [{"name": f.name, "extension": f.extension, "label": _EXPORT_LABELS.get(f.name, f.name)}
                   for f in EXPORT_FORMATS.values()]


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(page_url, "page_url")
    app.jinja_env.globals["page_link"] = page_link
    app.jinja_env.globals["support_legend"] = page_data.SUPPORT
    app.jinja_env.globals["audit_export_formats"] = _EXPORT_FORMATS
    # Optional areas (the provenance picture) show only when their blueprint is there.
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions

    @app.context_processor
    def _site_context():
        return {"software_version": __version__}
