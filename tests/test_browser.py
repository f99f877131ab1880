"""The provenance browser in a real browser: Debian's chromium through
Playwright, against the app served by waitress on 127.0.0.1 (port 0)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from browser_support import DESKTOP, PHONE, chromium_path, launch, load_seed
from sparql_live import live_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/claimgraph/id/"


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def served(store, shared):
    """(base URL, path of the seed article's page) with the seed loaded."""
    version = load_seed(store, shared)
    with live_server(store) as (base, _app):
        yield base, "/id/" + version[len(ID):]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.set_default_timeout(5000)
    yield tab
    context.close()


def test_marker_opens_source_card_in_place_then_source_page_and_back(page, served):
    base, article = served
    page.goto(base + article)
    card = page.locator("#card-claim-18-marker-1")
    expect(card).to_be_hidden()
    page.locator('a.marker[href="#card-claim-18-marker-1"]').click()
    expect(card).to_be_visible()
    expect(card).to_contain_text("study")
    card.get_by_role("link", name="Source page").click()
    expect(page).to_have_url(re.compile(r"/id/source/unresolved/.+/3$"))
    expect(page.locator("h1")).to_contain_text("Untitled")
    expect(page.get_by_role("heading", name=re.compile("Claims citing it"))).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"#card-claim-18-marker-1$"))
    expect(card).to_be_visible()
    card.get_by_role("link", name=re.compile("^Close")).click()
    expect(card).to_be_hidden()


def test_keyboard_skip_link_and_markers(page, served):
    base, article = served
    page.goto(base + article)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    marker = page.locator('a.marker[href="#card-claim-1-marker-1"]')
    marker.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#card-claim-1-marker-1")).to_contain_text("guideline")


@pytest.mark.skipif(importlib.util.find_spec("claimgraph.web.search") is None,
                    reason="the search page (web/search.py) is not there yet")
def test_search_for_rituximab_finds_the_claims(page, served):
    base, _article = served
    page.goto(base + "/")
    page.locator("#site-search-q").fill("rituximab")
    page.locator("#site-search-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=rituximab"))
    results = page.locator("main")
    expect(results).to_contain_text("Rituximab may be considered as a treatment option")
    expect(results).to_contain_text("rituximab")
    page.get_by_role("link", name=re.compile("^Rituximab may be considered")).first.click()
    expect(page).to_have_url(re.compile(r"/claim-\d+$"))
    expect(page.locator("h1")).to_contain_text("Claim")


def test_injected_markup_shows_as_text_and_never_runs(page, served, load_paths):
    base, _article = served
    load_paths(DATA / "hostile-answer.md")
    page.goto(base + "/")
    page.get_by_role("link", name=re.compile("Does rituximab help")).first.click()
    hostile_article = page.url
    expect(page.locator("h1")).to_contain_text("<script>window.pwned = 1</script>")
    expect(page.locator("main")).to_contain_text('"><img src=x onerror="window.pwned=3">')
    urls = [hostile_article, hostile_article + "/claim-1", hostile_article + "/claim-2", base + "/"]
    page.locator('a.marker').nth(1).click()
    expect(page.locator(".source-card:target")).to_contain_text("<svg onload=")
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.pwned") == "undefined", url
        assert page.locator("main script, main img[onerror], main svg[onload]").count() == 0, url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_pages_fit_the_screen(browser, served, viewport):
    base, article = served
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    try:
        for url in (base + "/", base + article, base + article + "/claim-18", base + "/id/drug/corticosteroids"):
            tab.goto(url)
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{url} is {overflow}px wider than a {viewport['width']}px screen"
            expect(tab.locator("h1")).to_be_visible()
    finally:
        context.close()


REVIEWER_TOKEN = "browser-test-reviewer-token"


@pytest.fixture
def reviewing(store, shared):
    """(base URL, claim page path) served with browser login for one reviewer."""
    version = load_seed(store, shared)
    with live_server(store, SECRET_KEY="browser-test-secret",
                     REVIEWER_TOKENS={REVIEWER_TOKEN: "Ada Lovelace"}) as (base, _app):
        yield base, "/id/" + version[len(ID):] + "/claim-18"


def test_reviewer_logs_in_records_a_verdict_and_sees_it_in_the_history(page, reviewing):
    base, claim = reviewing
    page.goto(base + claim)
    trail = page.locator("#review-trail")
    expect(trail).to_contain_text("No reviewer has given a verdict")
    expect(page.locator('input[name="verdict"]')).to_have_count(0)  # not usable before login
    page.get_by_label("Reviewer token").fill(REVIEWER_TOKEN)
    page.get_by_role("button", name="Log in to review").click()
    expect(page).to_have_url(base + claim)
    expect(trail).to_contain_text("Your verdict (Ada Lovelace)")
    page.get_by_label("partly supported").check()
    page.get_by_label("Note").fill("Sources 3-5 are not identified yet.")
    page.locator('input[type="checkbox"][name="source"]').first.check()
    page.get_by_role("button", name="Record verdict").click()
    expect(page).to_have_url(base + claim)
    verdict = trail.locator("li.verdict").first
    expect(verdict).to_contain_text("partly supported")
    expect(verdict).to_contain_text("Ada Lovelace")
    expect(verdict).to_contain_text("Sources 3-5 are not identified yet.")
    expect(verdict).to_contain_text("Sources looked at: source cited as [3]")
    # A forged POST riding on the session cookie, without the form's CSRF token, is refused.
    forged = page.request.post(base + "/reviews", form={"claim": "x", "verdict": "supported"},
                               max_redirects=0)
    assert forged.status == 403
    wrong = page.request.post(base + "/reviews", max_redirects=0, form={
        "claim": "x", "verdict": "supported", "csrf_token": "guessed"})
    assert wrong.status == 403
    page.get_by_role("button", name="Log out").click()
    expect(page.locator('input[name="verdict"]')).to_have_count(0)
    expect(trail.locator("li.verdict")).to_have_count(1)  # the history stays readable to anyone


def test_forged_verdict_without_login_is_refused(browser, reviewing):
    base, claim = reviewing
    context = browser.new_context(viewport=DESKTOP)
    try:
        tab = context.new_page()
        tab.goto(base + claim)
        expect(tab.get_by_role("button", name="Log in to review")).to_be_visible()
        expect(tab.locator('input[name="verdict"]')).to_have_count(0)
        # What a hostile page could send: a plain form POST, no credentials.
        status = tab.evaluate("""async ([claimUrl]) => {
            const body = new URLSearchParams({claim: claimUrl, verdict: "supported", csrf_token: ""});
            const r = await fetch("/reviews", {method: "POST", body, redirect: "manual"});
            return r.status; }""", [claim])
        assert status == 401
        expect(tab.locator("#review-trail li.verdict")).to_have_count(0)
        tab.reload()
        expect(tab.locator("#review-trail")).to_contain_text("No reviewer has given a verdict")
    finally:
        context.close()
