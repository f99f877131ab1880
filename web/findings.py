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

from claimgraph.graph import finding_lists
from claimgraph.graph.findings import BY_CODE

from . import linked_data
from .db import get_store
from .pages import represent, requested_page

bp = Blueprint("findings", __name__)
PER_PAGE = 50
_TABLE_REPRESENTATIONS = {"json", "csv"}


def slug(code: str) -> str:
    return code.lower().replace("_", "-")


_BY_SLUG = {slug(code): code for code in BY_CODE}


def _representation(suffix: str | None):
    if suffix is None:
        return linked_data.HTML
    if suffix not in _TABLE_REPRESENTATIONS:
        abort(404)
    return linked_data.BY_SUFFIX[suffix]


@bp.get("/findings")
@bp.get("/findings.<suffix>")
def summary(suffix: str | None = None):
    representation = _representation(suffix)
    kinds = finding_lists.summary(get_store())
    for kind in kinds:
        kind["slug"] = slug(kind["code"])
        kind["list"] = f"{request.script_root}/findings/{kind['slug']}"
    data = {"title": "Findings", "total": sum(k["findings"] for k in kinds), "types": kinds,
            "table": [{"code": k["code"], "label": k["label"], "severity": k["severity"],
                       "findings": k["findings"], "list": k["list"]} for k in kinds]}
    return represent(data, "findings.html", f"{request.script_root}/findings", representation, iri=None)


@bp.get("/findings/<name>")
def finding_list(name: str):
    stem, dot, suffix = name.rpartition(".")
    name, suffix = (stem, suffix) if dot else (name, None)
    representation = _representation(suffix)
    code = _BY_SLUG.get(name)
    if code is None:
        abort(404)
    store = get_store()
    kind = finding_lists.finding_types(store).get(code, {"code": code, "label": code, "comment": ""})
    page = finding_lists.findings_page(store, code, page=requested_page(), per_page=PER_PAGE)
    data = {"title": kind["label"][:1].upper() + kind["label"][1:], "kind": kind, "code": code,
            "paging": page.as_dict(), "findings": page.items,
            "table": [{"finding": f["finding"], "code": f["code"], "severity": f["severity"],
                       "targets": f["targets"], "version": f["version"], "article_title": f["article_title"],
                       "position": f["position"], "explanation": f["explanation"]} for f in page.items]}
    return represent(data, "findings.html", f"{request.script_root}/findings/{name}", representation, iri=None)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
