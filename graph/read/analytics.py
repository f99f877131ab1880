"""The evidence network: the whole graph as networkx, and what it tells.

``evidence_graph(store)`` builds one directed graph of the current article
versions: article -contains-> claim -cites-> source -publishedBy-> organisation,
and claim -mentions-> condition / drug. It reads the search index
(graph/search.py), which every load keeps in step with the store and which holds
each current claim with its article, position and evidence rank, the sources it
cites and the concepts it names, and each source with its kind, organisation and
level: over SPARQL the same graph took 15 s on 1 700 articles (a source's
description sits in every graph citing it), from the index it takes a fraction.
Node ids are the IRIs; nodes and edges are added in sorted order so that GraphML
and GEXF exports are byte-for-byte repeatable. Every attribute is a string or a
number (GraphML has no null).

On top of it: the most-cited sources, the sources cited across most articles,
co-citation clusters (sources cited together by one claim, grouped by
modularity; with the claims and articles that rest on them) and the
drug–condition evidence network.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

from claimgraph.graph.rules import evidence
from claimgraph.graph.index import facets, page_lists
from claimgraph.graph.exports.safe_text import xml_text
from claimgraph.graph.index.search_docs import CONCEPT_TYPES
from claimgraph.graph.store import ClaimStore

NODE_TYPES = ("article", "claim", "source", "organisation", "condition", "drug")
_UNKNOWN_RANK = evidence.UNKNOWN.rank
_LEVEL_BY_RANK = {level.rank: level for level in evidence.LEVELS}
_LEVEL_BY_NAME = {level.name: level for level in evidence.LEVELS}


def evidence_graph(store: ClaimStore) -> nx.DiGraph:
    nodes: dict[str, dict] = {}
    edges: set[tuple[str, str, str]] = set()
    with page_lists.reading(store) as conn:
        for claim, version, text, article, position, rank in conn.execute(
                "SELECT iri, version, title, context, position, rank FROM docs WHERE type = 'claim'"):
            nodes[version] = {"type": "article", "label": article or _tail(version)}
            level = _LEVEL_BY_RANK.get(rank)
            nodes[claim] = {"type": "claim", "label": text, "article": version, "position": position or 0,
                            "level": level.label if level else "uncited", "rank": level.rank if level else 0}
            edges.add((version, claim, "contains"))
        for claim, kind, concept, label in conn.execute(
                "SELECT d.iri, f.facet, f.value, f.label FROM doc_facets f JOIN docs d ON d.id = f.doc "
                "WHERE f.facet IN ('condition', 'drug') AND d.type = 'claim'"):
            nodes[concept] = {"type": kind, "label": label or _tail(concept)}
            edges.add((claim, concept, "mentions"))
        cited = set()
        for claim, source in conn.execute("SELECT d.iri, c.source FROM cites c JOIN docs d ON d.id = c.doc "
                                          "WHERE d.type = 'claim'"):
            edges.add((claim, source, "cites"))
            cited.add(source)
        sources: dict[str, dict] = {}
        for source, title, facet, value, label in conn.execute(
                "SELECT d.iri, d.title, f.facet, f.value, f.label FROM docs d "
                f"{facets.left_join('f', 'd.id', 'kind', 'organisation', 'level')} WHERE d.type = 'source'"):
            if source not in cited:
                continue  # known from a record only; nothing here rests on it
            data = sources.setdefault(source, {"type": "source", "kind": "source", "level": evidence.UNKNOWN.label,
                                               "rank": _UNKNOWN_RANK, "label": title})
            if facet == "kind":
                data["kind"] = value
            elif facet == "level" and value in _LEVEL_BY_NAME:
                data["level"], data["rank"] = _LEVEL_BY_NAME[value].label, _LEVEL_BY_NAME[value].rank
            elif facet == "organisation":
                nodes[value] = {"type": "organisation", "label": label or _tail(value)}
                edges.add((source, value, "publishedBy"))
        nodes.update(sources)
    graph = nx.DiGraph()
    for node in sorted(nodes):
        graph.add_node(node, **nodes[node])
    for source, target, relation in sorted(edges):
        if source in nodes and target in nodes:
            graph.add_edge(source, target, relation=relation)
    return graph


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def display_title(label: str) -> str:
    """A source's name for tables and the drawing. A source known only by its URL is
    named by it ("[1] https://www.example.org/evidence-cbt-depression/"): shown as
    "example.org › evidence cbt depression", its host and last path segment read by
    urllib rather than raw. Any other label is kept."""
    from urllib.parse import unquote, urlsplit

    text = label.strip()
    marker, _, rest = text.partition(" ")
    if marker.startswith("[") and marker.endswith("]") and rest:
        text = rest.strip()
    if " " in text or not text.startswith(("http://", "https://")):
        return label
    url = urlsplit(text)
    host = (url.hostname or "").removeprefix("www.")
    segment = unquote(url.path.rstrip("/").rsplit("/", 1)[-1])
    segment = segment.rsplit(".", 1)[0] if segment.endswith((".html", ".htm", ".shtml", ".php", ".aspx")) else segment
    words = " ".join(segment.replace("-", " ").replace("_", " ").split())
    return f"{host} › {words}" if words else host or label


def nodes_of(graph: nx.DiGraph, node_type: str) -> list[str]:
    return [n for n, data in graph.nodes(data=True) if data["type"] == node_type]


# -- rankings -----------------------------------------------------------------------------
@dataclass
class SourceUse:
    iri: str
    label: str
    kind: str
    level: str
    claims: int
    articles: int


def source_uses(graph: nx.DiGraph) -> list[SourceUse]:
    uses = []
    for source in nodes_of(graph, "source"):
        claims = [c for c in graph.predecessors(source) if graph.nodes[c]["type"] == "claim"]
        articles = {graph.nodes[c]["article"] for c in claims}
        data = graph.nodes[source]
        uses.append(SourceUse(source, display_title(data["label"]), data["kind"], data["level"], len(claims),
                              len(articles)))
    return uses


def most_cited_sources(graph: nx.DiGraph, limit: int = 20) -> list[SourceUse]:
    return sorted(source_uses(graph), key=lambda u: (-u.claims, -u.articles, u.label))[:limit]


def widely_cited_sources(graph: nx.DiGraph, limit: int = 20) -> list[SourceUse]:
    """Sources cited by more than one article, those with the most articles first."""
    uses = [u for u in source_uses(graph) if u.articles > 1]
    return sorted(uses, key=lambda u: (-u.articles, -u.claims, u.label))[:limit]


# -- co-citation ------------------------------------------------------------------------------
def cocitation_graph(graph: nx.DiGraph) -> nx.Graph:
    """Sources linked when one claim cites both; weight = how many claims do."""
    cocited = nx.Graph()
    for claim in nodes_of(graph, "claim"):
        sources = sorted(s for s in graph.successors(claim) if graph.nodes[s]["type"] == "source")
        for a, b in combinations(sources, 2):
            weight = cocited.get_edge_data(a, b, {"weight": 0})["weight"]
            cocited.add_edge(a, b, weight=weight + 1)
    return cocited


@dataclass
class Cluster:
    sources: list[str]  # IRIs, sorted
    claims: list[str]  # claims citing at least two of the cluster's sources
    articles: list[str]
    labels: dict[str, str] = field(default_factory=dict)


def cocitation_clusters(graph: nx.DiGraph, limit: int = 20) -> list[Cluster]:
    """Groups of sources cited together (Louvain communities of the co-citation
    graph, fixed seed), with the claims and articles that rest on two or more
    of them; largest first."""
    cocited = cocitation_graph(graph)
    if cocited.number_of_edges() == 0:
        return []
    communities = nx.community.louvain_communities(cocited, weight="weight", seed=7)
    clusters = []
    for community in communities:
        if len(community) < 2:
            continue
        claims = sorted({c for s in community for c in graph.predecessors(s)
                         if graph.nodes[c]["type"] == "claim"
                         and sum(1 for t in graph.successors(c) if t in community) >= 2})
        articles = sorted({graph.nodes[c]["article"] for c in claims})
        members = sorted(community)
        clusters.append(Cluster(members, claims, articles,
                                {n: display_title(graph.nodes[n]["label"]) for n in members + articles}))
    clusters.sort(key=lambda c: (-len(c.articles), -len(c.claims), -len(c.sources), c.sources))
    return clusters[:limit]


# -- drugs and conditions --------------------------------------------------------------------
@dataclass
class DrugCondition:
    drug: str
    drug_label: str
    condition: str
    condition_label: str
    claims: int
    articles: int
    strongest: str  # evidence level label of the best-supported claim, or "uncited"


def drug_condition_network(graph: nx.DiGraph) -> nx.Graph:
    """Drugs and conditions linked when a claim names both; edge attributes:
    claims, articles, rank/level of the strongest evidence among those claims."""
    claims_by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for claim in nodes_of(graph, "claim"):
        named = list(graph.successors(claim))
        drugs = sorted(n for n in named if graph.nodes[n]["type"] == "drug")
        conditions = sorted(n for n in named if graph.nodes[n]["type"] == "condition")
        for drug in drugs:
            for condition in conditions:
                claims_by_pair[(drug, condition)].append(claim)
    network = nx.Graph()
    for (drug, condition), claims in sorted(claims_by_pair.items()):
        for node in (drug, condition):
            network.add_node(node, type=graph.nodes[node]["type"], label=graph.nodes[node]["label"])
        ranks = [graph.nodes[c]["rank"] for c in claims if graph.nodes[c]["rank"]]
        best = min(ranks) if ranks else 0
        network.add_edge(drug, condition, claims=len(claims),
                         articles=len({graph.nodes[c]["article"] for c in claims}), rank=best,
                         level=_level_label(best))
    return network


def _level_label(rank: int) -> str:
    return next((lv.label for lv in evidence.LEVELS if lv.rank == rank), "uncited")


def drug_condition_pairs(network: nx.Graph, limit: int = 50) -> list[DrugCondition]:
    pairs = []
    for a, b, data in network.edges(data=True):
        drug, condition = (a, b) if network.nodes[a]["type"] == "drug" else (b, a)
        pairs.append(DrugCondition(drug, network.nodes[drug]["label"], condition,
                                   network.nodes[condition]["label"], data["claims"],
                                   data["articles"], data["level"]))
    pairs.sort(key=lambda p: (-p.claims, -p.articles, p.drug_label, p.condition_label))
    return pairs[:limit]


# -- the whole picture, and exports ---------------------------------------------------------
@dataclass
class Overview:
    counts: dict[str, int]
    edges: int
    most_cited: list[SourceUse]
    widely_cited: list[SourceUse]
    clusters: list[Cluster]
    drug_conditions: list[DrugCondition]


def overview(store: ClaimStore, graph: nx.DiGraph | None = None) -> Overview:
    graph = evidence_graph(store) if graph is None else graph
    counts = {t: 0 for t in NODE_TYPES}
    for _, data in graph.nodes(data=True):
        counts[data["type"]] += 1
    return Overview(counts=counts, edges=graph.number_of_edges(),
                    most_cited=most_cited_sources(graph), widely_cited=widely_cited_sources(graph),
                    clusters=cocitation_clusters(graph),
                    drug_conditions=drug_condition_pairs(drug_condition_network(graph)))


EXPORT_FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}


def export(graph: nx.DiGraph, fmt: str) -> bytes:
    """The graph as GraphML or GEXF (for Gephi, Cytoscape, yEd).

    Text attributes are made XML-safe in place first (safe_text.xml_text): one ESC in
    a claim made lxml refuse the GraphML and ElementTree write malformed GEXF. Node
    ids are IRIs, which cannot hold such characters."""
    for _, data in graph.nodes(data=True):
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = xml_text(value)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(graph, buffer, encoding="utf-8", prettyprint=True)
    else:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}")
    return buffer.getvalue()


__all__ = ["CONCEPT_TYPES", "Overview", "evidence_graph", "export", "overview"]
