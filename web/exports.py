"""Audit export downloads. Reading needs no login.

- ``GET /export/audit.<ext>``  ext: csv, xlsx, jsonld, trig, nanopub.trig, html
- ``GET /export/audit.<ext>.manifest.json``  the manifest of the same export

Query parameters select articles (all current ones by default), each repeatable:
``article=IRI`` (work or version), ``source=IRI`` (articles citing it),
``concept=IRI`` (articles mentioning it). The export is written to a temporary
file and streamed from there, so memory stays bounded. An export over HTTP is
limited: ``EXPORT_TIMEOUT`` seconds of work (503 with Retry-After when over),
``EXPORT_MAX_BYTES`` and ``EXPORT_MAX_ARTICLES`` (413); at most
``EXPORT_CONCURRENCY`` run at once (web/limits.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_file

from claimgraph.graph.exports import FORMATS, ExportError, ExportLimits, ExportTooLarge, Selection, export

from .db import get_store
from .errors import error_response
from .scratch import remove_orphans, scratch_prefix

bp = Blueprint("exports", __name__)
# What one export over HTTP may take; the CLI's ``claimgraph export audit`` has no limits.
EXPORT_TIMEOUT = 120.0  # seconds of work
EXPORT_MAX_BYTES = 512 * 1024 * 1024
EXPORT_MAX_ARTICLES = 20_000
BY_EXTENSION = {f.extension: f for f in FORMATS.values()}


def _run(ext: str):
    fmt = BY_EXTENSION.get(ext)
    if fmt is None:
        return None, None, error_response(404, "Not Found",
                                          f"no export format .{ext}; use one of: {', '.join(BY_EXTENSION)}")
    selection = Selection(request.args.getlist("article"), request.args.getlist("source"),
                          request.args.getlist("concept"))
    folder = Path(tempfile.mkdtemp(prefix=scratch_prefix("export")))
    path = folder / f"audit.{fmt.extension}"
    config = current_app.config
    limits = ExportLimits(seconds=config["EXPORT_TIMEOUT"], max_bytes=config["EXPORT_MAX_BYTES"],
                          max_articles=config["EXPORT_MAX_ARTICLES"])
    try:
        manifest = export(get_store(), selection, fmt.name, path, limits=limits)
    except ExportTooLarge as exc:
        shutil.rmtree(folder, ignore_errors=True)
        hint = f"{exc}, or run 'claimgraph export audit' where the store is"
        if exc.timed_out:  # the same export may fit when the server is less busy
            return None, None, error_response(503, "Export Took Too Long", hint, headers={"Retry-After": "60"})
        return None, None, error_response(413, "Export Too Large", hint)
    except ExportError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        status = 404 if "matches no article" in str(exc) else 400
        return None, None, error_response(status, "Bad Request" if status == 400 else "Not Found", str(exc))
    except BaseException:  # any other failure is the app's 500; its folder goes all the same
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return fmt, (folder, path, manifest), None


@bp.get("/export/audit.<path:ext>")
def audit(ext: str):
    want_manifest = ext.endswith(".manifest.json")
    fmt, made, failed = _run(ext.removesuffix(".manifest.json") if want_manifest else ext)
    if failed is not None:
        return failed
    folder, path, manifest = made
    if want_manifest:
        shutil.rmtree(folder, ignore_errors=True)
        return Response(json.dumps(manifest, indent=2, ensure_ascii=False), mimetype="application/json")
    # Open, then remove the folder at once: the open handle keeps the bytes readable
    # (POSIX), and nothing is left behind even when a client never reads or closes
    # the response (call_on_close alone leaked a folder per unread download).
    handle = open(path, "rb")
    shutil.rmtree(folder, ignore_errors=True)
    response = send_file(handle, mimetype=fmt.media_type, as_attachment=fmt.name != "html",
                         download_name=path.name, max_age=0)
    response.headers["X-Content-SHA256"] = manifest["sha256"]
    response.headers["Link"] = f'<{request.path}.manifest.json?{request.query_string.decode()}>; rel="describedby"'
    return response


def register(app: Flask) -> None:
    app.config.setdefault("EXPORT_TIMEOUT", EXPORT_TIMEOUT)
    app.config.setdefault("EXPORT_MAX_BYTES", EXPORT_MAX_BYTES)
    app.config.setdefault("EXPORT_MAX_ARTICLES", EXPORT_MAX_ARTICLES)
    remove_orphans("export")  # left by a server killed while exporting
    app.register_blueprint(bp)
