"""The provenance picture: what a claim, source or article rests on, as SVG.

``provenance_graph(store, iri)`` reads a networkx subgraph with the
picture-*.rq queries: for a claim, its article → the claim → its citation
markers → the reference entries they denote → the sources → their publishers,
and the conditions and drugs it names; for an article, its claims, their
sources and publishers and what they name; for a source, the claims (current
versions) citing it (at most a column's worth, with counts of the rest), their
articles and its publisher. A source's title, kind and publisher are read in
the sources graph and the drawn article versions only, never in every article
citing it, so a picture costs what it draws, not what cites its sources.

``render_svg`` draws it without any graphviz binary: one column per node type
(a layered layout), rows ordered by the barycentre of their neighbours (a few
sweeps, as in Sugiyama-style drawings) so few edges cross, boxes with wrapped
labels, a legend, and every label escaped. Columns with too many nodes are
cut, and the cut is shown as a "+N more" box.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape
from typing import Callable

import networkx as nx
from pyoxigraph import NamedNode

from . import iris, queries
from .namespaces import C4O, FABIO, FOAF, SCHEMA
from .search import SOURCE_KINDS, source_title
from .store import ClaimStore

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
MAX_PER_COLUMN = 30  # also picture-source.rq's LIMIT
BOX_WIDTH, COLUMN_GAP, ROW_GAP = 210, 70, 12
LINE_HEIGHT, CHARS_PER_LINE, MAX_LINES = 15, 28, 3
MARGIN, HEADER, LEGEND_ROW, ARTICLE_LINE = 16, 40, 20, 24
_QUERY = {"claim": ("picture-claim", "claim"), "article": ("picture-article", "article")}
# picture-sources.rq fields ranked like search-sources.rq: the record's value, else the smallest.
_SOURCE_FIELDS = ("title", "kind", "entry", "label")
# picture-names.rq properties: what a publisher or reference entry is called.
_NAME_FIELDS = {FOAF.name.value: "name", SCHEMA.alternateName.value: "short",
                C4O.hasContent.value: "entry", FABIO.hasSequenceIdentifier.value: "label"}


def provenance_graph(store: ClaimStore, iri: str) -> tuple[nx.DiGraph, str] | None:
    """The subgraph to picture and its focus node, or None for an IRI that is
    not a claim, source or article in the store."""
    found = store.select("picture-focus", focus=NamedNode(iri))
    if not found:
        return None
    focus, focus_type = found[0]["node"], found[0]["type"]
    graph = nx.DiGraph()
    graph.add_node(focus, type=focus_type)
    if focus_type == "source":
        _add_citers(store, graph, focus)
    else:
        query, variable = _QUERY[focus_type]
        for row in store.select(query, **{variable: NamedNode(focus)}):
            _add_edge(graph, row["from"], row["from_type"], row["to"], row["to_type"])
    _drop_shortcuts(graph)
    sources = _sources(store, graph)  # adds the publishers, with their names
    labels = _labels(store, [node for node, data in graph.nodes(data=True)
                             if data["type"] not in ("source", "organisation")])
    for node, data in graph.nodes(data=True):
        if data["type"] == "source":
            data.update(_describe_source(node, sources.get(node)))
        else:
            data.update(_describe(node, data["type"], labels.get(node) or data.pop("names", {})))
    if focus_type != "source":
        # One article: named above the columns instead of as a column whose edges
        # would cut through the conditions and drugs.
        for node in [n for n, d in graph.nodes(data=True) if d["type"] == "article"]:
            graph.graph["article"] = (node, graph.nodes[node]["label"])
            if node != focus:
                graph.remove_node(node)
        if focus_type == "article":
            graph.nodes[focus]["hidden"] = True
    return graph, focus


def _add_edge(graph: nx.DiGraph, start: str, start_type: str, end: str, end_type: str) -> None:
    graph.add_node(start, type=start_type)
    graph.add_node(end, type=end_type)
    graph.add_edge(start, end)


def _add_citers(store: ClaimStore, graph: nx.DiGraph, source: str) -> None:
    """The drawn claims citing ``source`` and their articles; how many there are in all
    (current versions) goes to graph.graph["totals"] for the "+N more" boxes."""
    found = store.select("picture-source-count", source=NamedNode(source))
    totals = {"claim": found[0]["claims"], "article": found[0]["articles"]} if found else {}
    rows = store.select("picture-source", source=NamedNode(source))
    if totals.get("claim", 0) > MAX_PER_COLUMN:  # the "+N more" box takes the last row
        rows = rows[:MAX_PER_COLUMN - 1]
    for row in rows:
        _add_edge(graph, row["article"], "article", row["claim"], "claim")
        _add_edge(graph, row["claim"], "claim", source, "source")
    graph.graph["totals"] = totals


def _drop_shortcuts(graph: nx.DiGraph) -> None:
    """A claim → source edge is drawn only when no marker → reference path shows it."""
    # Which sources a reference entry points at, found once per source: asked per
    # claim edge it was quadratic in a popular source's citers (1.7 s for 1 000).
    referenced = {node for node, data in graph.nodes(data=True) if data["type"] == "source"
                  and any(graph.nodes[r]["type"] == "reference" for r in graph.predecessors(node))}
    graph.remove_edges_from([(claim, source) for claim, source in graph.edges()
                             if source in referenced and graph.nodes[claim]["type"] == "claim"])


def _labels(store: ClaimStore, nodes: list[str]) -> dict[str, dict]:
    """Node IRI -> its picture-labels row, for all nodes in one query (not one each)."""
    if not nodes:
        return {}
    return {row["node"]: row for row in store.select(queries.with_iri_values("picture-labels", node=nodes))}


def _sources(store: ClaimStore, graph: nx.DiGraph) -> dict[str, dict]:
    """Source IRI -> a row like search-sources.rq's (title, kind, entry, label, org_name,
    org_short) for every drawn source, as the sources graph and the drawn article versions
    say it; adds each source's publishers, with their names, to ``graph``."""
    sources = [node for node, data in graph.nodes(data=True) if data["type"] == "source"]
    if not sources:
        return {}
    graphs = [iris.GRAPH_SOURCES.value, iris.GRAPH_CITED.value] + [node for node, data in graph.nodes(data=True)
                                           if data["type"] == "article"]
    rows = store.select(queries.with_iri_values("picture-sources", g=graphs, source=sources))
    # A source that no drawn version cites (pictured with no current citer): read in any
    # one graph that describes it.
    for source in set(sources) - {row["source"] for row in rows}:
        for found in store.select("picture-source-graph", source=NamedNode(source)):
            graphs.append(found["g"])
            rows += store.select(queries.with_iri_values("picture-sources", g=[found["g"]], source=[source]))
    # Reference entries name a source only when it has no title (see search.source_title).
    titled = {row["source"] for row in rows if row["field"] == "title"}
    names = _names(store, graphs, {row["text"] for row in rows if row["field"] == "publisher"
                                   or (row["field"] == "reference" and row["source"] not in titled)})
    best: dict[tuple[str, str], tuple[int, str]] = {}

    def offer(source: str, field: str, rank: int, text: str | None) -> None:
        if text is not None:
            best[(source, field)] = min(best.get((source, field), (rank, text)), (rank, text))

    for row in rows:
        rank = 0 if row["g"] == iris.GRAPH_SOURCES.value else 1  # the record first
        source, field, value = row["source"], row["field"], row["text"]
        called = names.get((row["g"], value), {})
        if field == "publisher":
            _add_edge(graph, source, "source", value, "organisation")
            organisation = graph.nodes[value].setdefault("names", {})
            for key in ("name", "short"):  # the smallest, as picture-labels.rq chooses
                if key in called:
                    organisation[key] = min(organisation.get(key, called[key]), called[key])
            # Chosen with its names, as search-sources.rq does.
            offer(source, field, rank, "\t".join([value, called.get("name", ""), called.get("short", "")]))
        elif field == "reference":
            offer(source, "entry", rank, called.get("entry"))
            offer(source, "label", rank, called.get("label"))
        else:
            offer(source, field, rank, value)
    described = {}
    for source in sources:
        row = {field: best[(source, field)][1] if (source, field) in best else None
               for field in _SOURCE_FIELDS}
        _, name, short = best.get((source, "publisher"), (0, "\t\t"))[1].split("\t")
        described[source] = row | {"org_name": name or None, "org_short": short or None}
    return described


def _names(store: ClaimStore, graphs: list[str], nodes: set[str]) -> dict[tuple[str, str], dict]:
    """(graph, node) -> {"name", "short", "entry", "label": the smallest text} of publishers
    and reference entries as each of ``graphs`` says it."""
    if not nodes:
        return {}
    names: dict[tuple[str, str], dict] = {}
    for row in store.select(queries.with_iri_values("picture-names", g=graphs, node=nodes)):
        called = names.setdefault((row["g"], row["node"]), {})
        key = _NAME_FIELDS[row["property"]]
        called[key] = min(called.get(key, row["text"]), row["text"])
    return names


def _describe_source(node: str, row: dict | None) -> dict:
    """label, title and style of a source from its ``_sources`` row (its IRI when unknown)."""
    kind = SOURCE_KINDS.get(row["kind"] or "", "source") if row else "source"
    label = source_title(row) if row else node
    return {"label": label, "title": label, "style": kind}


def _describe(node: str, node_type: str, row: dict) -> dict:
    """label (shown), title (tooltip) and style of a node other than a source; ``row`` is
    its picture-labels row (for an organisation, its names as picture-sources gives them)."""
    if node_type == "marker":
        label = f"[{row.get('content') or '?'}]"
    elif node_type == "reference":
        label = f"ref. {row.get('number') or '?'}" + (f": {row['content']}" if row.get("content") else "")
    elif node_type == "organisation":
        label = row.get("short") or row.get("name") or node
        if row.get("short") and row.get("name"):
            label = f"{row['short']} ({row['name']})"
    elif node_type in ("condition", "drug"):
        label = row.get("pref") or node.rsplit("/", 1)[-1]
    elif node_type == "claim":
        label = row.get("content") or node
    else:  # article
        label = row.get("title") or node
    return {"label": label, "title": label, "style": node_type}


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


def _x(text: str) -> str:
    """Escaped for XML text and attributes; control characters XML forbids dropped."""
    cleaned = "".join(ch for ch in str(text) if ch in "\t\n\r" or ord(ch) >= 0x20)
    return escape(cleaned, quote=True)


def picture_svg(store: ClaimStore, iri: str, href: Callable[[str], str | None] | None = None
                ) -> str | None:
    """The SVG for ``iri``, or None when the store has no claim, source or article by it."""
    found = provenance_graph(store, iri)
    if found is None:
        return None
    graph, focus = found
    kind = graph.nodes[focus]["type"]
    return render_svg(graph, focus, href, title=f"Provenance of this {kind}")
