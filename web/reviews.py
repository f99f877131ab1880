"""Reviewers' verdicts over HTTP: reading is open, writing needs a reviewer.

A reviewer is known either by a bearer token (``Authorization: Bearer <token>``,
tokens in config ``REVIEWER_TOKENS``: token -> name) or by a browser session
opened with such a token at ``POST /reviews/login``. Session-authenticated
writes must carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``); bearer-token requests carry no ambient credentials and need
none. Routes:

- ``GET  /reviews?claim=IRI``      every verdict on the claim (JSON), oldest first
- ``GET  /reviews``                the review page (web/review_page.py)
- ``POST /reviews``                record a verdict: claim, verdict, note, source (repeatable)
- ``POST /reviews/login``          token -> session; ``POST /reviews/logout``
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify, redirect, request, session

from claimgraph.graph.reviews import VERDICTS, ReviewError, history, record_verdict

from .db import get_store
from .errors import error_response

bp = Blueprint("reviews", __name__)


def reviewer_for_token(token: str | None) -> str | None:
    """The reviewer a token belongs to; every token is compared in constant time."""
    if not token:
        return None
    found = None
    for known, name in (current_app.config.get("REVIEWER_TOKENS") or {}).items():
        if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
            found = name
    return found


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _sessions_enabled() -> bool:
    return bool(current_app.config.get("SECRET_KEY"))


def csrf_token() -> str:
    """The session's CSRF token (made on first use); empty when sessions are off."""
    if not _sessions_enabled():
        return ""
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def _csrf_ok() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf_token") or ""
    return bool(expected) and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _safe_next(default: str) -> str:
    """Only a path on this site: never an open redirect."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


@bp.get("/reviews")
def list_verdicts():
    claim = request.args.get("claim", "")
    if not claim and not _wants_json():  # a browser opening "Reviews": the review page
        from .review_page import review_page

        return review_page()
    if not claim:
        return error_response(400, "Bad Request", "give the claim's IRI as ?claim=")
    try:
        rows = history(get_store(), claim)
    except ValueError as exc:
        return error_response(400, "Bad Request", f"not an IRI: {exc}")
    return jsonify(claim=claim, verdicts=rows)


@bp.post("/reviews")
def record():
    bearer = _bearer()
    if bearer is not None:
        reviewer = reviewer_for_token(bearer)
        if reviewer is None:
            return error_response(401, "Unauthorized", "unknown reviewer token",
                                  headers={"WWW-Authenticate": 'Bearer realm="claimgraph reviews"'})
    elif _sessions_enabled() and session.get("reviewer"):
        if not _csrf_ok():
            return error_response(403, "Forbidden", "the form's CSRF token is missing or wrong; reload the page")
        reviewer = session["reviewer"]
    else:
        return error_response(401, "Unauthorized", "recording a verdict needs a reviewer token or login",
                              headers={"WWW-Authenticate": 'Bearer realm="claimgraph reviews"'})

    data = request.get_json(silent=True) if request.is_json else None
    if data is not None:
        claim, verdict, note = data.get("claim", ""), data.get("verdict", ""), data.get("note", "")
        sources = data.get("sources") or []
    else:
        claim, verdict = request.form.get("claim", ""), request.form.get("verdict", "")
        note, sources = request.form.get("note", ""), request.form.getlist("source")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        return error_response(400, "Bad Request", "sources must be a list of IRIs")
    sources = [s.strip() for s in sources if s and s.strip()]
    try:
        recorded = record_verdict(get_store(), str(claim), str(verdict), reviewer, str(note or ""), sources)
    except ReviewError as exc:
        return error_response(400, "Bad Request", str(exc))
    if _wants_json():
        return jsonify(vars(recorded)), 201
    return redirect(_safe_next(request.script_root + "/"), code=303)


@bp.post("/reviews/login")
def login():
    if not _sessions_enabled():
        return error_response(403, "Forbidden", "browser login is off (no SECRET_KEY); use a bearer token")
    reviewer = reviewer_for_token(request.form.get("token", ""))
    if reviewer is None:
        return error_response(401, "Unauthorized", "unknown reviewer token")
    session.clear()
    session["reviewer"] = reviewer
    session["csrf_token"] = secrets.token_urlsafe(32)
    return redirect(_safe_next(request.script_root + "/"), code=303)


@bp.post("/reviews/logout")
def logout():
    if _sessions_enabled() and session.get("reviewer") and not _csrf_ok():
        return error_response(403, "Forbidden", "the form's CSRF token is missing or wrong")
    session.clear()
    return redirect(_safe_next(request.script_root + "/"), code=303)


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _review_helpers():
        # For templates/_review_form.html: the token, who is logged in, the verdict choices.
        return {"review_csrf_token": csrf_token,
                "current_reviewer": (lambda: session.get("reviewer") if _sessions_enabled() else None),
                "review_verdicts": list(VERDICTS)}
