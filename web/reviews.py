"""Reviewers' verdicts over HTTP: reading is open, writing needs a reviewer.

A reviewer is known either by a bearer token (``Authorization: Bearer <token>``,
tokens in config ``REVIEWER_TOKENS``: token -> name) or by a browser session
opened with such a token at ``POST /reviews/login``. Session-authenticated
writes, the login and the logout must carry the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``; the login form gets one before anyone
logs in, so nobody can be logged in as someone else by a cross-site form);
bearer-token requests carry no ambient credentials and need none.

A session is only as good as what it was opened with. The signed cookie holds a
session id and a fingerprint of the token (an HMAC under ``SECRET_KEY``, not the
token); each request checks that the id is still open on this server (``_SESSIONS``:
logout closes it, a restart closes all) and that a configured token still has that
fingerprint and name. So a revoked token or a logout ends the session at once, and
a cookie replayed after either is a stranger's. The cookie is ``Secure`` whenever
the request came over HTTPS (behind a proxy only when ``PROXY_FIX`` trusts its
``X-Forwarded-Proto``), or always with ``SESSION_COOKIE_SECURE``. Routes:

- ``GET  /reviews?claim=IRI``      every verdict on the claim (JSON), oldest first
- ``GET  /reviews``                the review page (web/review_page.py)
- ``POST /reviews``                record a verdict: claim, verdict, note, source (repeatable)
- ``POST /reviews/login``          token -> session; ``POST /reviews/logout``
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from contextlib import closing
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from claimgraph.graph.write.reviews import VERDICTS, ReviewError, history, record_verdict

from .db import get_store, write_session
from .errors import error_response
from .health import ensure_writable

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


class _SessionRegistry:
    """Session ids open on this server, each with when it lapses; at most ``limit``
    (the oldest go first), so logins cannot fill the memory."""

    def __init__(self, limit: int = 10_000) -> None:
        self._open: dict[str, float] = {}
        self._lock = threading.Lock()
        self.limit = limit

    def open(self, lifetime: float) -> str:
        sid = secrets.token_urlsafe(24)
        now = time.time()
        with self._lock:
            for old in [k for k, until in self._open.items() if until < now]:
                del self._open[old]
            while len(self._open) >= self.limit:
                del self._open[next(iter(self._open))]
            self._open[sid] = now + lifetime
        return sid

    def is_open(self, sid) -> bool:
        with self._lock:
            return isinstance(sid, str) and self._open.get(sid, 0) >= time.time()

    def close(self, sid) -> None:
        with self._lock:
            self._open.pop(sid, None)


class _SharedSessionRegistry(_SessionRegistry):
    """The same, in an SQLite file the request processes of ``serve --workers`` share:
    a login answered by one process is open in all, a logout closes it in all."""

    def __init__(self, path: str, limit: int = 10_000) -> None:
        super().__init__(limit)
        self.path = path
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, until REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def open(self, lifetime: float) -> str:
        sid, now = secrets.token_urlsafe(24), time.time()
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM sessions WHERE until < ?", (now,))
            conn.execute("DELETE FROM sessions WHERE sid IN (SELECT sid FROM sessions ORDER BY until "
                         "LIMIT max(0, (SELECT count(*) FROM sessions) - ? + 1))", (self.limit,))
            conn.execute("INSERT INTO sessions VALUES (?, ?)", (sid, now + lifetime))
        return sid

    def is_open(self, sid) -> bool:
        if not isinstance(sid, str):
            return False
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT until FROM sessions WHERE sid = ?", (sid,)).fetchone()
        return bool(row) and row[0] >= time.time()

    def close(self, sid) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM sessions WHERE sid = ?", (sid,))


_SESSIONS = "claimgraph.review_sessions"


def _fingerprint(token: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def session_reviewer() -> str | None:
    """The reviewer of this request's session, if it is still open and its token still
    configured for that name; a session that is not is cleared."""
    if not _sessions_enabled() or not session.get("reviewer"):
        return None
    fingerprint = session.get("token_fingerprint") or ""
    still = any(name == session["reviewer"] and hmac.compare_digest(_fingerprint(token), fingerprint)
                for token, name in (current_app.config.get("REVIEWER_TOKENS") or {}).items())
    if still and current_app.extensions[_SESSIONS].is_open(session.get("sid")):
        return session["reviewer"]
    for key in ("reviewer", "token_fingerprint", "sid"):
        session.pop(key, None)
    return None


class _SchemeAwareSessions(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


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
    elif session_reviewer():
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
    ensure_writable()  # 507 on a full disk
    try:
        with write_session() as store:
            recorded = record_verdict(store, str(claim), str(verdict), reviewer, str(note or ""), sources)
    except ReviewError as exc:
        return error_response(400, "Bad Request", str(exc))
    if _wants_json():
        return jsonify(vars(recorded)), 201
    return redirect(_safe_next(request.script_root + "/"), code=303)


@bp.post("/reviews/login")
def login():
    if not _sessions_enabled():
        return error_response(403, "Forbidden", "browser login is off (no SECRET_KEY); use a bearer token")
    if not _csrf_ok():  # else another site could log a visitor in under the attacker's name
        return error_response(403, "Forbidden", "the login form's CSRF token is missing or wrong; reload the page")
    token = request.form.get("token", "")
    reviewer = reviewer_for_token(token)
    if reviewer is None:
        return error_response(401, "Unauthorized", "unknown reviewer token")
    current_app.extensions[_SESSIONS].close(session.get("sid"))
    session.clear()
    session["reviewer"] = reviewer
    session["token_fingerprint"] = _fingerprint(token)
    session["sid"] = current_app.extensions[_SESSIONS].open(
        current_app.permanent_session_lifetime.total_seconds())
    session["csrf_token"] = secrets.token_urlsafe(32)
    return redirect(_safe_next(request.script_root + "/"), code=303)


@bp.post("/reviews/logout")
def logout():
    if session_reviewer() and not _csrf_ok():
        return error_response(403, "Forbidden", "the form's CSRF token is missing or wrong")
    if _sessions_enabled():
        current_app.extensions[_SESSIONS].close(session.get("sid"))
    session.clear()
    return redirect(_safe_next(request.script_root + "/"), code=303)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    shared = app.config.get("SESSIONS_FILE")  # serve --workers: one registry for every process
    app.extensions[_SESSIONS] = _SharedSessionRegistry(shared) if shared else _SessionRegistry()
    app.session_interface = _SchemeAwareSessions()

    @app.context_processor
    def _review_helpers():
        # For templates/_review_form.html: the token, who is logged in, the verdict choices.
        return {"review_csrf_token": csrf_token,
                "current_reviewer": session_reviewer,
                "review_verdicts": list(VERDICTS)}
