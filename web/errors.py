"""One error-body shape for every route: ``{"error": {"status", "title", "detail"}}``
as JSON, or the same as plain text / HTML depending on what the client accepts."""

from __future__ import annotations

from flask import Flask, Response, json, render_template_string, request
from werkzeug.exceptions import HTTPException

from claimgraph.graph.store.disk import is_disk_full
from claimgraph.graph.store.shared_disk import StoreBusy

from .health import note_disk_full

_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ status }} {{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{{ status }} {{ title }}</h1><p>{{ detail }}</p><p><a href="{{ home }}">claimgraph home</a></p></main></body></html>"""


def error_response(status: int, title: str, detail: str, *, headers: dict | None = None) -> Response:
    best = request.accept_mimetypes.best_match(["application/json", "text/html", "text/plain"],
                                               default="text/plain")
    if best == "application/json" or request.path.endswith(".json"):
        body = json.dumps({"error": {"status": status, "title": title, "detail": detail}})
        mimetype = "application/json"
    elif best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/plain"]:
        body = render_template_string(_HTML, status=status, title=title, detail=detail,
                                      home=request.script_root + "/")
        mimetype = "text/html"
    else:
        body = f"{status} {title}: {detail}\n"
        mimetype = "text/plain"
    response = Response(body, status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        headers = dict(exc.get_response().headers)
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        return error_response(exc.code or 500, exc.name, exc.description or "", headers=headers)

    @app.errorhandler(StoreBusy)
    def _store_busy(exc: StoreBusy):  # serve --workers: another process writes the store
        return error_response(503, "Busy", f"{exc}; try again later", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if is_disk_full(exc):  # one clear line and a 507, not a traceback and a 500
            app.logger.error("no space left on device during %s %s: %s", request.method, request.path, exc)
            note_disk_full(app, str(exc)[:300])
            return error_response(507, "Insufficient Storage",
                                  "the server's disk is full, so this could not be written; nothing stored "
                                  "was lost, reads keep working, and writes resume once space is freed")
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal Server Error",
                              "The server could not answer; the error is logged.")
