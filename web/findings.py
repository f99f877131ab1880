"""``/findings``: the auditor's worklists across the whole store.

- ``GET /findings``  every finding type with how many findings the current
  article versions have of it (``.json``, ``.csv`` beside it)
- ``GET /findings/<slug>``  one type's findings, paged by ``?page=N``, in article
  title, version, claim position order (``.json``, ``.csv``: that page's rows)

``slug`` is the finding code in lower case with hyphens (``uncited-claim`` for
UNCITED_CLAIM). The lists come from the index every load keeps
(``graph/finding_lists.py``), never from a scan of every finding.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, request

from claimgraph.graph.index import finding_lists
from claimgraph.graph.rules.findings import BY_CODE

from . import linked_data
from .db import get_store
from .pages import represent, requested_page

bp = Blueprint("findings", __name__)
PER_PAGE = 50
_TABLE_REPRESENTATIONS = {"json", "csv"}
# The CSV columns (and the JSON "table"): the summary's, and a list page's.
_SUMMARY_COLUMNS = ("code", "label", "severity", "findings", "list")
_LIST_COLUMNS = ("finding", "code", "severity", "targets", "version", "article_title", "position", "explanation")


def slug(code: str) -> str:
    return code.lower().replace("_", "-")


_BY_SLUG = {slug(code): code for code in BY_CODE}


def _representation(representation):
    """HTML, or the page's data as JSON or CSV; any other suffix names no page."""
    if representation is None:
        return linked_data.HTML
    if representation.suffix not in _TABLE_REPRESENTATIONS:
        abort(404)
    return representation


def _table(rows: list[dict], columns: tuple[str, ...]) -> list[dict]:
    return [{column: row[column] for column in columns} for row in rows]


@bp.get("/findings")
@bp.get("/findings.<suffix>")
def summary(suffix: str | None = None):
    representation = _representation(linked_data.BY_SUFFIX.get(suffix) if suffix else None)
    kinds = finding_lists.summary(get_store())
    for kind in kinds:
        kind["slug"] = slug(kind["code"])
        kind["list"] = f"{request.script_root}/findings/{kind['slug']}"
    data = {"title": "Findings", "total": sum(k["findings"] for k in kinds), "types": kinds,
            "table": _table(kinds, _SUMMARY_COLUMNS)}
    return represent(data, "findings.html", f"{request.script_root}/findings", representation, iri=None)


@bp.get("/findings/<name>")
def finding_list(name: str):
    name, suffixed = linked_data.split_suffix(name)
    representation = _representation(suffixed)
    code = _BY_SLUG.get(name)
    if code is None:
        abort(404)
    store = get_store()
    kind = finding_lists.finding_types(store).get(code, {"code": code, "label": code, "comment": ""})
    page = finding_lists.findings_page(store, code, page=requested_page(), per_page=PER_PAGE)
    data = {"title": kind["label"][:1].upper() + kind["label"][1:], "kind": kind, "code": code,
            "paging": page.as_dict(), "findings": page.items, "table": _table(page.items, _LIST_COLUMNS)}
    return represent(data, "findings.html", f"{request.script_root}/findings/{name}", representation, iri=None)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
