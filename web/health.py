"""``/healthz``: the process is up, the store answers, and whether it can write.

``200 {"status": "ok", "process": <pid>}`` when all is well (the process id tells
which request process of ``serve --workers`` answered). ``503 {"status": "degraded", "reads":
"ok", "problems": [...]}`` when reads work but writes would not: the store's file
system has less than ``MIN_FREE_BYTES`` free (64 MB), or a write failed for want of
space and the store has not written since. A monitor (or a proxy's health check)
thus sees a full disk before a load fails on it; pages keep being served either way.

``ensure_writable()`` is what every writing route (``/load``, reviews) calls first:
it refuses with 507 Insufficient Storage while space is short, and once space is
back after a failed write it opens the store again (RocksDB writes nothing more on a
handle whose write failed for want of space), so writes resume without a restart.
The error handler (web/errors.py) calls ``note_disk_full`` for any request a full
disk broke.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException

from claimgraph.graph.store.disk import free_bytes, reopen_after_disk_full

from .db import get_store

bp = Blueprint("health", __name__)
MIN_FREE_BYTES = 64 * 1024 * 1024
_WRITE_FAILED = "claimgraph.write_failed"  # app.extensions: what the last disk-full failure said, or None
_FLAG = "write-failed"  # the file of the shared state folder that says what failed
_reopening = threading.Lock()


class InsufficientStorage(HTTPException):
    """507: werkzeug has no class for it; web/errors.py renders it in the one error shape."""

    code = 507


def note_disk_full(app: Flask, message: str) -> None:
    _set_failed(app, message)


def _failed(app: Flask) -> str | None:
    """What the last disk-full failure said, or None: in this process, or with ``serve
    --workers`` in the state folder every request process shares (one process's failed
    write is every process's health)."""
    shared = app.config.get("SHARED_STATE_DIR")
    if not shared:
        return app.extensions.get(_WRITE_FAILED)
    try:
        return Path(shared, _FLAG).read_text(encoding="utf-8") or "no space left on device"
    except OSError:
        return None


def _set_failed(app: Flask, message: str | None) -> None:
    app.extensions[_WRITE_FAILED] = message
    shared = app.config.get("SHARED_STATE_DIR")
    if shared:
        flag = Path(shared, _FLAG)
        try:
            flag.write_text(message, encoding="utf-8") if message else flag.unlink(missing_ok=True)
        except OSError:  # the state folder is on the full disk too: this process still knows
            pass


def _space_short(extra_bytes: int = 0) -> str | None:
    """What is short, if the store's file system has too little room for a write."""
    path = getattr(get_store(), "path", None)
    free, needed = free_bytes(path), int(current_app.config["MIN_FREE_BYTES"]) + max(0, extra_bytes)
    if free is None or free >= needed:
        return None
    return (f"{free / 1e6:.1f} MB free on the file system of the store ({path}); writes need "
            f"{needed / 1e6:.0f} MB (MIN_FREE_BYTES plus what is being written)")


def storage_problems() -> list[str]:
    """Why writes would fail now (empty: they would not)."""
    failed = _failed(current_app)
    return [problem for problem in (_space_short(), failed and f"a write failed for want of space "
                                    f"({failed}); the next write opens the store again") if problem]


def ensure_writable(extra_bytes: int = 0) -> None:
    """Raise 507 while the store's disk is short of space; after a failed write, once
    space is back, open the store again so that it writes."""
    short = _space_short(extra_bytes)
    if short:
        raise InsufficientStorage(f"no space to write: {short}. Reads keep working; writes resume once "
                                  "space is freed, without a restart.")
    if _failed(current_app):
        with _reopening:
            if _failed(current_app):
                store = get_store()
                # The SPARQL runner keeps the handle for in-memory stores (web/sparql.py); while
                # it does, the old handle stays open and its lock keeps the new one out.
                runner = current_app.extensions.get("claimgraph.query_runner")
                held = runner is not None and getattr(runner, "inline_store", None) is store.store
                if held:
                    runner.inline_store = None
                reopen_after_disk_full(store)
                if held:
                    runner.inline_store = store.store
                _set_failed(current_app, None)
                current_app.logger.info("store opened again after a write failed for want of space")


@bp.get("/healthz")
def healthz():
    store = get_store()
    store.ask("ASK { }")
    problems = storage_problems()
    if problems:
        return jsonify(status="degraded", reads="ok", writes="failing", problems=problems,
                       process=os.getpid()), 503
    return jsonify(status="ok", process=os.getpid())


def register(app: Flask) -> None:
    app.config.setdefault("MIN_FREE_BYTES", MIN_FREE_BYTES)
    app.extensions.setdefault(_WRITE_FAILED, None)
    app.register_blueprint(bp)
