"""Reviewer sessions end when the token is revoked or the reviewer logs out, the cookie
is Secure over HTTPS, and logging in needs the CSRF token (issue 13 item 6). Flask's
test client over the real app and an on-disk store."""

from __future__ import annotations

import re

import pytest

from claimgraph.graph.write import reviews
from claimgraph.web import create_app

TOKEN = "reviewer-token-for-the-session-tests"
SECRET = "session-test-secret"


def _app(store, **config):
    return create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True, "SECRET_KEY": SECRET,
                       "REVIEWER_TOKENS": {TOKEN: "Ada Lovelace"}, **config})


@pytest.fixture
def claim(seed_store) -> str:
    version = seed_store.select("SELECT ?version WHERE { ?version a cg:Article }")[0]["version"]
    return f"{version}/claim-4"


def _page(iri: str) -> str:
    return iri.replace("https://w3id.org/claimgraph/id/", "/id/")


def _csrf(client, claim: str) -> str:
    page = client.get(_page(claim)).data.decode("utf-8")
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, claim: str):
    answer = client.post("/reviews/login", data={"token": TOKEN, "csrf_token": _csrf(client, claim)})
    assert answer.status_code == 303
    return client.get_cookie("session").value


def _verdict(client, claim: str):
    return client.post("/reviews", data={"claim": claim, "verdict": "supported", "csrf_token": _csrf(client, claim)},
                       headers={"Accept": "application/json"})


def test_a_session_ends_when_its_token_is_revoked(seed_store, claim):
    app = _app(seed_store)
    client = app.test_client()
    _login(client, claim)
    assert _verdict(client, claim).status_code == 201
    app.config["REVIEWER_TOKENS"] = {"another-token": "Ada Lovelace"}  # Ada's old token revoked
    assert _verdict(client, claim).status_code == 401
    assert 'name="token"' in client.get(_page(claim)).data.decode("utf-8")  # the login form again
    assert len(reviews.history(seed_store, claim)) == 1


def test_a_cookie_from_before_a_restart_without_the_token_is_refused(seed_store, claim):
    before = _app(seed_store).test_client()
    cookie = _login(before, claim)
    after = _app(seed_store, REVIEWER_TOKENS={}).test_client()  # restarted with the token removed
    after.set_cookie("session", cookie)
    answer = after.post("/reviews", data={"claim": claim, "verdict": "supported"}, headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert reviews.history(seed_store, claim) == []


def test_a_cookie_replayed_after_logout_is_refused(seed_store, claim):
    app = _app(seed_store)
    client = app.test_client()
    cookie = _login(client, claim)
    csrf = _csrf(client, claim)
    assert client.post("/reviews/logout", data={"csrf_token": csrf}).status_code == 303
    client.set_cookie("session", cookie)  # the cookie as it was before logging out
    answer = client.post("/reviews", data={"claim": claim, "verdict": "supported", "csrf_token": csrf},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert reviews.history(seed_store, claim) == []


def test_login_needs_the_csrf_token(seed_store, claim):
    client = _app(seed_store).test_client()
    client.get(_page(claim))  # a session with a CSRF token exists, but the form's token is not sent
    assert client.post("/reviews/login", data={"token": TOKEN}).status_code == 403
    assert client.post("/reviews/login", data={"token": TOKEN, "csrf_token": "forged"}).status_code == 403
    assert 'name="token"' in client.get(_page(claim)).data.decode("utf-8")


@pytest.mark.parametrize("proxy_fix, base_url, headers, secure", [
    (0, "http://localhost", {}, False),
    (0, "https://localhost", {}, True),
    (0, "http://localhost", {"X-Forwarded-Proto": "https"}, False),  # not trusted without PROXY_FIX
    (1, "http://localhost", {"X-Forwarded-Proto": "https"}, True),
])
def test_the_cookie_is_secure_over_https(seed_store, claim, proxy_fix, base_url, headers, secure):
    client = _app(seed_store, PROXY_FIX=proxy_fix).test_client()
    page = client.get(_page(claim), base_url=base_url, headers=headers)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.data.decode("utf-8")).group(1)
    answer = client.post("/reviews/login", data={"token": TOKEN, "csrf_token": csrf}, base_url=base_url,
                         headers=headers)
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure, cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
