"""A deriving module run in a helper process, beside the one the refresh runs meanwhile.

A large refresh (a bulk load's part of 1 000 articles, ``reindex``) spends most of its
time in two modules that do not depend on each other: the findings (which write
findings graphs into the store) and the search index (which reads the store and writes
only the index file). On a machine with a spare core the search index is refreshed in
a helper process that opens the store read-only (it sees
every write made before it started, the findings' writes do not concern it), while
this process derives the findings; the refresh waits for the helper before the
modules that read both (the findings lists).

A helper that fails or dies makes the refresh fail like a module that raised: the
change notes stay, and the next ``catch_up`` does it again.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from dataclasses import dataclass

from pyoxigraph import NamedNode

# Module that may run in a helper -> the module it runs beside. Only modules that write
# nothing into the store qualify: a helper holds a read-only view.
BESIDE = {"index.search": "rules.findings"}
# Fewer versions than this are refreshed in this process: starting a helper (a new
# interpreter importing claimgraph) costs about half a second.
MIN_VERSIONS = 200


@dataclass
class Helper:
    module: str
    process: multiprocessing.process.BaseProcess
    errors: object  # the read end of a pipe: the helper's error text, if it failed

    def wait(self) -> None:
        """Wait for the helper; RuntimeError with its error if it failed or died."""
        self.process.join()
        try:
            message = self.errors.recv() if self.errors.poll() else None
        except EOFError:  # closed without a word: it succeeded, or died before it could say
            message = None
        self.errors.close()
        if self.process.exitcode != 0 or message:
            raise RuntimeError(message or f"{self.module} refresh in a helper process died "
                                          f"(exit code {self.process.exitcode})")


def worth_a_helper(store, versions: list[NamedNode] | None) -> bool:
    """An on-disk store (not a remote or shared one), a large refresh, a spare core."""
    from claimgraph.graph.store import ClaimStore

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return (type(store) is ClaimStore and store.path is not None and not store.read_only and cores > 1
            and (versions is None or len(versions) >= MIN_VERSIONS))


def start(store, module: str, versions: list[NamedNode] | None) -> Helper:
    """Run ``module``'s refresh in a helper process on a read-only view of ``store``."""
    context = multiprocessing.get_context("spawn")  # a fork would share the open store's RocksDB state
    errors, report = context.Pipe(duplex=False)
    process = context.Process(target=_refresh, name=f"claimgraph-{module}", daemon=True,
                              args=(str(store.path), module, None if versions is None else [v.value for v in versions],
                                    report))
    process.start()
    report.close()
    return Helper(module, process, errors)


def _refresh(path: str, module: str, versions: list[str] | None, report) -> None:
    from claimgraph.graph.store import ClaimStore

    try:
        store = ClaimStore(path, read_only=True)
        importlib.import_module(f"claimgraph.graph.{module}").refresh(
            store, None if versions is None else [NamedNode(v) for v in versions])
    except BaseException as exc:  # noqa: BLE001 - reported to the refresh, which fails with it
        report.send(f"{module} refresh in a helper process: {type(exc).__name__}: {exc}")
        raise SystemExit(1) from None
    finally:
        report.close()
