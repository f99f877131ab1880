"""Screenshots of resolving a reference, for the README's "Resolving references" section.

Loads the seed, the ASCO guideline record and the dexamethasone label into a temporary
store, serves it (browser login for one demo reviewer) and drives Debian's chromium:

    .venv/bin/python scripts/resolution_screenshots.py [OUTPUT_DIR]   # default docs/screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_support import DESKTOP, launch, load_seed  # noqa: E402
from sparql_live import live_server  # noqa: E402

SHARED = REPO.parent / "shared"
TOKEN = "screenshot-demo-token"


def take(output: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.store import ClaimStore
    from claimgraph.loaders import iter_input_files, read_file

    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = ClaimStore(Path(tmp) / "store")
        store.ensure_static_graphs()
        version = load_seed(store, SHARED)
        for path in iter_input_files([REPO / "examples" / "guidelines",
                                      REPO / "examples" / "labels" / "dexamethasone-major.spl.xml"]):
            ingest(store, read_file(path))
        article = "/id/" + version.split("/id/", 1)[1]
        reference = "/id/" + store.select("resolve-references")[0]["source"].split("/id/", 1)[1].rsplit("/", 1)[0]
        with live_server(store, SECRET_KEY="screenshots", REVIEWER_TOKENS={TOKEN: "Demo Reviewer"}) as (base, _), \
                sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport=DESKTOP)
            page.goto(base + reference + "/2")
            page.get_by_label("Reviewer token").fill(TOKEN)
            page.get_by_role("button", name="Log in to decide").click()
            shots = [("resolve-card", article + "#card-claim-17-marker-1"), ("resolve-source", reference + "/2")]
            written = []
            for name, path in shots:
                page.goto(base + path)
                target = output / f"{name}.png"
                page.screenshot(path=str(target))
                written.append(target)
            browser.close()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"):
        print(path)
