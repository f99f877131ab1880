"""The provenance picture as web/picture.py draws it (issue 18, item 6): valid XML
whatever the loaded text holds, and the page's figure with its legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from claimgraph.graph.read import picture
from claimgraph.web import picture as drawing

# What XML 1.0 cannot hold even escaped, and what must be escaped.
HOSTILE = "ESC\x1b NUL\x00 BEL\x07 FFFF\uffff FFFE\ufffe lone surrogate\ud800 <b>&amp;\"quoted\""


def _claim(store) -> str:
    return store.select("SELECT ?c WHERE { ?c a cg:Claim ; cg:position 1 }")[0]["c"]


def test_svg_is_valid_xml_whatever_the_text(seed_store):
    graph, focus = picture.provenance_graph(seed_store, _claim(seed_store))
    for _node, data in graph.nodes(data=True):
        data["label"] = data["title"] = HOSTILE
    graph.graph["article"] = (graph.graph["article"][0], HOSTILE)
    svg = drawing.render_svg(graph, focus, href=lambda iri: "/id/x?a=1&b=\uffff", title=HOSTILE)
    root = ET.fromstring(svg.encode("utf-8"))  # raises on any character XML forbids
    texts = " ".join(root.itertext())
    assert "ESC NUL BEL FFFF FFFE lone surrogate" in texts and '<b>&amp;"quoted"' in texts
    svg.encode("utf-8")  # no lone surrogate left to fail encoding


def test_page_shows_the_picture_full_width_with_its_legend(seed_store):
    from claimgraph.web import create_app

    app = create_app({"STORE": seed_store, "STORE_PATH": str(seed_store.path), "TESTING": True})
    claim = _claim(seed_store)
    page = app.test_client().get("/id/" + claim.split("/id/", 1)[1]).get_data(as_text=True)
    aside = page[page.index("<aside"):page.index("</aside>")]
    assert "provenance-picture" not in aside  # not squeezed into the side column
    figure = page[page.index('<figure class="provenance-picture"'):page.index("</figure>")]
    assert 'class="picture-scroll"' in figure and "picture.js" in page[page.index("</main>"):]
    for _fill, _stroke, meaning in drawing.STYLES.values():
        if meaning != "more not shown":
            assert meaning in figure
