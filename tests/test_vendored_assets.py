"""The vendored browser assets and the Content-Security-Policy that lets them run: the
stylesheets YASR's column resizer writes are allowed by their exact hashes, which must
follow the vendored file (an upgrade changing them would bring the console errors and
the 4 700 px results table back)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from claimgraph.web.security import CONTENT_SECURITY_POLICY, VENDORED_STYLE_HASHES

VENDOR = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor"
YASGUI = VENDOR / "yasgui" / "yasgui.min.js"


def _hash(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.skipif(not YASGUI.is_file(), reason="run `make setup` to vendor YASGUI")
def test_the_resizer_stylesheets_are_allowed_by_their_hashes():
    script = YASGUI.read_text(encoding="utf-8")
    grip = re.search(r"createStyle\(\w,`( \.grip-resizable\{.*?)`\)", script).group(1)
    cursor = re.search(r"dragCursor:`([\w-]+)`", script).group(1)
    expected = {_hash(grip), _hash("*{cursor:" + cursor + "!important}")}
    assert expected == set(VENDORED_STYLE_HASHES)
    style_src = next(d for d in CONTENT_SECURITY_POLICY.split(";") if d.strip().startswith("style-src"))
    assert all(h in style_src for h in expected) and "unsafe-inline" not in style_src


@pytest.mark.skipif(not (VENDOR / "cytoscape").is_dir(), reason="run `make setup` to vendor cytoscape")
def test_cytoscape_is_vendored_with_its_licence():
    assert (VENDOR / "cytoscape" / "cytoscape.min.js").stat().st_size > 100_000
    assert "MIT" in (VENDOR / "cytoscape" / "LICENSE").read_text(encoding="utf-8")
