"""Load many files the way ``claimgraph load`` does: one function for the CLI and the demo.

Reads each file with the store's vocabulary, writes its articles (grouped, a
hundred or so per transaction: ``ingest.ArticleWriter``), ties markers to records
(``--refs`` or a sidecar), and refreshes the derived data once per part of the batch.

A batch streams: memory must not grow with the number of files. The writer flushes
RocksDB's memtables as it goes, and the derived data is refreshed every
``DERIVED_EVERY`` written articles rather than once at the end, since a refresh holds
what it derives for all the versions it is given (findings of 1 000 articles: ~200 MB).
What the batch keeps per file is its ``FileOutcome`` (the report).
"""

from __future__ import annotations

import math
import sys
from contextlib import closing
from pathlib import Path
from typing import Iterable, Iterator

from claimgraph.loaders import FileResult, iter_input_files
from claimgraph.loaders.read_ahead import helpers_for, read_files

from claimgraph.graph.index import derived
from claimgraph.graph.write.ingest import ArticleWriter, FileOutcome, ingest
from claimgraph.graph.write.restore import RestoreError, import_rdf, rdf_format
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.store.embedded import BULK_MIN_QUADS
from claimgraph.graph.write.vocabulary import store_vocabulary

# Articles written between two refreshes of the derived data. The refreshes are
# incremental (what they cost follows the versions given, plus a small fixed part),
# so a part this size costs about what one refresh at the end did.
DERIVED_EVERY = 1_000
# A batch of at least this many files into a store on this machine writes in bulk
# (``ingest.ArticleWriter(bulk_from=...)``); smaller ones, and remote stores, keep the
# transactions, whose fixed cost is small.
BULK_MIN_FILES = 50


def load_files(store: ClaimStore, paths: Iterable[str | Path], *, input_format: str | None = None,
               refs_file: str | None = None, progress: bool = False,
               group_articles: int | None = None, graph: str | None = None,
               bulk: bool | None = None) -> list[FileOutcome]:
    """Load files and folders; returns one outcome per file (errors inside, never raised).
    ``group_articles``: articles per write transaction (default ``ingest.GROUP_ARTICLES``).
    ``bulk``: write every group in bulk (True), none (False), or decide by the batch's size
    (None: ``BULK_MIN_FILES``; the files are then also read ahead in helper processes).
    Plain RDF files (by suffix: ``restore.RDF_SUFFIXES``) go into a named graph: ``graph``,
    or one named after the file."""
    from tqdm import tqdm

    files = list(iter_input_files(paths))
    if refs_file and len(files) != 1:
        raise ValueError("--refs maps the markers of one article: give exactly one ARTICLE file")
    # The derived data reads the concepts' types from the vocabulary graph: without it a
    # load linked mentions but indexed no claim under its conditions and drugs.
    store.ensure_static_graphs()
    vocabulary = store_vocabulary(store)
    # From how many quads a group goes through the bulk loader: never, from BULK_MIN_QUADS
    # (chosen by the batch's size), or always (asked for).
    on_disk = getattr(store, "path", None) is not None
    if not on_disk or bulk is False or (bulk is None and len(files) < BULK_MIN_FILES):
        bulk_from = math.inf
    else:
        bulk_from = 0 if bulk else BULK_MIN_QUADS
    outcomes: list[FileOutcome] = []
    # tqdm draws only on a terminal (disable=None) and only for batches worth a bar.
    # The bar counts files written, not read: the helpers read ahead of the writer.
    bar = tqdm(total=len(files), unit="file", disable=None if progress and len(files) > 5 else True,
               file=sys.stderr)
    # Plain RDF files are imported here, not read into records.
    skip = (lambda path: rdf_format(path) is not None) if input_format is None else (lambda path: False)
    with bar, closing(read_files(files, vocabulary, format=input_format, skip=skip,
                                 helpers=helpers_for(len(files)) if bulk_from < math.inf else 0)) as remaining:
        more = True
        while more:
            more = _load_part(store, remaining, bar, outcomes, input_format=input_format, refs_file=refs_file,
                              group_articles=group_articles, graph=graph, bulk_from=bulk_from)
            store.flush()  # the derived data's writes leave the memtables too
    return outcomes


def _load_part(store: ClaimStore, files: Iterator[tuple[Path, FileResult | None]], bar,
               outcomes: list[FileOutcome], *,
               input_format: str | None, refs_file: str | None, group_articles: int | None,
               graph: str | None, bulk_from: float) -> bool:
    """Load files until ``DERIVED_EVERY`` articles were written, then refresh the derived
    data of those (a crash-safe unit of its own); True while files remain."""
    first, more = len(outcomes), [False]
    try:
        _write_part(store, files, bar, outcomes, more, input_format=input_format, refs_file=refs_file,
                    group_articles=group_articles, graph=graph, bulk_from=bulk_from)
    except derived.RefreshFailed as exc:  # the data is written; its notes stay for the next try
        for outcome in outcomes[first:]:
            outcome.warnings.append(f"{exc}; written, and caught up by the next load, `claimgraph serve` "
                                    "or `claimgraph reindex`")
    return more[0]


def _import_rdf(store: ClaimStore, path: Path, graph: str | None) -> FileOutcome:
    """A plain RDF file: into its named graph (``restore.import_rdf``), reported like the rest."""
    try:
        imported = import_rdf(store, path, graph)
    except RestoreError as exc:
        return FileOutcome(str(path), rdf_format(path).name, errors=[str(exc)])
    return FileOutcome(str(path), imported.format, graphs=imported.graphs)


def _write_part(store: ClaimStore, files: Iterator[tuple[Path, FileResult | None]], bar,
                outcomes: list[FileOutcome],
                more: list[bool], *, input_format: str | None, refs_file: str | None,
                group_articles: int | None, graph: str | None, bulk_from: float) -> None:
    """Write one part; ``more[0]`` says whether files remain (set before the refresh that
    closes the part, which may raise)."""
    from claimgraph.loaders.sidecar import sidecar_for

    from claimgraph.graph.write.marker_refs import apply_refs_for

    with derived.deferred(store):  # one refresh of derived data for the part
        writer = ArticleWriter(store, max_articles=group_articles, bulk_from=bulk_from)
        for path, result in files:  # read ahead (``read_ahead``); None: a plain RDF file
            bar.set_postfix_str(path.name[:40], refresh=False)
            if result is None:
                outcomes.append(_import_rdf(store, path, graph))
                bar.update(1)
                continue
            outcome = ingest(store, result, writer)
            if result.articles and (refs_file or sidecar_for(path)):
                writer.flush()  # the marker map is applied to the stored article
            marker = apply_refs_for(store, path, result, refs_file)
            if marker is not None:
                outcome.errors.extend(marker.errors)
                if marker.applied:
                    outcome.warnings.append(f"markers mapped to sources: {', '.join(marker.applied)}")
            outcomes.append(outcome)
            bar.update(1)
            if writer.written + len(writer) >= DERIVED_EVERY:
                writer.flush()
                more[0] = True
                return
        writer.flush()
