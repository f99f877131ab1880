"""Read a batch's files in helper processes while the caller writes what was read.

A batch load spends about a sixth of its time parsing files (``read_file``), work that
needs no store: on a machine with more than one core it runs here, in up to
``cores - 1`` helper processes, a bounded number of files ahead of the writer, so
memory does not grow with the batch. Results come back in the order of the files,
each exactly what ``read_file`` returns in the caller's own process (a ``FileResult``
is plain data: it crosses the process boundary as a pickle).

Files the caller handles itself (``skip``: plain RDF, imported into a named graph)
are passed through as ``None``. A helper that dies (killed, out of memory) is no
reason to lose the batch: the files it held are read again in the caller's process.
A helper ends when the caller does, even killed (``child_processes.die_with_parent``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterable, Iterator

from claimgraph.loaders import FileResult, read_file
from claimgraph.loaders.child_processes import die_with_parent, usable_cores

# Files read ahead of the writer per helper: enough to keep a helper busy while the
# writer takes a long step (a group's write, or the derived refresh every 1 000
# articles, ~20 s: a helper reads about 120 generated answers a second), few enough that
# a batch of large files holds little memory (a generated answer's records: ~14 kB).
AHEAD_PER_HELPER = 256
# ... and at most this many bytes of input in flight (a record takes a few times its
# file's size in memory), at least one file.
AHEAD_BYTES = 128 * 1024 * 1024

_vocabulary = None  # in a helper: the batch's vocabulary, set once by _start


def _start(parent: int, vocabulary) -> None:
    global _vocabulary
    if not die_with_parent(parent):  # a helper of a killed load stops with it
        os._exit(0)
    _vocabulary = vocabulary


def _read(path: str, format: str | None) -> FileResult:
    return read_file(path, _vocabulary, format=format)


def helpers_for(files: int) -> int:
    """Helper processes worth starting for a batch of ``files``: none on one core or for a
    handful of files (starting one costs about a second), else one per spare core."""
    return 0 if files < 20 else usable_cores() - 1


def read_files(paths: Iterable[Path], vocabulary, *, format: str | None = None, helpers: int = 0,
               skip: Callable[[Path], bool] = lambda path: False) -> Iterator[tuple[Path, FileResult | None]]:
    """``(path, read_file(path, vocabulary, format=format))`` for each path, in order;
    ``None`` for paths ``skip`` says the caller reads. ``helpers=0`` reads in this process."""
    if helpers <= 0:
        for path in paths:
            yield path, None if skip(path) else read_file(path, vocabulary, format=format)
        return
    # "spawn": a helper must not inherit the caller's open store (RocksDB's threads and
    # file locks do not survive a fork).
    pool = ProcessPoolExecutor(max_workers=helpers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(os.getpid(), vocabulary))
    pending: deque[tuple[Path, bool, Future | None, int]] = deque()  # (path, skipped, its read, bytes)
    source, in_flight = iter(paths), 0
    try:
        while True:
            while len(pending) < helpers * AHEAD_PER_HELPER and (not pending or in_flight < AHEAD_BYTES):
                path = next(source, None)
                if path is None:
                    break
                skipped = skip(path)
                size = 0 if skipped else _size(path)
                in_flight += size
                pending.append((path, skipped, None if skipped else _submit(pool, path, format), size))
            if not pending:
                return
            path, skipped, future, size = pending.popleft()
            in_flight -= size
            yield path, None if skipped else _result(future, path, vocabulary, format)
    finally:
        for _, _, future, _ in pending:
            if future is not None:
                future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_file reports it


def _submit(pool: ProcessPoolExecutor, path: Path, format: str | None) -> Future | None:
    try:
        return pool.submit(_read, str(path), format)
    except (BrokenProcessPool, OSError):  # a helper died, or none could be started
        return None  # read in this process when its turn comes


def _result(future: Future | None, path: Path, vocabulary, format: str | None) -> FileResult:
    """The helper's result; the file read here when no helper could (``future`` None or
    its pool broken)."""
    try:
        if future is not None:
            return future.result()
    except (BrokenProcessPool, OSError):
        pass
    return read_file(path, vocabulary, format=format)
