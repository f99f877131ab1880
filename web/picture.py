"""The provenance picture as SVG: graph/picture.py reads what a claim, source or
article rests on; this module lays it out and draws it, without any graphviz binary.

One column per node type (a layered layout), rows ordered by the barycentre of their
neighbours (a few sweeps, as in Sugiyama-style drawings) so few edges cross, boxes
with wrapped labels, a legend, and every text escaped and stripped of what XML 1.0
cannot hold (control characters, U+FFFE/U+FFFF, lone surrogates), so the document
parses whatever the loaded text was. Columns with too many nodes are cut, and the
cut is shown as a "+N more" box. The pages show the picture at its own size in a box
that scrolls both ways (web/static/picture.js adds zoom buttons), with the legend
below it as HTML (``STYLES``, the one table of colours).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html import escape
from typing import Callable
from urllib.parse import quote

import networkx as nx

from claimgraph.graph.read.picture import MAX_PER_COLUMN, provenance_graph
from claimgraph.graph.store import ClaimStore

# Column order, left to right. Conditions and drugs sit left of the claims that
# name them, so provenance reads from the claim rightwards to the publishers.
COLUMNS = ("article", "concept", "claim", "marker", "reference", "source", "organisation")
COLUMN_TITLES = {"article": "Article", "concept": "Conditions & drugs", "claim": "Claims",
                 "marker": "Citation markers", "reference": "Reference entries",
                 "source": "Sources", "organisation": "Organisations"}
# (fill, stroke) per node style; fills light enough for dark text (WCAG AA).
STYLES = {
    "article": ("#e8eaf6", "#3949ab", "article version"),
    "claim": ("#fff3e0", "#e65100", "claim"),
    "marker": ("#f3e5f5", "#7b1fa2", "citation marker in the text"),
    "reference": ("#ede7f6", "#4527a0", "reference entry"),
    "guideline": ("#e8f5e9", "#2e7d32", "source: clinical practice guideline"),
    "drug-label": ("#e3f2fd", "#1565c0", "source: drug label"),
    "study": ("#fffde7", "#8d6e00", "source: study"),
    "source": ("#f5f5f5", "#616161", "source of unknown kind"),
    "organisation": ("#eceff1", "#37474f", "organisation (publisher)"),
    "condition": ("#fce4ec", "#ad1457", "condition named in a claim"),
    "drug": ("#e0f2f1", "#00695c", "drug named in a claim"),
    "more": ("#ffffff", "#9e9e9e", "more not shown"),
}


def swatch(fill: str, stroke: str) -> str:
    """A legend swatch as a data: URL image (the pages hold no inline SVG)."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="22" height="13"><rect x=".5" y=".5" width="21" '
           f'height="12" rx="3" fill="{fill}" stroke="{stroke}"/></svg>')
    return "data:image/svg+xml," + quote(svg)


# The legend the pages show below the picture, as HTML: (meaning, swatch image URL).
PAGE_LEGEND = [(meaning, swatch(fill, stroke)) for style, (fill, stroke, meaning) in STYLES.items()
               if style != "more"]
BOX_WIDTH, COLUMN_GAP, ROW_GAP = 210, 56, 12
LINE_HEIGHT, CHARS_PER_LINE, MAX_LINES = 15, 28, 3
MARGIN, HEADER, LEGEND_ROW, ARTICLE_LINE = 16, 40, 20, 24


# -- layout ---------------------------------------------------------------------------------
@dataclass
class Box:
    node: str
    column: int
    lines: list[str]
    style: str
    title: str
    x: float = 0
    y: float = 0
    height: float = 0
    focus: bool = False


def _column_of(node_type: str) -> str:
    return "concept" if node_type in ("condition", "drug") else node_type


def layout(graph: nx.DiGraph, focus: str) -> tuple[list[Box], float, float]:
    """Boxes placed in columns by node type, rows ordered by neighbour barycentres."""
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for node, data in graph.nodes(data=True):
        if not data.get("hidden"):
            columns[_column_of(data["type"])].append(node)
    used = [c for c in COLUMNS if columns[c]]
    order = {c: sorted(columns[c], key=lambda n: (graph.nodes[n]["label"].casefold(), n))
             for c in used}
    undirected = graph.to_undirected(as_view=True)
    for sweep in range(4):  # alternate left-to-right and right-to-left
        sequence = used if sweep % 2 == 0 else list(reversed(used))
        for i, column in enumerate(sequence[1:], start=1):
            reference = {n: k for c in sequence[:i] for k, n in enumerate(order[c])}
            order[column] = _by_barycentre(order[column], undirected, reference)
    boxes: list[Box] = []
    heights = []
    totals = graph.graph.get("totals", {})  # when only some of a column's nodes were read
    for col, column in enumerate(used):
        nodes = order[column]
        shown = nodes if len(nodes) <= MAX_PER_COLUMN else nodes[:MAX_PER_COLUMN - 1]
        column_boxes = [_box(graph, n, col, n == focus) for n in shown]
        hidden = max(len(nodes), totals.get(column, 0)) - len(shown)
        if hidden > 0:
            column_boxes.append(Box(f"more:{column}", col, [f"+{hidden} more"], "more",
                                    f"{hidden} more not shown"))
        y = 0.0
        for box in column_boxes:
            box.height = len(box.lines) * LINE_HEIGHT + 12
            box.y = y
            y += box.height + ROW_GAP
        heights.append(y - ROW_GAP)
        boxes += column_boxes
    tallest = max(heights, default=0)
    for box in boxes:  # centre each column vertically
        box.x = MARGIN + box.column * (BOX_WIDTH + COLUMN_GAP)
        box.y += MARGIN + _header(graph) + (tallest - heights[box.column]) / 2
    width = MARGIN * 2 + len(used) * BOX_WIDTH + max(0, len(used) - 1) * COLUMN_GAP
    return boxes, width, MARGIN + _header(graph) + tallest, used


def _header(graph: nx.DiGraph) -> float:
    return HEADER + (ARTICLE_LINE if "article" in graph.graph else 0)


def _by_barycentre(nodes: list[str], graph: nx.Graph, reference: dict[str, int]) -> list[str]:
    current = {n: k for k, n in enumerate(nodes)}

    def key(node):
        placed = [reference[m] for m in graph.neighbors(node) if m in reference]
        return (sum(placed) / len(placed) if placed else current[node], current[node])

    return sorted(nodes, key=key)


def _box(graph: nx.DiGraph, node: str, column: int, focus: bool) -> Box:
    data = graph.nodes[node]
    lines = textwrap.wrap(" ".join(str(data["label"]).split()), CHARS_PER_LINE) or ["?"]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][:CHARS_PER_LINE - 1].rstrip() + "…"
    return Box(node, column, lines, data["style"], str(data["title"]), focus=focus)


# -- drawing -----------------------------------------------------------------------------------
def render_svg(graph: nx.DiGraph, focus: str, href: Callable[[str], str | None] | None = None,
               title: str = "Provenance") -> str:
    """The picture as a standalone SVG document; ``href(iri)`` links boxes to pages."""
    boxes, width, height, used = layout(graph, focus)
    by_node = {b.node: b for b in boxes}
    styles = sorted({b.style for b in boxes}, key=list(STYLES).index)
    legend_top = height + MARGIN
    total_height = legend_top + LEGEND_ROW * (len(styles) + 2) + MARGIN
    width = max(width, 420)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'viewBox="0 0 {width:.0f} {total_height:.0f}" width="{width:.0f}" height="{total_height:.0f}" '
           f'role="img" aria-labelledby="pic-title pic-desc" font-family="system-ui, sans-serif" '
           f'font-size="12">',
           f'<title id="pic-title">{_x(title)}</title>',
           f'<desc id="pic-desc">{_x(_description(graph, focus))}</desc>',
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    top = MARGIN
    if "article" in graph.graph:
        article, label = graph.graph["article"]
        text = f'<text x="{MARGIN}" y="{top + 14}" fill="#212121">Article: {_x(label)}</text>'
        link = href(article) if href else None
        out.append(f'<a href="{_x(link)}" xlink:href="{_x(link)}">{text}</a>' if link else text)
        top += ARTICLE_LINE
    for col, column in enumerate(used):
        x = MARGIN + col * (BOX_WIDTH + COLUMN_GAP)
        out.append(f'<text x="{x}" y="{top + 14}" font-weight="bold" fill="#212121">'
                   f'{_x(COLUMN_TITLES[column])}</text>')
    out.append('<g fill="none" stroke="#78909c" stroke-opacity="0.7" stroke-width="1.2">')
    for source, target in sorted(graph.edges()):
        a, b = by_node.get(source), by_node.get(target)
        if a is None or b is None:
            continue
        left, right = (a, b) if a.column <= b.column else (b, a)
        x1, y1 = left.x + BOX_WIDTH, left.y + left.height / 2
        x2, y2 = right.x, right.y + right.height / 2
        bend = (x2 - x1) / 2
        out.append(f'<path d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} '
                   f'{x2:.1f},{y2:.1f}"/>')
    out.append('</g>')
    for box in boxes:
        out.append(_draw_box(box, href))
    out += _legend(styles, legend_top)
    out.append('</svg>')
    return "\n".join(out)


def _draw_box(box: Box, href) -> str:
    fill, stroke, _ = STYLES[box.style]
    link = href(box.node) if href and not box.node.startswith("more:") else None
    parts = [f'<g><title>{_x(box.title)}</title>',
             f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_WIDTH}" height="{box.height:.1f}" '
             f'rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{3 if box.focus else 1.2}"/>']
    for i, line in enumerate(box.lines):
        parts.append(f'<text x="{box.x + 8:.1f}" y="{box.y + 6 + LINE_HEIGHT * (i + 1) - 3:.1f}" '
                     f'fill="#212121">{_x(line)}</text>')
    parts.append('</g>')
    body = "".join(parts)
    if link:
        return f'<a href="{_x(link)}" xlink:href="{_x(link)}">{body}</a>'
    return body


def _legend(styles: list[str], top: float) -> list[str]:
    out = [f'<text x="{MARGIN}" y="{top + 14}" font-weight="bold" fill="#212121">Legend</text>']
    for i, style in enumerate(styles, start=1):
        fill, stroke, meaning = STYLES[style]
        y = top + i * LEGEND_ROW
        out.append(f'<rect x="{MARGIN}" y="{y + 3}" width="22" height="13" rx="3" fill="{fill}" '
                   f'stroke="{stroke}"/>')
        out.append(f'<text x="{MARGIN + 30}" y="{y + 14}" fill="#212121">{_x(meaning)}</text>')
    y = top + (len(styles) + 1) * LEGEND_ROW
    out.append(f'<text x="{MARGIN}" y="{y + 14}" fill="#424242">Lines link each node to what it '
               f'rests on or names; a thick border marks what this picture is about.</text>')
    return out


def _description(graph: nx.DiGraph, focus: str) -> str:
    counts: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        counts[data["type"]] = counts.get(data["type"], 0) + 1
    for node_type, total in graph.graph.get("totals", {}).items():
        counts[node_type] = max(counts.get(node_type, 0), total)
    listed = ", ".join(f"{n} {t}{'s' if n != 1 else ''}" for t, n in sorted(counts.items()))
    return f"Provenance of {graph.nodes[focus]['label']}: {listed}."


# What XML 1.0 cannot hold, even escaped: control characters but tab, newline and carriage
# return, the surrogates (a lone one can come from JSON's \ud800) and U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    """Escaped for XML text and attributes, without the characters XML forbids."""
    return escape(_NOT_XML.sub("", str(text)), quote=True)


def picture_svg(store: ClaimStore, iri: str, href: Callable[[str], str | None] | None = None
                ) -> str | None:
    """The SVG for ``iri``, or None when the store has no claim, source or article by it."""
    found = provenance_graph(store, iri)
    if found is None:
        return None
    graph, focus = found
    kind = graph.nodes[focus]["type"]
    return render_svg(graph, focus, href, title=f"Provenance of this {kind}")
