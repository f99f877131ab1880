"""The one pipeline that keeps everything derived from the store in step with it.

Derived data -- the search and page-list index, the findings and their lists,
statistics, evidence levels, the example queries -- is rebuilt from the store
by the deriving modules (``DERIVED_MODULES``), each with ``refresh(store,
versions)``: ``versions`` are the article versions that changed, ``[]`` means
"only source records changed", ``None`` means "rebuild everything".

Every write path says what it changed by writing a **change note** into the
store itself (the ``graph/changes`` named graph), in the same transaction as the
data where the engine allows it and otherwise just before it (a note without
its change only costs a needless refresh). ``catch_up`` then reads every note,
runs one refresh for all of them and deletes exactly the notes it read. So:

* a refresh that fails or is killed leaves its notes, and the next write, the
  next ``serve`` start or ``claimgraph reindex`` catches them up -- never lost;
* a note lives with the data (a copied, restored or remote store carries it);
* nothing in a process's memory decides what is pending.

Notes are ``<target> cg:pendingRefresh "kind"``: ``version`` (an article version
written, changed or dropped), ``review`` (a verdict on that version: its work's
current version is refreshed), ``sources`` (source records written) and ``all``
(anything else: a SPARQL update or Graph Store write outside article versions,
a restore).

Bulk loads refresh once per part, not after every group: inside ``deferred``
``catch_up`` does nothing and one runs on leaving the block.
"""

from __future__ import annotations

import importlib
import logging
import re
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.rdf import iris
from claimgraph.graph.rdf.namespaces import CG, ID
from claimgraph.graph.store import ClaimStore

log = logging.getLogger("claimgraph.derived")

# Modules of claimgraph.graph with a refresh(store, versions) function, in run order.
# "resolution" first: the references reviewers identified, which the others follow;
# then "sources": it folds merged source nodes and sets evidence levels the others read;
# "finding_lists" after "search", whose tables say which versions are current.
DERIVED_MODULES: list[str] = ["resolution", "write.sources", "rules.findings", "index.search", "index.finding_lists",
                               "rules.examples", "rules.statistics"]

GRAPH_CHANGES = iris.GRAPH_CHANGES
PENDING = CG.pendingRefresh
ALL = NamedNode(str(ID) + "changes/all")
SOURCES = NamedNode(str(ID) + "changes/sources")
KINDS = ("version", "review", "sources", "all")
# An article version's IRI (and graph name): <ID>article/<key>/v-<12 hex>.
_VERSION = re.compile(re.escape(str(ID)) + r"article/[^/]+/v-[0-9a-f]{12}")
# A pre-0.2 store kept its notes in this file beside the data; read once, then removed.
PENDING_FILE = "derived-pending.txt"


class RefreshFailed(RuntimeError):
    """Derived data could not be brought in step; the change notes stay for the next try."""


def is_version(iri: str | NamedNode) -> bool:
    return bool(_VERSION.fullmatch(iri.value if isinstance(iri, NamedNode) else iri))


# -- notes -------------------------------------------------------------------------
def note_quads(versions: Iterable[NamedNode] | None = (), *, kind: str = "version") -> list[Quad]:
    """Change notes to write with the data they describe. ``versions=None``: everything."""
    if versions is None or kind == "all":
        return [Quad(ALL, PENDING, Literal("all"), GRAPH_CHANGES)]
    if kind == "sources":
        return [Quad(SOURCES, PENDING, Literal("sources"), GRAPH_CHANGES)]
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    return [Quad(v, PENDING, Literal(kind), GRAPH_CHANGES) for v in dict.fromkeys(versions)]


def note(store: ClaimStore, versions: Iterable[NamedNode] | None = (), *, kind: str = "version") -> None:
    """Write change notes on their own, before a write that cannot carry them."""
    store.write(note_quads(versions, kind=kind))


def pending(store: ClaimStore) -> list[Quad]:
    """Every change note in the store."""
    return list(store.quads(None, PENDING, None, GRAPH_CHANGES))


def _plan(store: ClaimStore, notes: list[Quad]) -> list[NamedNode] | None:
    """The ``versions`` argument of one refresh covering ``notes``."""
    kinds = {q.object.value for q in notes}
    if "all" in kinds:
        return None
    versions = [q.subject for q in notes if q.object.value == "version"]
    if any(not store.has_graph(v) for v in versions):
        return None  # a version dropped whole: what only it described goes too, wherever derived
    for q in notes:
        if q.object.value == "review":  # the stale-review finding sits on the current version
            current = _current_version(store, q.subject)
            if current is not None:
                versions.append(current)
    return list(dict.fromkeys(versions))


def _current_version(store: ClaimStore, version: NamedNode) -> NamedNode | None:
    work = store.select("version-work", version=version)
    if not work:
        return None
    current = store.select("current-version", work=NamedNode(work[0]["work"]))
    return NamedNode(current[0]["version"]) if current else None


# -- the one refresh -----------------------------------------------------------------
_deferred: set[int] = set()  # id() of stores inside ``deferred``
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def refresh_lock(store: ClaimStore) -> threading.Lock:
    """Held while this process changes the store's derived data (catch_up, followers.follow)."""
    return _lock(store)


def _lock(store: ClaimStore) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(id(store), threading.Lock())


@contextmanager
def deferred(store: ClaimStore) -> Iterator[None]:
    """Bulk loads: inside the block ``catch_up`` does nothing; one runs on leaving it.
    Refreshes that recount the whole store (statistics, duplicate sources) would
    otherwise make loading n files cost n whole-store passes."""
    if id(store) in _deferred:
        yield  # nested: the outer block refreshes
        return
    _deferred.add(id(store))
    try:
        yield
    finally:
        _deferred.discard(id(store))
    catch_up(store)


def catch_up(store: ClaimStore, *, raise_errors: bool = True) -> bool:
    """Refresh the derived data for every change note in the store, then delete the
    notes read (not any written meanwhile). True if there was anything to do.

    A failure leaves the notes where they are and raises ``RefreshFailed`` (or, with
    ``raise_errors=False``, logs it and returns False): the data written stays, and
    the next write, ``serve`` start or ``reindex`` catches up."""
    if id(store) in _deferred:
        return False
    # One process at a time: a store several request processes share (serve --workers) is
    # held for writing for the whole refresh, so two processes never refresh the same notes.
    holding = getattr(store, "writing", None)
    # The session first, then the lock: the order a writing request takes them in.
    with (holding() if holding is not None else nullcontext()), _lock(store):
        _take_up_pending_file(store)
        notes: list[Quad] = []
        try:
            _open_index(store)
            notes = pending(store)
            if notes:
                versions = _plan(store, notes)
                _run(store, versions)
            _ensure_built(store)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the notes
            log.error("derived data not refreshed (%s: %s); kept %d change note(s) to catch up later",
                      type(exc).__name__, str(exc), len(notes))  # a string: a record must not hold the traceback
            if raise_errors:
                raise RefreshFailed(f"derived data not refreshed: {exc}") from exc
            return False
        if notes:
            from claimgraph.graph.index import followers

            followers.record(store, versions)  # for the other web nodes' indexes (shared stores)
            store.remove(notes)
        return bool(notes)


def _open_index(store: ClaimStore) -> None:
    """Open the index before the notes are read: one of an older schema is dropped on
    opening, and the "everything" note that leaves must be among the notes this refresh
    takes. (Read after, it outlived the refresh, and the next write rebuilt it all again:
    5 minutes at 10 000 articles, twice.)"""
    from claimgraph.graph import index

    with index.connect(store):
        pass


def rebuild(store: ClaimStore) -> None:
    """Rebuild every derived table and graph from the store (``claimgraph reindex``)."""
    note(store, None)
    catch_up(store)


def _run(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Each module's refresh in order; on a large refresh a module of ``beside.BESIDE``
    runs in a helper process beside the module named there, and is waited for before
    the next module (or runs here, in its turn, when no helper could start)."""
    from claimgraph.graph.index import beside

    parallel = beside.worth_a_helper(store, versions)
    helper = None
    try:
        for name in DERIVED_MODULES:
            if helper is not None and name == helper.module:
                helper.wait()
                helper = None
                continue
            if parallel:
                alongside = [m for m, partner in beside.BESIDE.items() if partner == name]
                if alongside:
                    helper = beside.start(store, alongside[0], versions)
            importlib.import_module(f"claimgraph.graph.{name}").refresh(store, versions)
    finally:
        if helper is not None:  # a module before it raised (or its wait did): its work is void anyway
            helper.stop()


def _ensure_built(store: ClaimStore) -> None:
    """A store whose index is missing, corrupt or of an older schema is rebuilt."""
    from claimgraph.graph.index import followers, search

    seen = followers.records_now(store)  # read before the build: later records are not in it
    if search.ensure_index(store):
        followers.mark_applied(store, seen)


def ready(store: ClaimStore) -> None:
    """Before serving: catch up what a killed load or a failed refresh left noted, and
    build what a store loaded by an older claimgraph lacks (examples, statistics, the
    findings lists: about a minute on 10 000 articles, once)."""
    from claimgraph.graph.rules import examples
    from claimgraph.graph.index import finding_lists
    from claimgraph.graph.rules import statistics

    from claimgraph.graph.index import followers

    catch_up(store, raise_errors=False)
    followers.follow(store)  # a web node of a shared store: what others loaded while it was down
    examples.refresh(store)
    if not statistics.is_computed(store):
        statistics.refresh(store)
    finding_lists.ensure_built(store)


def refresh_all(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """Note ``versions`` (None: everything) as changed and catch up: for writers that
    cannot put the notes in their own transaction. Prefer ``note_quads`` with the data."""
    note(store, versions)
    catch_up(store)


def _take_up_pending_file(store: ClaimStore) -> None:
    """Notes an older claimgraph kept in a file beside the store become notes in it."""
    folder = getattr(store, "path", None)
    if folder is None or store.read_only or not (folder / PENDING_FILE).exists():
        return
    entries = set((folder / PENDING_FILE).read_text(encoding="utf-8").split())
    if "*" in entries:
        note(store, None)
    else:
        note(store, [NamedNode(e) for e in sorted(entries)])
    (folder / PENDING_FILE).unlink()


# -- the derived files beside the store ---------------------------------------------------
@contextmanager
def open_sqlite(store: ClaimStore, path, schema: str) -> Iterator[sqlite3.Connection]:
    """A derived SQLite file with ``schema`` in place. One that is unreadable (not a
    database, truncated, malformed) is derived data: it is removed with one log line and
    made again empty, the store gets an "everything" change note (when writable), and the
    next ``catch_up`` -- the next write, ``serve`` start or ``reindex`` -- rebuilds it."""
    path = Path(path)
    try:
        conn = _connect_checked(path, schema)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", None) not in (None, *_UNREADABLE):
            raise  # locked, busy, read-only, disk full: not the file's fault
        log.warning("derived index %s was unreadable (%s): removed; it is rebuilt from the store", path, exc)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if not getattr(store, "read_only", False):
            note(store, None)
        conn = _connect_checked(path, schema)
    try:
        yield conn
    finally:
        conn.close()


# SQLite's codes for a file that is not (or no longer) a database; our own check of a file
# cut short raises a plain DatabaseError, which has no code.
_UNREADABLE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def _connect_checked(path: Path, schema: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30)
    try:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            # On a full disk WAL mode cannot make its shared-memory file, and every page
            # read failed: the file is then read as it is on disk (immutable), which is
            # complete there, since the last connection to close wrote everything back.
            if not path.exists():
                raise
            conn.close()
            return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        # Cut short? The page count includes pages still waiting in the WAL, so it is read
        # first, and the file's size only compared when the WAL is empty *afterwards*: its
        # pages were then written back. (Looking at the WAL first let a writer add pages
        # between the two looks, and a healthy index under load was taken for a cut one
        # and rebuilt: the load test's 500s.)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        wal = Path(f"{path}-wal")
        if not (wal.exists() and wal.stat().st_size):
            if path.exists() and path.stat().st_size < pages * size:  # cut short: pages are missing
                raise sqlite3.DatabaseError(f"the file holds {path.stat().st_size} of its {pages * size} bytes")
        conn.executescript(schema)
    except BaseException:
        conn.close()
        raise
    return conn


# -- helpers the deriving modules share ------------------------------------------------
def chunks(items, size: int = 500) -> Iterator[list[str]]:
    """``items`` (IRIs) without repeats, sorted, in lists of ``size``: the IRIs of one VALUES
    block (``queries.with_iri_values``), so that a load of any size makes few, bounded queries."""
    ordered = sorted({i.value if isinstance(i, NamedNode) else str(i) for i in items})
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def apply_changes(store: ClaimStore, deletes: list[Quad], inserts: list[Quad]) -> None:
    """Make derived quads go from ``deletes`` to ``inserts`` in one update, touching only
    what differs (quads in both stay). The terms are rendered by pyoxigraph (escaped)."""
    wanted = set(inserts)
    deletes, inserts = set(deletes) - wanted, wanted - set(deletes)
    if not deletes and not inserts:
        return
    render = lambda quads: " ".join(  # noqa: E731
        f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    parts = []
    if deletes:
        parts.append(f"DELETE DATA {{ {render(deletes)} }}")
    if inserts:
        parts.append(f"INSERT DATA {{ {render(inserts)} }}")
    store.update(" ;\n".join(parts))
