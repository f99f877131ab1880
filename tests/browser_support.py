"""Driving Debian's chromium through Playwright (no browser download): one
launch recipe for the browser tests and scripts/screenshots.py."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    return str(found) if found else None


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def load_seed(store, shared: Path) -> str:
    """Load the seed article into ``store`` like ``claimgraph load``; its version IRI."""
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file
    from claimgraph.loaders.mentions import Vocabulary

    outcome = ingest(store, read_file(shared / "data" / "seeds" / "myopathy-necrosis.txt",
                                      Vocabulary.default()))
    if not outcome.ok:
        raise RuntimeError(f"seed did not load: {outcome.errors}")
    store.flush()
    return outcome.articles[0].version


def open_editor(page, base: str, query: str) -> None:
    """The query editor at ``base`` with ``query`` in it, YASGUI drawn."""
    from urllib.parse import quote

    page.goto(f"{base}/query?query={quote(query)}")
    page.wait_for_selector(".yasqe", timeout=10000)


def run_until_truncated(page) -> str:
    """Run the editor's query; the row-cap notice it shows."""
    page.click(".yasqe_queryButton")
    page.wait_for_selector("#truncation-notice:not([hidden])", timeout=10000)
    return page.inner_text("#truncation-notice")
