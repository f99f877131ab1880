"""``/about``: what this server holds and where it came from (``graph/about.py``), the
SPARQL endpoint's address and service description, how to cite; ``/dump.nq`` and
``/dump.trig``: the whole store as one download, streamed."""

from __future__ import annotations

from flask import (Blueprint, Flask, Response, abort, current_app, render_template, request,
                   stream_with_context, url_for)

from claimgraph import __version__
from claimgraph.graph.read import about

from .db import get_store

bp = Blueprint("about", __name__)


@bp.get("/about")
def about_page():
    data = about.about_page(get_store())
    has_endpoint = "sparql.endpoint" in current_app.view_functions
    data["endpoint"] = request.host_url.rstrip("/") + url_for("sparql.endpoint") if has_endpoint else None
    data["dumps"] = [{"suffix": suffix, "media_type": media_type, "href": url_for("about.dump", suffix=suffix)}
                     for suffix, (_fmt, media_type) in about.DUMP_FORMATS.items()]
    data["version"] = __version__
    data["page"] = request.host_url.rstrip("/") + url_for("about.about_page")
    return render_template("about.html", page=data)


@bp.get("/dump.<suffix>")
def dump(suffix: str):
    if suffix not in about.DUMP_FORMATS:
        abort(404)
    chunks = about.dump_chunks(get_store(), suffix)
    return Response(stream_with_context(chunks), mimetype=about.DUMP_FORMATS[suffix][1],
                    headers={"Content-Disposition": f'attachment; filename="claimgraph-dump.{suffix}"'})


def register(app: Flask) -> None:
    app.register_blueprint(bp)
