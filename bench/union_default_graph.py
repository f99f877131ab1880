"""What the union default graph costs against an explicit list of default graphs
(pyoxigraph ``use_default_graph_as_union=True`` vs ``default_graph=[every named graph]``),
on an in-memory store of N graphs of 80 quads each. A list is how the service's own
graphs could be left out of the default graph; these figures are why they are not
(docs/sparql-conformance.md). Run: ``python -m bench.union_default_graph [N]``."""

from __future__ import annotations

import statistics
import sys
import time

from pyoxigraph import Literal, NamedNode, Quad, Store

QUERIES = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "subject": "SELECT * WHERE { <http://ex/s/17/3> ?p ?o }",
    "join": "SELECT ?o2 WHERE { <http://ex/s/17/0> <http://ex/cites> ?x . ?x <http://ex/p/1> ?o2 } LIMIT 20",
    "object": 'SELECT ?s WHERE { ?s ?p "v150-7" }',
}


def build(graphs: int) -> Store:
    store = Store()
    quads = []
    for g in range(graphs):
        graph = NamedNode(f"http://ex/g/{g}")
        for i in range(40):
            subject = NamedNode(f"http://ex/s/{g}/{i % 8}")
            quads.append(Quad(subject, NamedNode(f"http://ex/p/{i % 5}"), Literal(f"v{g}-{i}"), graph))
            quads.append(Quad(subject, NamedNode("http://ex/cites"), NamedNode(f"http://ex/s/{(g * 7 + i) % graphs}/0"),
                              graph))
    store.bulk_extend(quads)
    return store


def median_ms(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(graphs: int) -> None:
    store = build(graphs)
    names = list(store.named_graphs())
    print(f"{graphs} graphs, {len(store)} quads; listing the named graphs: "
          f"{median_ms(lambda: list(store.named_graphs())):.2f} ms")
    for name, query in QUERIES.items():
        union = median_ms(lambda: list(store.query(query, use_default_graph_as_union=True)))
        listed = median_ms(lambda: list(store.query(query, default_graph=names)))
        print(f"{name:8s} union flag {union:8.2f} ms   list of {len(names)} graphs {listed:8.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
