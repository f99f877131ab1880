"""A remote store reads a page's source cards in one query; the cards are the same.

Over the network each index look-up of the embedded path is a round trip (111 for the
seed article's page on Virtuoso); a store that says so (``ROUND_TRIPS``) is asked
``page-source-card-quads.rq`` once instead. Checked here against the embedded store
itself, so that only the way of reading differs; the browser tests on Virtuoso
(tests/test_browser_virtuoso.py) read the same pages through the real remote store.
"""

from __future__ import annotations

from claimgraph.graph.read import pages


class _CountingStore:
    """The embedded store, answering like a remote one and counting its calls."""

    ROUND_TRIPS = True

    def __init__(self, store):
        self._store, self.calls = store, 0

    def __getattr__(self, name):
        attribute = getattr(self._store, name)
        if callable(attribute):
            def counted(*args, **kwargs):
                self.calls += 1
                return attribute(*args, **kwargs)
            return counted
        return attribute


def test_a_remote_store_gets_the_same_cards_from_two_queries(seed_store):
    version = seed_store.select("page-home-articles")[0]["version"]
    sources = {row["source"] for row in seed_store.select("page-citations-markers") if row["source"]}
    assert len(sources) >= 5
    remote = _CountingStore(seed_store)
    cards = pages.source_cards(remote, version, sources)
    assert cards == pages.source_cards(seed_store, version, sources)
    assert remote.calls == 2  # the statements, then the resolver links
    assert any(card["org"] and "\t" in card["org"] for card in cards.values()), "a publisher with its name"
