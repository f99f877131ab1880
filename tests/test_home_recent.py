"""The home page's "Articles" and "Recent loads" lists: read from the page-list index
and from the newest start times only, they equal what page-home-articles.rq and
page-home-loads.rq give over the whole store (the oracle here) as articles are
revised, source records arrive and something other than a load records a start time.
"""

from __future__ import annotations

from collections import Counter

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.index import page_lists
from claimgraph.graph.read import pages_index
from claimgraph.graph.rdf.iris import GRAPH_PROVENANCE
from claimgraph.graph.rdf.namespaces import PROV, XSD

from conftest import SEED


def _rows(rows: list[dict]) -> Counter:
    return Counter(tuple(sorted(row.items())) for row in rows)


def assert_home_lists_match(store) -> None:
    assert page_lists.recent_articles(store, pages_index.HOME_ARTICLES) == store.select("page-home-articles")
    home = pages_index.home_page(store)
    assert home["articles"] == store.select("page-home-articles")
    expected = store.select("page-home-loads")
    assert len(expected) < 20  # below the LIMIT, so which rows tie at it cannot differ
    assert _rows(home["loads"]) == _rows(expected)
    started = [row["started"] for row in home["loads"]]
    assert started == sorted(started, reverse=True)


def _loaded_ok(outcomes):
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return outcomes


def test_home_lists_equal_the_store_wide_queries(store, load_paths, tmp_path):
    _loaded_ok(load_paths(SEED))
    assert_home_lists_match(store)
    assert len(store.select("page-home-articles")) == 1

    revised = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered",
                                                        "Ofatumumab may be considered")
    (tmp_path / "myopathy-necrosis.txt").write_text(revised, encoding="utf-8")
    article = tmp_path / "steroids.md"
    article.write_text("# How is myositis treated?\n\n## From the Research\n\n"
                       "Prednisone is first-line treatment for myositis [1].\n\n## References\n\n"
                       "1. Tan K. Treating myositis. 2021. doi:10.5555/myo.2021.17\n", encoding="utf-8")
    _loaded_ok(load_paths(tmp_path / "myopathy-necrosis.txt", article))
    articles = pages_index.home_page(store)["articles"]
    assert len(articles) == 2 and {a["number"] for a in articles} == {"1", "2"}
    assert_home_lists_match(store)

    guideline = tmp_path / "g.yaml"  # a source-records load: in the loads, not the articles
    guideline.write_text("claimgraph: guideline\ntitle: Test guideline on myositis\nyear: 2021\n"
                         "doi: 10.5555/myo.2021.17\n", encoding="utf-8")
    _loaded_ok(load_paths(guideline))
    assert_home_lists_match(store)


def test_recent_loads_when_the_newest_start_time_is_not_a_load(seed_store):
    other = NamedNode("https://example.org/activity/not-a-load")
    seed_store.write([Quad(other, PROV.startedAtTime, Literal("2999-01-01T00:00:00Z", datatype=XSD.dateTime),
                           GRAPH_PROVENANCE)])
    assert [row["activity"] for row in seed_store.select("page-home-load-times")][0] == other.value
    assert_home_lists_match(seed_store)
