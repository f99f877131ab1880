"""Several web nodes on one shared (remote) store: each node's index follows every refresh.

On a remote SPARQL store the derived index is a folder beside each web node
(``RemoteStore.index_dir``), not beside the store. The store-side derived graphs
(findings, sources, statistics, examples) are refreshed once, by whichever process
runs ``derived.catch_up``; but that process deletes the change notes it read, so
the other nodes would never learn that their own index is behind. So on a shared
store every catch up that had notes also leaves a **refresh record** in the
changes graph::

    <ID/changes/done/<time ns>-<random>> cg:refreshed "all" | "versions" ;
                                         cg:refreshedVersion <version> , … .

(``versions`` with no version: only source records changed.) Each node's index
remembers the records it has applied (``meta`` keys ``log:<record>``), and
``follow`` runs the node-local part of the pipeline (``LOCAL_MODULES``) for the
records it has not: at ``serve`` start, and before a page at most every
``interval`` seconds. Records are kept for ``KEEP`` refreshes; a node whose newest
applied record is older than every record kept has missed some and rebuilds its
index whole, as a node with a new index does.
"""

from __future__ import annotations

import importlib
import os
import threading
import time

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph import index
from claimgraph.graph.rdf.namespaces import CG, ID
from claimgraph.graph.rdf import iris

# The modules of derived.DERIVED_MODULES whose tables live in the node's own index.
LOCAL_MODULES = ("index.search", "index.finding_lists")
KEEP = 500  # refresh records kept in the store
RECORD_PREFIX = str(ID) + "changes/done/"
_checked: dict[int, float] = {}  # id(store) -> monotonic time of the last look at the records
_guard = threading.Lock()


def is_shared(store) -> bool:
    """A store other processes may write while this one serves (a remote store)."""
    return bool(getattr(store, "shared", False))


def record(store, versions: list[NamedNode] | None) -> None:
    """After a refresh of ``versions`` (None: everything): the record other nodes follow,
    marked applied in this process's own index, and records past ``KEEP`` removed."""
    if not is_shared(store):
        return
    node = NamedNode(f"{RECORD_PREFIX}{time.time_ns():020d}-{os.urandom(4).hex()}")
    quads = [Quad(node, CG.refreshed, Literal("all" if versions is None else "versions"), iris.GRAPH_CHANGES)]
    quads += [Quad(node, CG.refreshedVersion, v, iris.GRAPH_CHANGES) for v in versions or ()]
    store.write(quads)
    with index.connect(store) as conn, conn:
        index.set_meta(conn, "log:" + node.value, "1")
    kept = sorted({row["record"] for row in store.select("changes-refreshed")})
    old = [NamedNode(r) for r in kept[:-KEEP]]
    if old:
        store.remove([q for r in old for q in store.quads(r, None, None, iris.GRAPH_CHANGES)])


def follow(store, *, interval: float = 0.0) -> bool:
    """Apply to this node's index every refresh record it has not applied; at most one
    look at the store per ``interval`` seconds. True if the index changed."""
    if not is_shared(store):
        return False
    with _guard:
        now = time.monotonic()
        if interval and now - _checked.get(id(store), float("-inf")) < interval:
            return False
        _checked[id(store)] = now
    from claimgraph.graph.index import derived

    with derived.refresh_lock(store):  # not while this process refreshes or follows already
        return _follow(store)


def _follow(store) -> bool:
    rows = store.select("changes-refreshed")
    records: dict[str, list[NamedNode] | None] = {}
    for row in rows:
        versions = records.setdefault(row["record"], [])
        if row["kind"] == "all":
            records[row["record"]] = None
        elif versions is not None and row["version"]:
            versions.append(NamedNode(row["version"]))
    with index.connect(store) as conn:
        applied = {key[4:] for (key,) in conn.execute("SELECT key FROM meta WHERE key LIKE 'log:%'")}
    new = sorted(set(records) - applied)
    if not new:
        return False
    if (applied and max(applied) < min(records)) or any(records[r] is None for r in new):
        plan = None  # records this node never saw were removed, or one rebuilt everything
    else:
        plan = list(dict.fromkeys(v for r in new for v in records[r]))
    for name in LOCAL_MODULES:
        importlib.import_module(f"claimgraph.graph.{name}").refresh(store, plan)
    with index.connect(store) as conn, conn:
        for key in applied - set(records):
            conn.execute("DELETE FROM meta WHERE key = ?", ("log:" + key,))
        for key in new:
            index.set_meta(conn, "log:" + key, "1")
    return True


def records_now(store) -> set[str]:
    """The refresh records in the store (none for a store that is not shared)."""
    return {row["record"] for row in store.select("changes-refreshed")} if is_shared(store) else set()


def mark_applied(store, records: set[str]) -> None:
    """A node that built its index whole after reading ``records`` has applied them."""
    if records:
        with index.connect(store) as conn, conn:
            for key in records:
                index.set_meta(conn, "log:" + key, "1")
