"""The UI in Debian's chromium against ``claimgraph serve`` on a remote store (a throw-away
Virtuoso on loopback): home page, an article, a claim, a source, search, and a query run
in the editor. What the pages hold is compared with the embedded store in
tests/test_serve_virtuoso.py; here a browser walks them as a reader would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_support import launch, open_editor, run_until_truncated
from served import served_process
from virtuoso_support import CREDENTIALS, NEEDS_VIRTUOSO, clear, open_remote, remote_location

VENDOR = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor" / "yasgui" / "yasgui.min.js"
pytestmark = [*NEEDS_VIRTUOSO, pytest.mark.browser,
              pytest.mark.skipif(not VENDOR.is_file(), reason="run `make setup` to vendor YASGUI"),
              pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")]


def test_reader_walks_the_ui_served_from_virtuoso(virtuoso, shared, vocabulary, tmp_path):
    from playwright.sync_api import sync_playwright

    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file

    store = open_remote(virtuoso)
    clear(store)
    store.ensure_static_graphs()
    assert ingest(store, read_file(shared / "data" / "seeds" / "myopathy-necrosis.txt", vocabulary)).ok
    env = {**CREDENTIALS, "CLAIMGRAPH_ROW_LIMIT": "3"}
    try:
        with served_process(remote_location(virtuoso), tmp_path / "serve.log", "--index-dir", tmp_path / "index",
                            env=env) as (base, _process), sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page()
                errors = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                assert page.goto(base + "/").ok
                page.click("a[href*='/id/article/']")  # the article list
                assert "muscular necrosis" in page.inner_text("h1").lower()
                page.click("a[href*='/claim-']")
                page.wait_for_url("**/claim-*")
                assert page.locator("h1").count() == 1
                page.goto(page.url.split("/claim-")[0])  # back to the article for a cited source
                # Source links sit in the citation cards, folded until opened: followed by address.
                assert page.goto(base + page.locator("a[href^='/id/source/']").first.get_attribute("href")).ok
                assert page.locator("h1").inner_text().strip()
                assert page.goto(base + "/search?q=corticosteroids").ok
                assert page.locator("a[href*='/id/article/']").count() >= 1
                open_editor(page, base, "SELECT ?c WHERE {?c a cg:Claim}")
                assert "3 rows" in run_until_truncated(page)
                assert errors == []
            finally:
                browser.close()
    finally:
        clear(store)
