"""The web app: SPARQL endpoint, provenance browser and exports over HTTP.

``create_app(test_config=None)`` is the factory (as in Flask's tutorial); each
area is a blueprint in its own module, registered below. The web layer renders
what ``claimgraph.graph`` answers and never parses input files.
"""

from __future__ import annotations

from flask import Flask

from claimgraph.graph.rdf.namespaces import ID
from claimgraph.graph.store import default_store_path


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        STORE_PATH=str(default_store_path()),  # the on-disk store to serve
        BASE_IRI=str(ID),  # IRIs under it resolve to pages of this app
        UPDATES_ENABLED=False,  # SPARQL Update / Graph Store protocol routes
        UPDATE_TOKEN=None,  # bearer token for updates when enabled
        REVIEWER_TOKENS={},  # token -> reviewer name, for writing verdicts
        QUERY_TIMEOUT=30.0,  # seconds, hard limit per query
        ROW_LIMIT=10000,  # rows per SELECT result before truncation is said
        SECRET_KEY=None,  # signs reviewer sessions; browser login is off without it
        SESSION_COOKIE_SAMESITE="Lax",  # with the CSRF token: no cross-site form posts
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.config.from_prefixed_env("CLAIMGRAPH")
    # CLAIMGRAPH_STORE is the CLI's store folder; from_prefixed_env reads it as STORE.
    if isinstance(app.config.get("STORE"), str):
        app.config["STORE_PATH"] = app.config.pop("STORE")
    if test_config:
        app.config.update(test_config)

    from . import db, errors

    db.init_app(app)
    errors.init_app(app)

    # Blueprints: one per area, each in its own module.
    for register in _blueprints():
        register(app)
    return app


def _blueprints():
    """Each area module has ``register(app)``; missing areas are simply absent."""
    import importlib

    for name in ("security", "health", "sparql", "pages", "exports", "reviews", "search", "findings", "network", "loading",
                 "resolution", "about"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        yield module.register
