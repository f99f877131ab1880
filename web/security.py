"""Defences every response and request share: headers, size limits, no federated queries.

- Security headers on every response: a Content-Security-Policy without inline
  scripts, no MIME sniffing, no framing, a strict referrer policy.
- Request bodies over ``MAX_CONTENT_LENGTH`` and URLs whose query string is over
  ``MAX_QUERY_STRING`` are refused with 413 in the one error shape (web/errors.py).
  A route may have its own body limit in ``BODY_LIMITS`` (endpoint -> bytes): the
  file uploads of ``POST /load`` (web/loading.py) are the one such route.
- ``web_url`` decides which URLs from the data become links (the templates' ``web_url``
  filter and ``ext_link`` macro, and ``page_url`` for IRIs not minted here): only http(s)
  URLs with a host, and ``doi:``/``pmid:`` identifiers as their resolvers' https URLs.
  A ``javascript:`` or ``data:`` URL from a RIS, CSL, BibTeX or guideline record is shown
  as text; the CSP alone stood between it and a click.
- ``uses_service`` tells the SPARQL routes that a query calls SERVICE: pyoxigraph
  would fetch any URL named there (server-side request forgery), so the endpoint
  refuses such queries unless ``SERVICE_ENABLED`` is set.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import limits
from .errors import error_response

# The two stylesheets the query editor's results table (YASR's column resizer, vendored)
# writes into the page, allowed by their exact text's hash and nothing else: the grip
# rules (blocked, the table lost its fixed layout and grew thousands of pixels wide) and
# the cursor while a column is dragged. tests/test_vendored_assets.py recomputes
# them from the vendored file.
VENDORED_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                         "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; "
                           f"style-src 'self' {' '.join(VENDORED_STYLE_HASHES)}; img-src 'self' data:; "
                           "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # bytes of request body: queries, updates, reviews
MAX_QUERY_STRING = 64 * 1024  # bytes of URL query string: a GET query is at most this long

# What can hide the word SERVICE without being the keyword: comments, string
# literals (long and short forms, escapes kept inside) and IRIs.
_NOT_KEYWORDS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                           r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


def uses_service(sparql: str) -> bool:
    """True if the SPARQL text uses the SERVICE keyword (federated query)."""
    if not _may_name_service(sparql):  # nearly every query: 2 µs instead of 30-100
        return False
    return bool(_SERVICE.search(_NOT_KEYWORDS.sub(" ", sparql)))


def _may_name_service(sparql: str) -> bool:
    """False only when no "service" in the text, as written, stands as a word by _SERVICE's
    look-arounds. Blanking comments, strings and IRIs cannot make one: their first and
    last characters are none of those the look-arounds exclude. ASCII only (lower() keeps
    positions there; non-ASCII case folding is the regular expression's business)."""
    if not sparql.isascii():
        return True
    text, start = sparql.lower(), 0
    while (found := text.find("service", start)) >= 0:
        before, after = text[found - 1:found] if found else "", text[found + 7:found + 8]
        if not (before.isalnum() or before in "_:?$" and before) and not (after.isalnum() or after in "_:-" and after):
            return True
        start = found + 1
    return False


_RESOLVERS = {"doi": "https://doi.org/{}", "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/"}


def web_url(value) -> str | None:
    """``value`` if a browser may follow it as a link, the resolver's URL for ``doi:``/
    ``pmid:``, else None. urlsplit drops the tabs and newlines a browser drops, so
    ``java\tscript:`` is seen as the ``javascript:`` a browser would run."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and parts.netloc:
        return value.strip()
    if scheme == "doi" and parts.path.startswith("10."):
        return _RESOLVERS["doi"].format(quote(parts.path, safe="/()._-;:"))
    if scheme == "pmid" and parts.path.isdigit():
        return _RESOLVERS["pmid"].format(parts.path)
    return None


def register(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.config.setdefault("MAX_QUERY_STRING", MAX_QUERY_STRING)
    app.config.setdefault("SERVICE_ENABLED", False)
    app.config.setdefault("BODY_LIMITS", {})
    app.add_template_filter(web_url, "web_url")
    limits.init_app(app)  # per request class: concurrency, bounded wait (web/limits.py)

    @app.before_request
    def _limit_query_string():
        limit = app.config["MAX_QUERY_STRING"]
        if limit and len(request.query_string) > limit:
            return error_response(413, "Request Too Large",
                                  f"the URL's query string is {len(request.query_string)} bytes, over the "
                                  f"{limit}-byte limit; send long SPARQL queries by POST")
        declared = request.content_length
        body_limit = app.config["BODY_LIMITS"].get(request.endpoint, app.config["MAX_CONTENT_LENGTH"])
        request.max_content_length = body_limit  # also bounds bodies sent without a Content-Length
        if body_limit and declared is not None and declared > body_limit:
            return _too_large(body_limit)
        return None

    @app.errorhandler(RequestEntityTooLarge)
    def _body_too_large(_exc):
        return _too_large(request.max_content_length)

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _too_large(limit: int):
    return error_response(413, "Request Too Large", f"the request body is over the {limit}-byte limit")
