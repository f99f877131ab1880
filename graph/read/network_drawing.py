"""The part of the evidence network the /network page draws (with cytoscape.js).

A whole store's network is too large for a browser to lay out (about 300 000 nodes
on 10 000 articles), so the drawing is bounded: the ``SOURCES`` most-cited sources,
the claims citing them (``CLAIMS`` at most, those citing more of them first), the
articles of those claims and the conditions and drugs those claims name. Each node
carries its kind (the colour), a weight (the size: for a source the claims citing it
in the whole network; for a claim the sources it cites; for an article its claims;
for a condition or drug the claims naming it), its label and its IRI. The GraphML
and GEXF downloads hold everything.
"""

from __future__ import annotations

import networkx as nx

from claimgraph.graph.read.analytics import most_cited_sources

SOURCES = 40
CLAIMS = 200
KINDS = ("article", "claim", "guideline", "drug-label", "study", "source", "condition", "drug")


def drawing(graph: nx.DiGraph) -> dict:
    """{"nodes": [...], "edges": [...], "counts": {kind: drawn}, "cut": bool} for cytoscape."""
    sources = {use.iri: use for use in most_cited_sources(graph, SOURCES)}
    citing = {}
    for source in sources:
        for claim in graph.predecessors(source):
            if graph.nodes[claim]["type"] == "claim":
                citing[claim] = citing.get(claim, 0) + 1
    claims = sorted(citing, key=lambda c: (-citing[c], c))[:CLAIMS]
    nodes: dict[str, dict] = {}
    edges: list[dict] = []

    def add(node: str, kind: str, weight: int, label: str) -> None:
        nodes.setdefault(node, {"id": node, "kind": kind, "weight": weight, "label": label})

    for source, use in sources.items():
        kind = use.kind if use.kind in KINDS else "source"
        add(source, kind, use.claims, use.label)  # display_title already applied
    for claim in claims:
        data = graph.nodes[claim]
        cited = [s for s in graph.successors(claim) if graph.nodes[s]["type"] == "source"]
        add(claim, "claim", len(cited), data["label"])
        article = data["article"]
        add(article, "article", sum(1 for _ in graph.successors(article)), graph.nodes[article]["label"])
        edges.append({"source": article, "target": claim})
        for target in graph.successors(claim):
            kind = graph.nodes[target]["type"]
            if target in sources:
                edges.append({"source": claim, "target": target})
            elif kind in ("condition", "drug"):
                add(target, kind, sum(1 for _ in graph.predecessors(target)), graph.nodes[target]["label"])
                edges.append({"source": claim, "target": target})
    counts = {kind: 0 for kind in KINDS}
    for node in nodes.values():
        counts[node["kind"]] += 1
    total_sources = sum(1 for _, d in graph.nodes(data=True) if d["type"] == "source")
    return {"nodes": sorted(nodes.values(), key=lambda n: n["id"]), "edges": edges, "counts": counts,
            "cut": len(sources) < total_sources or len(claims) < len(citing)}
