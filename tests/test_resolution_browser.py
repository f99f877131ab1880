"""Resolving a reference in a real browser (Debian's chromium through Playwright, the app
under waitress): open the seed, see the suggestion on [2] with its matching passage, log in
as a reviewer, confirm, and see the claim cite the label and the finding gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import DESKTOP, chromium_path, launch, load_seed
from sparql_live import live_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/claimgraph/id/"
TOKEN = "browser-reviewer-token"
QUOTE = "An acute myopathy has been observed with the use of high doses of corticosteroids"


@pytest.fixture
def served(store, shared, load_paths):
    version = load_seed(store, shared)
    load_paths(REPO / "examples" / "guidelines", REPO / "examples" / "labels" / "dexamethasone-major.spl.xml")
    with live_server(store, SECRET_KEY="browser-test-secret", REVIEWER_TOKENS={TOKEN: "Demo Reviewer"}) as (base, _):
        yield base, "/id/" + version[len(ID):]


def test_confirm_the_suggested_label_for_reference_2(served, shared):
    base, article = served
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.set_default_timeout(5000)
            page.goto(base + article)
            marker = page.locator('a.marker[href="#card-claim-17-marker-1"]')
            card = page.locator("#card-claim-17-marker-1")
            marker.click()
            expect(card).to_be_visible()
            expect(card).to_contain_text("suggested")
            expect(card).to_contain_text("DEXAMETHASONE (dexamethasone) prescribing information")
            expect(card.locator("q.resolution-passage")).to_contain_text(QUOTE)
            expect(card).to_contain_text("LOINC 42232-9")

            # the reference's own page: every candidate and the login (the verdict form's)
            card.get_by_role("link", name="Review this suggestion").click()
            expect(page).to_have_url(re.compile(r"/id/source/unresolved/.+/2#resolution-h$"))
            page.get_by_label("Reviewer token").fill(TOKEN)
            page.get_by_role("button", name="Log in to decide").click()

            # back on the article, logged in: one click on the card confirms
            page.goto(base + article + "#card-claim-17-marker-1")
            card.get_by_label("Note on this decision").fill("the quoted paragraph is in the label")
            card.get_by_role("button", name="Confirm").click()
            expect(page).to_have_url(re.compile(re.escape(article)))
            page.goto(base + article + "#card-claim-17-marker-1")
            expect(card).to_contain_text("DEXAMETHASONE (dexamethasone) prescribing information")
            expect(card).to_contain_text("Identified as this record by Demo Reviewer")
            expect(card).not_to_contain_text("not resolved to an identifier")

            # the claim cites the label; the label is cited; the finding is gone
            page.locator("#claim-17 a.claim-link").first.click()
            expect(page.locator("#review-trail")).to_contain_text("the quoted paragraph is in the label")
            page.goto(base + "/findings/unresolved-source")
            expect(page.locator("main")).not_to_contain_text("cited as 2 has no DOI")
            expect(page.locator("main")).to_contain_text("cited as 1 has no DOI")
            page.goto(base + "/id/source/setid/64b46398-9b97-45e8-b1ba-1a202d574448")
            expect(page.locator(".lede")).to_contain_text("cited by 1 claim")
        finally:
            browser.close()
