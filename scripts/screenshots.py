"""Screenshots for the README: the seed's article, claim and search pages, the
provenance picture, the evidence network, the query editor, the review, home and
about pages.

Loads the seed and the 51 ExpertQA answers into a temporary store, serves it with
waitress on a free port (with browser login for one demo reviewer, whose verdict the
review-trail shot records through the form), and drives Debian's chromium through
Playwright:

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]   # default docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_support import DESKTOP, PHONE, launch, load_seed  # noqa: E402
from sparql_live import live_server  # noqa: E402

SHARED = Path(os.environ.get("CLAIMGRAPH_SHARED", REPO.parent / "shared"))
EXPERTQA = "data/attributed-qa/expertqa_domain_test_medicine.jsonl"
QUERY = ("SELECT ?claim ?text WHERE { ?claim a cg:Claim ; c4o:hasContent ?text ; cg:position 1 } "
         "ORDER BY ?claim LIMIT 10")
CLAIM_WITH_MARKERS = "claim-18"  # IMNM diagnosis, cites 3, 4 and 5
DEMO_TOKEN = "screenshot-demo-token"
DEMO_REVIEWER = "Demo Reviewer"
DEMO_NOTE = "Demo verdict for the screenshot: references 3-5 are not identified, so this cannot be checked yet."


def take(output: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from claimgraph.graph.store import ClaimStore

    output.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        store = ClaimStore(Path(tmp) / "store")
        store.ensure_static_graphs()
        version = load_seed(store, SHARED)
        _load_expertqa(store)
        path = version.split("/id/", 1)[1]
        with live_server(store, SECRET_KEY="screenshots", REVIEWER_TOKENS={DEMO_TOKEN: DEMO_REVIEWER}) \
                as (base, _app), sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport=DESKTOP)
            shots = [
                ("article", f"/id/{path}#card-{CLAIM_WITH_MARKERS}-marker-1", DESKTOP),
                ("claim", f"/id/{path}/{CLAIM_WITH_MARKERS}", DESKTOP),
                ("search", "/search?q=rituximab", DESKTOP),
                ("article-phone", f"/id/{path}", PHONE),
            ]
            for name, url, viewport in shots:
                page.set_viewport_size(viewport)
                response = page.goto(base + url)
                if response is None or response.status >= 400:
                    print(f"skipped {name}: {url} answered {response and response.status}")
                    continue
                target = output / f"{name}.png"
                if "#card-" in url:  # the open card, with the sentences above it
                    page.evaluate("window.scrollBy(0, -320)")
                page.screenshot(path=str(target), full_page=False)
                written.append(target)
            written += _audit_shots(page, base, f"/id/{path}", output)
            written += _newcomer_shots(page, base, f"/id/{path}", output)
            browser.close()
    return written


def _load_expertqa(store) -> None:
    from claimgraph.graph.index import derived
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file
    from claimgraph.loaders.mentions import Vocabulary

    ingest(store, read_file(SHARED / EXPERTQA, Vocabulary.default()))
    derived.refresh_all(store, None)
    store.flush()


def _newcomer_shots(page, base: str, article: str, output: Path) -> list[Path]:
    """The picture, the network, the query editor after a run, the review page (the
    reviewer logged in by _audit_shots), home on a phone, the about page."""
    from playwright.sync_api import expect
    written = []

    def shot(name: str, viewport=DESKTOP) -> None:
        page.set_viewport_size(viewport)
        target = output / f"{name}.png"
        page.screenshot(path=str(target))
        written.append(target)

    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}{article}/{CLAIM_WITH_MARKERS}")
    page.evaluate("document.getElementById('picture-h').scrollIntoView()")  # the image loads lazily
    expect(page.locator(".picture-scroll img")).to_have_js_property("complete", True)  # no eval: CSP
    shot("picture")
    page.goto(base + "/network")
    page.evaluate("document.getElementById('drawing-h').scrollIntoView()")
    page.wait_for_timeout(500)
    shot("network")
    page.goto(base + "/query")
    page.wait_for_selector(".yasqe")
    page.evaluate("q => document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue(q)", QUERY)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr tbody tr")
    page.wait_for_timeout(300)
    page.evaluate("window.scrollBy(0, -220)")
    shot("query")
    page.goto(base + "/reviews")
    shot("reviews")
    page.set_viewport_size(PHONE)
    page.goto(base + "/")
    page.evaluate("document.getElementById('articles-h').scrollIntoView()")
    page.evaluate("window.scrollBy(0, -250)")
    shot("home-phone", PHONE)
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/about")
    shot("about")
    return written


def _audit_shots(page, base: str, article: str, output: Path) -> list[Path]:
    """The article's findings panel, and a claim's review trail after a verdict
    recorded through the browser form (log in, choose, note, submit)."""
    page.set_viewport_size(DESKTOP)
    page.goto(base + article)
    page.evaluate("document.getElementById('findings-h').scrollIntoView()")
    page.evaluate("window.scrollBy(0, -20)")
    findings = output / "article-findings.png"
    page.screenshot(path=str(findings))
    page.goto(f"{base}{article}/{CLAIM_WITH_MARKERS}")
    page.get_by_label("Reviewer token").fill(DEMO_TOKEN)
    page.get_by_role("button", name="Log in to review").click()
    page.get_by_label("needs source").check()
    page.get_by_label("Note").fill(DEMO_NOTE)
    page.locator('input[type="checkbox"][name="source"]').first.check()
    page.get_by_role("button", name="Record verdict").click()
    page.evaluate("document.getElementById('reviews-h').scrollIntoView()")
    page.evaluate("window.scrollBy(0, -20)")
    review = output / "claim-review.png"
    page.screenshot(path=str(review))
    return [findings, review]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    for shot in take(out):
        print(shot.relative_to(REPO) if shot.is_relative_to(REPO) else shot)
