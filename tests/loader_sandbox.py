"""Run loaders on files in a child process, so a hang or a blow-up fails one case, not the run.

The child does what ``claimgraph.loaders.read_file`` does, minus its last-resort
``except Exception``: here any exception other than ``LoaderError`` is reported as
a crash with its traceback, because a loader that needs that safety net has a bug.
It then checks the records' own invariants (offsets inside their text, indexes
that point somewhere, errors that name the file), links mentions, and writes the
articles into an in-memory store the way ``claimgraph load`` does, so the mapping
and derived data see every odd record too.

A case that overruns its time limit has its child killed and restarted.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

# Outcomes, in report order.
CLEAN, LOADER_ERROR, CRASH, TIMEOUT = "clean", "loader-error", "crash", "timeout"


@dataclass
class CaseOutcome:
    kind: str  # one of the outcome names above
    detail: str = ""  # the error text, traceback or broken invariant
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the child's peak resident memory so far
    baseline_rss_mb: float = 0.0  # its peak before its first case (imports, vocabulary)
    articles: int = 0
    sources: int = 0
    record_text: str = ""  # every record, flattened, when asked for (leak checks)


def _check_error(exc, path: str) -> str | None:
    """A LoaderError that does not say which file it is about is itself a failure."""
    if exc.path != path:
        return f"LoaderError names {exc.path!r}, not the file read ({path!r}): {exc}"
    if not exc.message.strip():
        return f"LoaderError without a message: {exc!r}"
    return None


def _check_article(article) -> str | None:
    blocks, sections = len(article.blocks), len(article.sections)
    for section in article.sections:
        if section.parent is not None and not 0 <= section.parent < sections:
            return f"section {section.heading[:40]!r} has parent {section.parent} of {sections}"
    for block in article.blocks:
        if block.section is not None and not 0 <= block.section < sections:
            return f"block points at section {block.section} of {sections}"
    for claim in article.claims:
        if not 0 <= claim.block < blocks:
            return f"claim points at block {claim.block} of {blocks}"
        for marker in claim.markers:
            if not 0 <= marker.start <= marker.end <= len(claim.original):
                return f"marker {marker.label!r} at {marker.start}..{marker.end} outside its claim"
        for mention in claim.mentions:
            if claim.text[mention.start:mention.end] != mention.surface:
                return f"mention {mention.surface!r} offsets do not match the claim text"
    return None


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(connection, vocabulary_wanted: bool) -> None:
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.store import ClaimStore
    from claimgraph.loaders import FileResult, _format_modules, detect_format
    from claimgraph.loaders.errors import LoaderError
    from claimgraph.loaders.textio import MAX_FILE_BYTES, decode, sha256_hex

    vocabulary = None
    if vocabulary_wanted:
        from claimgraph.loaders.mentions import Vocabulary

        vocabulary = Vocabulary.default()
    store, writes = None, 0
    baseline = _peak_rss_mb()
    while True:
        request = connection.recv()
        if request is None:
            return
        path, format_name, want_text, write = request
        started = time.monotonic()
        outcome = CaseOutcome(CLEAN)
        try:
            size = Path(path).stat().st_size
            if size > MAX_FILE_BYTES:  # as read_file does: refused before reading
                raise LoaderError(path, f"file is {size} bytes, over the limit")
            data = Path(path).read_bytes()
            text = decode(data, path)
            modules = list(_format_modules())
            if format_name:
                module = next(m for m in modules if m.FORMAT == format_name)
                module.sniff(text, Path(path))
            else:
                module = detect_format(text, Path(path))  # runs every sniff
            if module is None:
                raise LoaderError(path, "no recognisable structure")
            result = module.read(text, path, sha256_hex(data))
            if not isinstance(result, FileResult):
                raise TypeError(f"{module.FORMAT}.read returned {type(result).__name__}")
            problems = [_check_error(e, path) for e in result.errors]
            problems += [_check_article(a) for a in result.articles]
            if vocabulary is not None:
                for article in result.articles:
                    for claim in article.claims:
                        claim.mentions = vocabulary.find(claim.text)
                problems += [_check_article(a) for a in result.articles]
            problems = [p for p in problems if p]
            if problems:
                outcome = CaseOutcome(CRASH, "; ".join(problems))
            elif result.errors and not (result.articles or result.sources):
                outcome = CaseOutcome(LOADER_ERROR, str(result.errors[0]))
            outcome.articles, outcome.sources = len(result.articles), len(result.sources)
            if want_text:
                outcome.record_text = repr([dataclasses.asdict(r) for r in result.articles + result.sources])
            if write and outcome.kind != CRASH and (result.articles or result.sources):
                if store is None or writes >= 200:  # a fresh store now and then keeps memory flat
                    store, writes = ClaimStore(None), 0
                    store.ensure_static_graphs()
                result.path, result.sha256 = path, sha256_hex(data)
                ingest(store, result)
                writes += 1
        except LoaderError as exc:
            problem = _check_error(exc, path)
            outcome = CaseOutcome(CRASH, problem) if problem else CaseOutcome(LOADER_ERROR, str(exc))
        except RecursionError:
            # read_file reports this by name ("nested too deeply"): a clean refusal.
            outcome = CaseOutcome(LOADER_ERROR, "structure nested too deeply to read")
        except BaseException:  # noqa: BLE001 - everything else is what the fuzz is looking for
            outcome = CaseOutcome(CRASH, traceback.format_exc(limit=8))
        outcome.seconds = time.monotonic() - started
        outcome.peak_rss_mb, outcome.baseline_rss_mb = _peak_rss_mb(), baseline
        connection.send(outcome)


class LoaderSandbox:
    """One child process running loader cases; restarted after a timeout or a death."""

    def __init__(self, *, vocabulary: bool = True):
        self._vocabulary = vocabulary
        self._context = multiprocessing.get_context("fork")
        self._process = None
        self._connection = None

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(target=_child, args=(child, self._vocabulary), daemon=True)
        self._process.start()
        child.close()
        self._connection = parent

    def run(self, path, *, format: str | None = None, timeout: float = 10.0, want_text: bool = False,
            write: bool = True) -> CaseOutcome:
        if self._process is None or not self._process.is_alive():
            self._start()
        started = time.monotonic()
        self._connection.send((str(path), format, want_text, write))
        if self._connection.poll(timeout):
            try:
                return self._connection.recv()
            except EOFError:
                pass  # the child died (killed by the OS for memory, a segfault ...)
            self.close()
            return CaseOutcome(CRASH, "the loader process died", time.monotonic() - started)
        self.close()
        return CaseOutcome(TIMEOUT, f"no answer within {timeout:g} s", time.monotonic() - started)

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
        self._process = self._connection = None


def fresh_run(path, *, format: str | None = None, timeout: float = 60.0) -> CaseOutcome:
    """One case in a new child, so its memory growth is its own (large-file cases):
    ``peak_rss_mb - baseline_rss_mb`` is what reading this one file cost."""
    sandbox = LoaderSandbox(vocabulary=True)
    try:
        return sandbox.run(path, format=format, timeout=timeout, write=False)
    finally:
        sandbox.close()
