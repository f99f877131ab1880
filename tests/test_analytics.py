"""The evidence network over the seed and ExpertQA: rankings, co-citation,
drug–condition links, and GraphML/GEXF exports that networkx reads back."""

from __future__ import annotations

import io

import networkx as nx
import pytest

from claimgraph.graph.read import analytics

from conftest import SHARED

EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"


@pytest.fixture
def seed_graph(seed_store):
    return analytics.evidence_graph(seed_store)


def test_seed_network_shape(seed_graph):
    types = [d["type"] for _, d in seed_graph.nodes(data=True)]
    assert types.count("article") == 1 and types.count("claim") == 25
    assert types.count("source") == 6 and types.count("organisation") == 2  # ASCO, FDA


def test_most_cited_source_is_the_asco_guideline(seed_graph):
    top = analytics.most_cited_sources(seed_graph)
    assert top[0].kind == "guideline" and "ASCO" in top[0].label
    assert [u.claims for u in top] == sorted((u.claims for u in top), reverse=True)
    assert analytics.widely_cited_sources(seed_graph) == []  # one article only


def test_cocitation_clusters_group_sources_cited_together(seed_graph):
    clusters = analytics.cocitation_clusters(seed_graph)
    assert clusters, "the seed has claims citing several studies at once"
    for cluster in clusters:
        assert len(cluster.sources) >= 2 and cluster.claims and len(cluster.articles) == 1
        for claim in cluster.claims:
            cited = set(seed_graph.successors(claim)) & set(cluster.sources)
            assert len(cited) >= 2


def test_drug_condition_network(seed_graph):
    network = analytics.drug_condition_network(seed_graph)
    rituximab = "https://w3id.org/claimgraph/id/drug/rituximab"
    imnm = "https://w3id.org/claimgraph/id/condition/immune-mediated-necrotizing-myopathy"
    assert network.has_edge(rituximab, imnm)
    assert network.edges[rituximab, imnm]["claims"] == 2
    pairs = analytics.drug_condition_pairs(network)
    assert all(p.strongest for p in pairs)


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_exports_read_back_with_the_same_nodes_and_are_repeatable(seed_store, seed_graph, fmt, reader):
    data = analytics.export(seed_graph, fmt)
    again = reader(io.BytesIO(data))
    assert again.number_of_nodes() == seed_graph.number_of_nodes()
    assert again.number_of_edges() == seed_graph.number_of_edges()
    assert set(again.nodes) == set(seed_graph.nodes)
    assert analytics.export(analytics.evidence_graph(seed_store), fmt) == data


def test_unknown_export_format_is_refused(seed_graph):
    with pytest.raises(ValueError, match="graphml"):
        analytics.export(seed_graph, "dot")


def test_expertqa_network(store, load_paths):
    assert all(o.ok for o in load_paths(EXPERTQA))
    graph = analytics.evidence_graph(store)
    overview = analytics.overview(store, graph)
    assert overview.counts["article"] == 51 and overview.counts["source"] > 100
    assert overview.most_cited[0].claims >= overview.most_cited[-1].claims
    again = nx.read_graphml(io.BytesIO(analytics.export(graph, "graphml")))
    assert again.number_of_nodes() == graph.number_of_nodes()


def _graph_over_sparql(store):
    """The evidence graph as the store itself answers it (the search-*.rq queries): the
    oracle for the one analytics reads from the search index."""
    from claimgraph.graph.rules import evidence
    from claimgraph.graph.index.search_docs import SOURCE_KINDS, _clean

    nodes, edges = {}, set()
    concepts = {row["concept"]: row for row in store.select("search-concepts")}
    for row in store.select("search-claims"):
        level = evidence.BY_IRI.get(row["level"] or "")
        nodes[row["version"]] = ("article", _clean(row["article_title"]))
        nodes[row["claim"]] = ("claim", _clean(row["text"]), row["version"], row["position"] or 0,
                               level.label if level else "uncited", level.rank if level else 0)
        edges.add((row["version"], row["claim"], "contains"))
    for row in store.select("search-claim-links"):
        if row["link"] == "cites":
            edges.add((row["claim"], row["target"], "cites"))
        else:
            nodes[row["target"]] = (row["link"], concepts[row["target"]]["label"])
            edges.add((row["claim"], row["target"], "mentions"))
    cited = {target for _, target, relation in edges if relation == "cites"}
    for row in store.select("search-sources"):
        if row["source"] in cited:
            level = evidence.BY_IRI.get(row["level"] or "", evidence.UNKNOWN)
            nodes[row["source"]] = ("source", SOURCE_KINDS.get(row["kind"] or "", "source"), level.label, level.rank)
            if row["org"]:
                nodes[row["org"]] = ("organisation",)
                edges.add((row["source"], row["org"], "publishedBy"))
    return nodes, {edge for edge in edges if edge[0] in nodes and edge[1] in nodes}


def _comparable(graph):
    keys = {"article": ("label",), "claim": ("label", "article", "position", "level", "rank"),
            "condition": ("label",), "drug": ("label",), "source": ("kind", "level", "rank"), "organisation": ()}
    nodes = {node: (data["type"], *(data[k] for k in keys[data["type"]])) for node, data in graph.nodes(data=True)}
    return nodes, {(a, b, data["relation"]) for a, b, data in graph.edges(data=True)}


def test_the_network_read_from_the_index_is_the_one_the_store_answers(store, load_paths, shared):
    assert all(o.ok for o in load_paths(EXPERTQA, shared / "data" / "seeds" / "myopathy-necrosis.txt",
                                        *sorted((shared / "data" / "pubmed").glob("*.xml"))))
    expected_nodes, expected_edges = _graph_over_sparql(store)
    nodes, edges = _comparable(analytics.evidence_graph(store))
    assert nodes == expected_nodes
    assert edges == expected_edges
    assert len(nodes) > 500 and len(edges) > 500
