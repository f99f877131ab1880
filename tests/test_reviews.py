"""The review trail: verdicts as provenance in their own graphs, stale reviews,
and writing over HTTP (a real waitress server) only with credentials."""

from __future__ import annotations

import re

import pytest
import requests
from pyoxigraph import NamedNode

from claimgraph.graph.write import reviews
from conftest import SEED
from sparql_live import live_server

TOKEN = "s3cret-reviewer-token"


def _claim(store, n: int) -> str:
    version = store.select("SELECT ?version WHERE { ?version a cg:Article }")[0]["version"]
    return f"{version}/claim-{n}"


def _findings(store, code):
    return store.select("SELECT ?code ?target WHERE { ?f cg:findingCode ?code ; oa:hasTarget ?target }",
                        code=code)


def test_verdicts_are_kept_each_in_its_own_graph(seed_store):
    claim = _claim(seed_store, 1)
    source = seed_store.select("SELECT ?s WHERE { ?s a cg:Guideline }")[0]["s"]
    first = reviews.record_verdict(seed_store, claim, "supported", "Ada Lovelace", "fits the guideline",
                                   [source], at="2025-03-01T10:00:00Z")
    second = reviews.record_verdict(seed_store, claim, "needs-source", "Grace Hopper", "which guideline?",
                                    at="2025-03-02T10:00:00Z")
    assert first.iri != second.iri
    assert seed_store.has_graph(NamedNode(first.iri))
    rows = reviews.history(seed_store, claim)
    assert [(r["verdict_name"], r["reviewer"], r["sources"]) for r in rows] == [
        ("supported", "Ada Lovelace", [source]), ("needs-source", "Grace Hopper", [])]
    latest = reviews.latest_by_claim(seed_store, first.version)
    assert latest[claim]["reviewer"] == "Grace Hopper"
    # PROV: the review activity used the version and the source, by the reviewer.
    assert seed_store.ask("""ASK { GRAPH ?v { ?v prov:wasGeneratedBy ?a . ?a a cg:Review ;
        prov:used ?s ; prov:wasAssociatedWith/foaf:name "Ada Lovelace" } }""",
                          v=NamedNode(first.iri),
                          s=NamedNode(source)) is True


@pytest.mark.parametrize("kwargs, message", [
    ({"verdict": "maybe"}, "unknown verdict"),
    ({"reviewer": "  "}, "reviewer"),
    ({"claim": "https://w3id.org/claimgraph/id/nothing"}, "no claim"),
    ({"claim": "not an iri"}, "not an IRI"),
    ({"sources": ["https://example.org/unknown-source"]}, "no source"),
])
def test_bad_verdicts_are_refused_and_nothing_is_written(seed_store, kwargs, message):
    before = len(seed_store)
    args = {"claim": _claim(seed_store, 1), "verdict": "supported", "reviewer": "Ada", **kwargs}
    with pytest.raises(reviews.ReviewError, match=message):
        reviews.record_verdict(seed_store, args.pop("claim"), args.pop("verdict"), args.pop("reviewer"),
                               sources=args.get("sources", ()))
    assert len(seed_store) == before


def test_review_goes_stale_when_the_article_changes(seed_store, load_paths, tmp_path):
    reviews.record_verdict(seed_store, _claim(seed_store, 5), "supported", "Ada", at="2025-03-01T10:00:00Z")
    changed = tmp_path / "myopathy-necrosis.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("Last updated: March 12, 2025",
                                                                "Last updated: April 1, 2025"),
                       encoding="utf-8")
    load_paths(changed)
    stale = _findings(seed_store, "STALE_REVIEW")
    work = seed_store.select("SELECT ?w WHERE { ?w a cg:ArticleWork }")[0]["w"]
    current = seed_store.select("current-version", work=NamedNode(work))[0]["version"]
    assert [r["target"] for r in stale] == [f"{current}/claim-5"]
    reviews.record_verdict(seed_store, f"{current}/claim-5", "supported", "Ada")
    assert _findings(seed_store, "STALE_REVIEW") == []


@pytest.fixture
def server(seed_store):
    with live_server(seed_store, REVIEWER_TOKENS={TOKEN: "Ada Lovelace"}, SECRET_KEY="test-secret") as (url, _):
        yield url


def test_writing_without_credentials_is_refused(server, seed_store):
    claim = _claim(seed_store, 2)
    body = {"claim": claim, "verdict": "supported"}
    assert requests.post(f"{server}/reviews", data=body, timeout=10).status_code == 401
    wrong = requests.post(f"{server}/reviews", json=body, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(f"{server}/reviews", params={"claim": claim}, timeout=10).json()["verdicts"] == []


def test_writing_with_a_token_and_reading_without(server, seed_store):
    claim = _claim(seed_store, 2)
    made = requests.post(f"{server}/reviews", json={"claim": claim, "verdict": "needs-source", "note": "uncited"},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert made.status_code == 201, made.text
    assert made.json()["reviewer"] == "Ada Lovelace"
    read = requests.get(f"{server}/reviews", params={"claim": claim}, timeout=10).json()["verdicts"]
    assert [(v["verdict_name"], v["reviewer"], v["note"]) for v in read] == [("needs-source", "Ada Lovelace", "uncited")]


def test_browser_login_needs_the_csrf_token(server, seed_store):
    browser = requests.Session()
    page = browser.get(server + _claim(seed_store, 3).replace("https://w3id.org/claimgraph/id/", "/id/"), timeout=30)
    login = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}
    assert browser.post(f"{server}/reviews/login", data={**login, "token": "wrong"}, timeout=10).status_code == 401
    logged_in = browser.post(f"{server}/reviews/login", data={**login, "token": TOKEN, "next": "/healthz"},
                             timeout=10)
    assert logged_in.status_code == 200  # followed the redirect
    form = {"claim": _claim(seed_store, 3), "verdict": "supported"}
    assert browser.post(f"{server}/reviews", data=form, timeout=10).status_code == 403
    assert browser.post(f"{server}/reviews", data={**form, "csrf_token": "forged"}, timeout=10).status_code == 403
    assert reviews.history(seed_store, form["claim"]) == []
