"""``/healthz``: the process is up and the store answers."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from .db import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = get_store()
    store.ask("ASK { }")
    return jsonify(status="ok")


def register(app: Flask) -> None:
    app.register_blueprint(bp)
