"""Copy the browser assets the web app serves from node_modules into web/static/vendor/:
YASGUI (the SPARQL query editor) and cytoscape.js (the evidence network's drawing).

Run by `make setup` after `npm ci`; the copies are not committed (web/static/vendor/ is
gitignored), so the app works offline without a CDN. Fails loudly, naming the missing
file, when `npm ci` has not been run.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "web" / "static" / "vendor"

# package folder in node_modules -> (files to copy, target folder under vendor/)
ASSETS = {
    "@zazuko/yasgui/build": (["yasgui.min.js", "yasgui.min.css", "yasgui.min.js.map"], "yasgui"),
    "cytoscape/dist": (["cytoscape.min.js"], "cytoscape"),  # the /network page's drawing
}
# Each package's licence, copied beside its files: package folder -> target folder.
LICENCES = {"@zazuko/yasgui": "yasgui", "cytoscape": "cytoscape"}


def main() -> int:
    copied = 0
    for package, (files, target) in ASSETS.items():
        source = REPO / "node_modules" / package
        destination = VENDOR / target
        destination.mkdir(parents=True, exist_ok=True)
        for name in files:
            path = source / name
            if not path.is_file():
                print(f"vendor_assets: {path} is missing; run `npm ci` first", file=sys.stderr)
                return 1
            shutil.copy2(path, destination / name)
            copied += 1
    for package, target in LICENCES.items():
        licence = REPO / "node_modules" / package / "LICENSE"
        if licence.is_file():
            shutil.copy2(licence, VENDOR / target / "LICENSE")
    print(f"vendor_assets: copied {copied} file(s) into {VENDOR.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
