"""Resolving references in the browser: the suggestions, and a reviewer's one-click decision.

- ``GET  /resolve``   every unresolved reference of the current articles with its top
  candidates or what was compared (``.json``, ``.csv`` beside it: the same rows as
  ``claimgraph resolve --suggest``)
- ``POST /resolve``   record a decision: ``reference``, ``source``, ``action`` (confirm,
  reject, withdraw), ``note``; then back to ``next``

Writing needs a reviewer exactly as a verdict does (web/reviews.py: a bearer token, or a
browser session with its CSRF token); this module asks web/reviews.py who is writing and
keeps no login of its own. Templates get ``resolution_for(source)`` and
``resolution_trail(claim)`` (the source card, the source page, the claim's review trail).
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, redirect, request, session

from claimgraph.graph import resolution
from claimgraph.graph.resolution.decisions import record_decision
from claimgraph.graph.resolution.report import COLUMNS, suggestion_rows
from claimgraph.graph.write.reviews import ReviewError

from . import linked_data, reviews
from .db import get_store, write_session
from .errors import error_response
from .findings import _representation
from .pages import represent

bp = Blueprint("resolution", __name__)


@bp.get("/resolve")
@bp.get("/resolve.<suffix>")
def suggestions_page(suffix: str | None = None):
    representation = _representation(linked_data.BY_SUFFIX.get(suffix) if suffix else None)
    rows = suggestion_rows(get_store())
    data = {"title": "Suggested sources for unresolved references", "rows": rows,
            "table": [{c: row[c] for c in COLUMNS} for row in rows]}
    return represent(data, "resolve.html", f"{request.script_root}/resolve", representation, iri=None)


def _writer() -> tuple[str | None, object | None]:
    """(reviewer, None) when the request may write, else (None, the error response)."""
    bearer = reviews._bearer()
    if bearer is not None:
        reviewer = reviews.reviewer_for_token(bearer)
        if reviewer is None:
            return None, error_response(401, "Unauthorized", "unknown reviewer token",
                                        headers={"WWW-Authenticate": 'Bearer realm="claimgraph reviews"'})
        return reviewer, None
    if reviews._sessions_enabled() and session.get("reviewer"):
        if not reviews._csrf_ok():
            return None, error_response(403, "Forbidden", "the form's CSRF token is missing or wrong; reload the page")
        return session["reviewer"], None
    return None, error_response(401, "Unauthorized", "deciding what a reference is needs a reviewer token or login",
                                headers={"WWW-Authenticate": 'Bearer realm="claimgraph reviews"'})


@bp.post("/resolve")
def decide():
    reviewer, refused = _writer()
    if refused is not None:
        return refused
    data = request.get_json(silent=True) if request.is_json else None
    fields = data if isinstance(data, dict) else request.form
    reference, source = str(fields.get("reference") or ""), str(fields.get("source") or "")
    action, note = str(fields.get("action") or "confirm"), str(fields.get("note") or "")
    try:
        with write_session() as store:
            recorded = record_decision(store, reference, source, action, reviewer, note)
    except ReviewError as exc:
        return error_response(400, "Bad Request", str(exc))
    if reviews._wants_json():
        return jsonify(vars(recorded)), 201
    return redirect(reviews._safe_next(request.script_root + "/"), code=303)


def resolution_for(source: str | None) -> dict | None:
    """What the templates show of a source's resolution: its suggestions (when it is an
    unresolved reference), the record it was identified as, and the decisions on it."""
    if not source:
        return None
    store = get_store()
    found = resolution.suggestions(store, [source]).get(source)
    confirmed = resolution.identified_with_decision(store, [source]).get(source)
    history = resolution.decision_rows(store, source)
    if found is None and confirmed is None and not history:
        return None
    return {"source": source, "compared": (found or {}).get("compared"),
            "candidates": (found or {}).get("candidates", []),
            "identified_as": confirmed[0] if confirmed else None,
            "decision": next((r for r in history if confirmed and r["decision"] == confirmed[1]), None),
            "history": history}


def resolution_trail(sources) -> list[dict]:
    """The decisions on these (unresolved) sources, oldest first: a claim's review trail."""
    store = get_store()
    rows = [row for source in sorted(set(s for s in sources if s)) for row in resolution.decision_rows(store, source)]
    return sorted(rows, key=lambda r: (str(r["time"]), r["decision"]))


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _resolution_helpers():
        return {"resolution_for": resolution_for, "resolution_trail": resolution_trail}
