"""``POST /load``: load files into the store of the running server.

The embedded store has one writer process, and a running ``claimgraph serve`` is
it, so ``claimgraph load`` cannot open the store beside it; this route is the way
in (``claimgraph load --server URL`` posts here). It is off unless the operator
sets ``LOAD_TOKEN`` (``CLAIMGRAPH_LOAD_TOKEN``), and then needs
``Authorization: Bearer <LOAD_TOKEN>`` (compared in constant time). The token is
its own, not ``UPDATE_TOKEN``: loading files can only add articles and sources
through the loaders, while SPARQL Update can change or delete anything, so a
loading pipeline need not hold the stronger key.

Files come as multipart ``file`` fields (``format`` forces a format, as
``claimgraph load --format`` does). They are saved to a temporary folder, each
under its own name, and ``claimgraph.graph.write.batch.load_files`` reads and writes
them; this module never parses them. One load runs at a time: a second request
waits up to ``LOAD_WAIT`` seconds, then gets 503 with ``Retry-After``. The answer
is one outcome per file, named as the client sent it; when any file failed, it
is a 422 that also carries the usual ``error`` object (web/errors.py). The
temporary folder is removed after the load, and a folder a killed server left
behind is removed when the next server starts (web/scratch.py).

After a load, pages read the server's own store (they see the new articles at
once) and the SPARQL worker processes notice that the store's files changed and
reopen their read-only snapshot before their next query (web/query_runner.py).
"""

from __future__ import annotations

import hmac
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, json, request
from werkzeug.utils import secure_filename

from claimgraph.graph.write.batch import load_files
from claimgraph.loaders.textio import MAX_FILE_BYTES

from .db import get_store, write_session
from .health import ensure_writable
from .scratch import remove_orphans, scratch_prefix
from .sparql import ProtocolError, problem

bp = Blueprint("loading", __name__)
LOCK = "claimgraph.load_lock"
# One file at the loaders' own size limit plus the multipart envelope. The 2 MB
# limit of every other route would refuse real drug labels, which run to megabytes.
MAX_LOAD_BYTES = MAX_FILE_BYTES + 1024 * 1024
LOAD_WAIT = 60.0  # seconds a request waits for a load already running
RETRY_AFTER = 10  # seconds, said to a request that waited in vain


def require_loader() -> None:
    token = current_app.config.get("LOAD_TOKEN")
    if not token:
        raise ProtocolError(403, "Forbidden", "loading over HTTP is off on this server; the operator "
                            "enables it by setting CLAIMGRAPH_LOAD_TOKEN")
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), str(token).encode()):
        raise ProtocolError(401, "Unauthorized", "send 'Authorization: Bearer <load token>'",
                            headers={"WWW-Authenticate": 'Bearer realm="claimgraph load"'})


@bp.post("/load")
def load():
    try:
        require_loader()
        uploads = [upload for upload in request.files.getlist("file") if upload.filename]
        if not uploads:
            raise ProtocolError(400, "Bad Request", "no files: send them as multipart/form-data fields named 'file'")
        input_format = request.form.get("format") or None
        with _one_load_at_a_time():
            ensure_writable(request.content_length or 0)  # 507 on a full disk, before writing anything
            with write_session(float(current_app.config["LOAD_WAIT"])):  # serve --workers: one writer
                return _load(uploads, input_format)
    except ProtocolError as exc:
        return problem(exc)


@contextmanager
def _one_load_at_a_time():
    """Hold the app's load lock, waiting at most ``LOAD_WAIT`` seconds for it."""
    lock = current_app.extensions[LOCK]
    wait = float(current_app.config["LOAD_WAIT"])
    if not (lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)):
        raise ProtocolError(503, "Busy", f"another load is running (waited {wait:g} s); try again later",
                            headers={"Retry-After": str(RETRY_AFTER)})
    try:
        yield
    finally:
        lock.release()


def _load(uploads, input_format: str | None) -> Response:
    with tempfile.TemporaryDirectory(prefix=scratch_prefix("upload")) as folder:
        paths, client_names = [], []
        for index, upload in enumerate(uploads):
            # Each file in a folder of its own keeps its name (the provenance records it)
            # without two uploads of the same name overwriting each other.
            path = Path(folder, f"{index:04d}", secure_filename(upload.filename) or "upload")
            path.parent.mkdir()
            upload.save(path)
            paths.append(path)
            client_names.append(upload.filename)
        started = time.time()
        outcomes = load_files(get_store(), paths, input_format=input_format)
        finished = time.time()
    files = [_as_sent(asdict(outcome) | {"ok": outcome.ok}, str(path), name)
             for outcome, path, name in zip(outcomes, paths, client_names)]
    failed = [f["path"] for f in files if not f["ok"]]
    current_app.logger.info("load over HTTP: %d file(s), %d with errors, %.1f s", len(files), len(failed),
                            finished - started)
    answer = {"loaded": len(files) - len(failed), "failed": len(failed),
              "started": started, "finished": finished, "files": files}
    status = 200
    if failed:
        status = 422
        answer = {"error": {"status": status, "title": "Unprocessable Content",
                            "detail": f"{len(failed)} of {len(files)} file(s) did not load: {', '.join(failed)}"},
                  **answer}
    return Response(json.dumps(answer), status=status, mimetype="application/json")


def _as_sent(outcome: dict, saved_as: str, client_name: str) -> dict:
    """The outcome with the temporary path replaced by the name the client sent."""
    def rename(text: str) -> str:
        return text.replace(saved_as, client_name)

    outcome["path"] = client_name
    outcome["errors"] = [rename(e) for e in outcome["errors"]]
    outcome["warnings"] = [rename(w) for w in outcome["warnings"]]
    for article in outcome["articles"]:
        article["warnings"] = [rename(w) for w in article["warnings"]]
    return outcome


def register(app: Flask) -> None:
    app.config.setdefault("LOAD_TOKEN", None)
    app.config.setdefault("LOAD_WAIT", LOAD_WAIT)
    app.config.setdefault("LOAD_MAX_BYTES", MAX_LOAD_BYTES)
    app.config.setdefault("BODY_LIMITS", {})["loading.load"] = int(app.config["LOAD_MAX_BYTES"])
    app.extensions[LOCK] = threading.Lock()
    remove_orphans("upload")  # left by a server killed during a load
    app.register_blueprint(bp)
