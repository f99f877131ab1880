"""Resolving references in the browser's pages and over HTTP (Flask test client, real store):
the suggestion on the source card and page, a logged-in reviewer's one-click confirmation
(CSRF-protected, the verdict form's login), the review trail, /resolve and the findings list."""

from __future__ import annotations

import re

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.index import check

from test_resolution import DEXAMETHASONE, QUOTE, references, resolving_store  # noqa: F401  (fixture)

TOKEN = "resolve-reviewer-token"
ID = "https://w3id.org/claimgraph/id/"


def page_path(iri: str) -> str:
    return "/id/" + iri[len(ID):]


@pytest.fixture
def client(resolving_store):  # noqa: F811
    from claimgraph.web import create_app

    app = create_app({"STORE": resolving_store, "STORE_PATH": str(resolving_store.path), "TESTING": True,
                      "SECRET_KEY": "test-secret", "REVIEWER_TOKENS": {TOKEN: "Dr Web"}})
    return app.test_client()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_card_shows_the_suggestion_and_a_reviewer_confirms_in_one_click(client, resolving_store):  # noqa: F811
    store = resolving_store
    refs = references(store)
    version = store.select("resolve-references")[0]["version"]
    page = client.get(page_path(version)).get_data(as_text=True)
    assert "suggested" in page and QUOTE in page and "DEXAMETHASONE (dexamethasone) prescribing information" in page
    assert "Review this suggestion" in page and "resolution-form" not in page  # not logged in: no buttons
    source_page = client.get(page_path(refs["2"])).get_data(as_text=True)
    assert "What this reference is" in source_page and "Log in to decide" in source_page

    # No reviewer: refused. Logged in without the CSRF token: refused.
    assert client.post("/resolve", data={"reference": refs["2"], "source": DEXAMETHASONE}).status_code == 401
    client.post("/reviews/login", data={"token": TOKEN, "next": page_path(version),
                                        "csrf_token": _csrf(source_page)})  # login is CSRF-protected too
    page = client.get(page_path(version)).get_data(as_text=True)
    assert client.post("/resolve", data={"reference": refs["2"], "source": DEXAMETHASONE}).status_code == 403
    assert 'value="confirm"' in page
    reply = client.post("/resolve", data={"reference": refs["2"], "source": DEXAMETHASONE, "action": "confirm",
                                          "note": "paragraph found", "csrf_token": _csrf(page),
                                          "next": page_path(version)})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(page_path(version))

    page = client.get(page_path(version)).get_data(as_text=True)
    assert "Identified as this record by Dr Web" in page
    claim = next(r["claim"] for r in store.select("resolve-version-claims", version=NamedNode(version))
                 if r["source"] == refs["2"])
    claim_page = client.get(page_path(claim)).get_data(as_text=True)
    assert "What its references are (1)" in claim_page and "paragraph found" in claim_page
    assert "DEXAMETHASONE (dexamethasone) prescribing information" in claim_page
    label_page = client.get(page_path(DEXAMETHASONE)).get_data(as_text=True)
    assert "cited by 1 claim in 1 current article" in label_page
    assert check.compare(store) == []


def test_suggestions_list_and_the_findings_list_link_to_it(client, resolving_store):  # noqa: F811
    html = client.get("/resolve").get_data(as_text=True)
    assert "suggested #1" in html and "no candidate." in html
    rows = client.get("/resolve.json").get_json()["table"]
    assert [r["status"] for r in rows] == ["suggested", "suggested", "none", "none", "none", "none"]
    assert client.get("/resolve.csv").get_data(as_text=True).startswith("article,article_title,marker")
    findings = client.get("/findings/unresolved-source").get_data(as_text=True)
    assert "/resolve" in findings and "Suggested sources for these references" in findings


def test_bearer_token_decision_as_json(client, resolving_store):  # noqa: F811
    refs = references(resolving_store)
    reply = client.post("/resolve", json={"reference": refs["1"], "source": "doi:10.1200/JCO.21.01440",
                                          "action": "reject"},
                        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    assert reply.status_code == 201 and reply.get_json()["action"] == "reject"
    bad = client.post("/resolve", json={"reference": refs["1"], "source": "pmid:1"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400
    assert client.post("/resolve", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
