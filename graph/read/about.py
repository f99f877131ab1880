"""What the about page tells about the whole store, and the store as one download.

``about_page``: the counts the home page shows (from the page-list index), the
size and last change the statistics graph counted, and what the provenance graph
records of the loaded files (name, input format, SHA-256, when) and of the loads.
The store does not record a file's origin or licence: the page says so rather than
guess. ``dump_chunks`` streams every quad of every graph as N-Quads or TriG.
"""

from __future__ import annotations

import io
from typing import Iterator

from pyoxigraph import RdfFormat, serialize

from claimgraph.graph.index import page_lists
from claimgraph.graph.read.pages_index import recent_loads
from claimgraph.graph.store import ClaimStore

FILES_SHOWN = 100  # as about-files.rq's LIMIT
DUMP_FORMATS = {"nq": (RdfFormat.N_QUADS, "application/n-quads"), "trig": (RdfFormat.TRIG, "application/trig")}
_DUMP_BATCH = 20_000  # quads serialised per chunk of the download


def about_page(store: ClaimStore) -> dict:
    counts = page_lists.home_lists(store, top=0)["counts"]
    dataset = store.select("about-dataset")
    files = store.select("about-files")
    return {"kind": "about", "title": "About this data", "counts": counts,
            "dataset": dataset[0] if dataset else {"triples": None, "modified": None, "named_graphs": 0},
            "formats": store.select("about-formats"), "files": files,
            "files_cut": len(files) >= FILES_SHOWN, "loads": recent_loads(store)}


def dump_chunks(store: ClaimStore, suffix: str) -> Iterator[bytes]:
    """The whole store, every named graph, as ``suffix`` ("nq" or "trig"), in pieces of
    ``_DUMP_BATCH`` quads: memory stays flat whatever the store's size. Each TriG piece
    is complete (``GRAPH { … }`` blocks; a graph may open again in the next piece, which
    TriG allows)."""
    fmt = DUMP_FORMATS[suffix][0]
    engine = getattr(store, "store", None)
    if engine is None:  # a remote store: its own dump, in one piece
        buffer = io.BytesIO()
        store.dump(buffer, fmt)
        yield buffer.getvalue()
        return
    batch = []
    for quad in engine.quads_for_pattern(None, None, None, None):
        batch.append(quad)
        if len(batch) >= _DUMP_BATCH:
            yield serialize(batch, format=fmt)
            batch = []
    if batch:
        yield serialize(batch, format=fmt)
