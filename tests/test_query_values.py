"""VALUES blocks of IRIs in named queries: checked and escaped, never raw text."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.queries import with_iri_values

QUERY = "SELECT ?s WHERE {\n  #VALUES ?s\n  ?s ?p ?o\n}"


def test_iris_become_one_sorted_values_block():
    text = with_iri_values(QUERY, s=["http://example.org/b", NamedNode("http://example.org/a"), "http://example.org/b"])
    assert "  VALUES ?s { <http://example.org/a> <http://example.org/b> }\n" in text


def test_text_that_would_break_out_of_the_block_is_refused():
    with pytest.raises(ValueError):
        with_iri_values(QUERY, s=["http://example.org/a> } ?s ?p ?o . { <http://x"])


def test_a_placeholder_and_its_values_go_together():
    with pytest.raises(ValueError):
        with_iri_values(QUERY, o=["http://example.org/a"])
    with pytest.raises(ValueError):
        with_iri_values(QUERY)
