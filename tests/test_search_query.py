"""Search answers from the index: facet counts agree with a plain count over
every hit, claims carry the kinds and organisations of what they cite after
incremental loads as after a rebuild, and big result sets say their facet
counts are partial."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from claimgraph.graph.index import search
from claimgraph.graph.index import search_query
from claimgraph.graph.index.derived import refresh_all

from conftest import SHARED

INHERITED = ("kind", "organisation")  # what a claim has of every source it cites
EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"


@pytest.fixture
def expertqa_store(seed_store, load_paths):
    assert all(o.ok for o in load_paths(EXPERTQA))
    return seed_store


def _facets_by_hand(store) -> dict[str, dict[str, set[str]]]:
    """doc IRI -> facet -> values, read from the index's plain tables: a document's own
    facets, and for a claim the kind and organisation of every source it cites."""
    found: dict[str, dict[str, set[str]]] = {}
    with sqlite3.connect(search.index_path(store)) as conn:
        sources = {iri: doc for doc, iri in conn.execute("SELECT id, iri FROM docs WHERE type = 'source'")}
        own: dict[int, list[tuple[str, str]]] = {}
        for doc, facet, value in conn.execute("SELECT doc, facet, value FROM doc_facets"):
            own.setdefault(doc, []).append((facet, value))
        for doc, iri, kind in conn.execute("SELECT id, iri, type FROM docs"):
            facets = found.setdefault(iri, {})
            for facet, value in own.get(doc, []):
                if kind != "claim" or facet not in INHERITED:
                    facets.setdefault(facet, set()).add(value)
        for claim, source in conn.execute("SELECT d.iri, c.source FROM cites c JOIN docs d ON d.id = c.doc"):
            for facet, value in own.get(sources.get(source), []):
                if facet in INHERITED:
                    found[claim].setdefault(facet, set()).add(value)
    return found


def _counted_by_hand(result_iris: list[str], facets: dict[str, dict[str, set[str]]]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for iri in result_iris:
        for facet, values in facets[iri].items():
            counts.setdefault(facet, Counter()).update(values)
    return counts


@pytest.mark.parametrize("query, filters", [
    ("cancer", {}), ("treatment", {"type": "claim"}), ("", {"kind": "study"}),
    ("", {"cited": "uncited"}), ("rituximab OR cancer", {"kind": "study"}), ("", {"kind": "guideline", "type": "claim"}), ("", {}),
])
def test_facet_counts_equal_a_plain_count_over_the_hits(expertqa_store, query, filters):
    everything = search_query.search(expertqa_store, query, filters, per_page=100_000, facet_limit=100_000)
    assert everything.total == len(everything.hits) > 0
    assert not everything.facets_partial
    facets = _facets_by_hand(expertqa_store)
    expected = _counted_by_hand([h.iri for h in everything.hits], facets)
    for facet in search_query.FACETS:
        shown = {v.value: v.count for v in everything.facets.get(facet, [])}
        assert shown == dict(expected.get(facet, {})), facet
    # Every hit has every filter's value, and every document with them all is a hit.
    wanted = {iri for iri, found in facets.items()
              if all(value in found.get(facet, ()) for facet, value in filters.items())}
    if not query:
        assert {h.iri for h in everything.hits} == wanted


def test_pages_follow_one_order_and_facets_keep_their_limit(expertqa_store):
    everything = search_query.search(expertqa_store, "cancer", per_page=10_000)
    pages = [search_query.search(expertqa_store, "cancer", page=n, per_page=7, facet_limit=3)
             for n in range(1, everything.total // 7 + 3)]
    assert [h.iri for p in pages for h in p.hits] == [h.iri for h in everything.hits]
    assert [h.score for h in everything.hits] == sorted(h.score for h in everything.hits)
    assert all(len(values) <= 3 for values in pages[0].facets.values())
    browsed = [search_query.search(expertqa_store, "", {"type": "claim"}, page=n, per_page=50) for n in (1, 2, 3)]
    assert len({h.iri for p in browsed for h in p.hits}) == sum(len(p.hits) for p in browsed) == 150


def test_claims_inherit_source_facets_after_loads_as_after_a_rebuild(seed_store, load_paths):
    assert all(o.ok for o in load_paths(EXPERTQA))  # an incremental update of the index
    rows = "SELECT d.iri, f.facet, f.value, f.label FROM doc_facets f JOIN docs d ON d.id = f.doc ORDER BY 1, 2, 3, 4"
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        updated = conn.execute(rows).fetchall()
    refresh_all(seed_store, None)
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        assert conn.execute(rows).fetchall() == updated
    facets = _facets_by_hand(seed_store)
    inherited = [iri for iri, found in facets.items() if "kind" in found and "/claim-" in iri]
    assert inherited  # claims carry the kinds of what they cite


def test_big_result_sets_count_facets_over_the_best_ranked(expertqa_store, monkeypatch):
    monkeypatch.setattr(search_query, "FACET_COUNT_LIMIT", 5)
    result = search_query.search(expertqa_store, "", {"type": "claim"})
    assert result.facets_partial and result.facets_counted == 5 < result.total
    assert [v.count for v in result.facets["type"]] == [5]
    ranked = search_query.search(expertqa_store, "cancer")
    best = search_query.search(expertqa_store, "cancer", per_page=5)
    expected = _counted_by_hand([h.iri for h in best.hits], _facets_by_hand(expertqa_store))
    assert {v.value: v.count for v in ranked.facets["type"]} == dict(expected["type"])


def test_the_page_says_when_facet_counts_are_partial(expertqa_store, monkeypatch):
    from claimgraph.web import create_app

    monkeypatch.setattr(search_query, "FACET_COUNT_LIMIT", 5)
    client = create_app({"STORE": expertqa_store, "STORE_PATH": str(expertqa_store.path),
                         "TESTING": True}).test_client()
    page = client.get("/search?type=claim").get_data(as_text=True)
    assert "Counts are over the first 5\n" in page
    assert "Too many results to list the articles" in page


def test_a_value_under_two_labels_counts_each_document_once():
    """Two sources may name one organisation differently: a claim citing both has the
    value under two labels (two value ids), and is still one document in its count."""
    from claimgraph.graph import index
    from claimgraph.graph.index import facets

    conn = sqlite3.connect(":memory:")
    conn.executescript(index.SCHEMA)
    conn.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY, score REAL NOT NULL)")
    ids = facets.ValueIds(conn)
    facets.add(conn, ids, 1, [("organisation", "o:asco", "ASCO"),
                              ("organisation", "o:asco", "American Society of Clinical Oncology"),
                              ("type", "claim", "claim")])
    facets.add(conn, ids, 2, [("organisation", "o:asco", "ASCO"), ("type", "claim", "claim")])
    conn.executemany("INSERT INTO hits VALUES (?, 0)", [(1,), (2,)])
    counts = search_query._facet_counts(conn, ranked=True, capped=False)
    assert counts == {"organisation": [("o:asco", "ASCO", 2)],  # the smaller label, as before
                      "type": [("claim", "claim", 2)]}
    # A labelled value no document has any more is gone after the refresh's clean-up.
    facets.remove(conn, [1], ["organisation"], "o:asco")
    facets.drop_unused(conn)
    assert conn.execute("SELECT facet, value, label FROM facet_values ORDER BY 1, 3").fetchall() == [
        ("organisation", "o:asco", "ASCO"), ("type", "claim", "claim")]
