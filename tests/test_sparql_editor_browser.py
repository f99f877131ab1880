"""The query editor in Debian's chromium: YASGUI loads from the app's own static
files, replaces the plain form, runs a query, and says when the row cap cut it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_support import open_editor, run_until_truncated
from sparql_live import live_server, protocol_store

VENDOR = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor" / "yasgui" / "yasgui.min.js"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not VENDOR.is_file(), reason="run `make setup` to vendor YASGUI"),
              pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")]


def test_editor_runs_a_query_and_shows_truncation(tmp_path, shared):
    from playwright.sync_api import sync_playwright

    store = protocol_store(tmp_path / "store", shared / "conformance" / "sparql11-protocol")
    with live_server(store, ROW_LIMIT=3) as (base, _app), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            open_editor(page, base, "SELECT * WHERE {?s ?p ?o}")
            assert page.is_hidden("#plain-form")
            assert "3 rows" in run_until_truncated(page)
            assert errors == []
        finally:
            browser.close()
