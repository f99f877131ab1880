"""The provenance picture's data: what a claim, source or article rests on.

``provenance_graph(store, iri)`` reads a networkx subgraph with the
picture-*.rq queries: for a claim, its article → the claim → its citation
markers → the reference entries they denote → the sources → their publishers,
and the conditions and drugs it names; for an article, its claims, their
sources and publishers and what they name; for a source, the claims (current
versions) citing it (at most a column's worth, with counts of the rest), their
articles and its publisher. A source's title, kind and publisher are read in
the sources graph and the drawn article versions only, never in every article
citing it, so a picture costs what it draws, not what cites its sources.

Each node has a ``type`` (article, claim, marker, reference, source,
organisation, condition, drug), a ``label``, a ``title`` and a ``style`` (its
type, or a source's kind). web/picture.py lays it out and draws it as SVG.
"""

from __future__ import annotations

import networkx as nx
from pyoxigraph import NamedNode

from claimgraph.graph.rdf import iris
from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import C4O, FABIO, FOAF, SCHEMA
from claimgraph.graph.index.search_docs import SOURCE_KINDS, source_title
from claimgraph.graph.store import ClaimStore

MAX_PER_COLUMN = 30  # nodes drawn per column (web/picture.py); also picture-source.rq's LIMIT
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
