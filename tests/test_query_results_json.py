"""The query workers write SPARQL JSON results as text themselves (web/query_runner.py);
pyoxigraph's own parser must read back exactly the terms the query gave."""

from __future__ import annotations

import json

from pyoxigraph import (BlankNode, Literal, NamedNode, Quad, QueryResultsFormat, Store, Triple,
                        parse_query_results)

from claimgraph.web.query_runner import QueryRequest, execute

EX = "http://example.org/"


def test_every_kind_of_term_reads_back_the_same():
    store = Store()
    subject = NamedNode(EX + "s")
    objects = [NamedNode(EX + "o?x=1&y=é"), BlankNode("b1"), Literal("plain \"quoted\" \\ back\nline\ttab"),
               Literal("été ✓ 😀 \u2028"), Literal("chat", language="fr"), Literal("3", datatype=NamedNode(
                   "http://www.w3.org/2001/XMLSchema#integer")), Literal("\x00\x1f control"),
               Triple(subject, NamedNode(EX + "p"), Literal("x"))]
    for index, obj in enumerate(objects):
        store.add(Quad(subject, NamedNode(f"{EX}p{index}"), obj))
    sparql = "SELECT ?p ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?o <urn:none> ?unbound } } ORDER BY ?p"
    outcome = execute(store, QueryRequest(sparql=sparql, accept="application/sparql-results+json"))
    assert outcome.status == 200 and outcome.count == len(objects)
    body = json.loads(outcome.body)  # valid JSON
    assert body["head"]["vars"] == ["p", "o", "unbound"]
    assert all("unbound" not in row for row in body["results"]["bindings"])
    parsed = [(row["p"], row["o"]) for row in parse_query_results(outcome.body, format=QueryResultsFormat.JSON)]
    expected = [(row["p"], row["o"]) for row in store.query(sparql)]
    assert parsed == expected
    # Other formats are pyoxigraph's serialisers reading the JSON back.
    tsv = execute(store, QueryRequest(sparql=sparql, accept="text/tab-separated-values"))
    assert tsv.status == 200 and tsv.body.count(b"\n") == len(objects) + 1
