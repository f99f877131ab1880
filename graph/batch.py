"""Load many files the way ``claimgraph load`` does: one function for the CLI and the demo.

Reads each file with the store's vocabulary, writes its articles (grouped, a
hundred or so per transaction: ``ingest.ArticleWriter``), ties markers to records (``--refs`` or a sidecar), and refreshes the
derived data once for the whole batch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable

from claimgraph.loaders import iter_input_files, read_file

from . import derived
from .ingest import ArticleWriter, FileOutcome, ingest
from .store import ClaimStore
from .vocabulary import store_vocabulary


def load_files(store: ClaimStore, paths: Iterable[str | Path], *, input_format: str | None = None,
               refs_file: str | None = None, progress: bool = False) -> list[FileOutcome]:
    """Load files and folders; returns one outcome per file (errors inside, never raised)."""
    from tqdm import tqdm

    from claimgraph.loaders.sidecar import sidecar_for

    from .marker_refs import apply_refs_for

    vocabulary = store_vocabulary(store)
    files = list(iter_input_files(paths))
    if refs_file and len(files) != 1:
        raise ValueError("--refs maps the markers of one article: give exactly one ARTICLE file")
    outcomes: list[FileOutcome] = []
    # tqdm draws only on a terminal (disable=None) and only for batches worth a bar.
    bar = tqdm(files, unit="file", disable=None if progress and len(files) > 5 else True, file=sys.stderr)
    with derived.deferred(store):  # one refresh of derived data for the whole batch
        derived.begin_batch(store)
        writer = ArticleWriter(store)
        for path in bar:
            bar.set_postfix_str(path.name[:40], refresh=False)
            result = read_file(path, vocabulary, format=input_format)
            outcome = ingest(store, result, writer)
            if result.articles and (refs_file or sidecar_for(path)):
                writer.flush()  # the marker map is applied to the stored article
            marker = apply_refs_for(store, path, result, refs_file)
            if marker is not None:
                outcome.errors.extend(marker.errors)
                if marker.applied:
                    outcome.warnings.append(f"markers mapped to sources: {', '.join(marker.applied)}")
            outcomes.append(outcome)
        writer.flush()
    store.flush()
    return outcomes
