"""Source records (PubMed, MEDLINE, RIS, SPL ...) into the sources graph.

Minimal first version: each record's source is written to the shared sources
graph under its identifier IRI, so that it merges with what articles cite.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from claimgraph.loaders import FileResult

from . import iris
from .mapping import QuadSink, source_quads
from .store import ClaimStore


def ingest_records(store: ClaimStore, result: FileResult, activity: NamedNode, started: str) -> int:
    from .ingest import activity_quads, now_iso

    written = 0
    for record in result.sources:
        key = iris.source_key(record.source)
        if key is None:
            continue
        sink = QuadSink(iris.GRAPH_SOURCES)
        source_quads(sink, NamedNode(f"{iris.ID}source/{key}"), record.source)
        store.write(sink.quads + activity_quads(activity, result, started, now_iso(),
                                                [iris.GRAPH_SOURCES]))
        written += 1
    return written
