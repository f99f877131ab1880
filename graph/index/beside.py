"""A deriving module run in a helper process, beside the one the refresh runs meanwhile.

A large refresh (a bulk load's part of 1 000 articles, ``reindex``) spends most of its
time in two modules that do not depend on each other: the findings (which write
findings graphs into the store) and the search index (which reads the store and writes
only the index file). On a machine with a spare core the search index is refreshed in
a helper process while this process derives the findings; the refresh waits for the
helper before the modules that read both (the findings lists).

The helper reads a checkpoint of the store taken when it starts (RocksDB's hard-linked
copy, ``Store.backup``: milliseconds), not the live store: it sees exactly the writes
made before it started, and nothing this process writes meanwhile (the findings,
table files compacted away) can pull its view from under it. It writes the live
store's index file. It dies with this process (``die_with_parent``), and a checkpoint
left by a killed load is removed by the next helper's start.

A helper that fails or dies makes the refresh fail like a module that raised: the
change notes stay, and the next ``catch_up`` does it again. One that cannot be started
at all leaves the module to run in this process, in its turn.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

log = logging.getLogger("claimgraph.derived")

# Module that may run in a helper -> the module it runs beside. Only modules that write
# nothing into the store qualify: a helper reads a read-only checkpoint.
BESIDE = {"index.search": "rules.findings"}
# Fewer versions than this are refreshed in this process: starting a helper (a new
# interpreter importing claimgraph) costs about half a second.
MIN_VERSIONS = 200
CHECKPOINT_PREFIX = ".checkpoint-"  # <store>/.checkpoint-<pid>-<random>
MESSAGE_LIMIT = 2_000  # characters of a helper's error sent back (a pipe holds 64 kB)


@dataclass
class Helper:
    module: str
    process: multiprocessing.process.BaseProcess
    errors: object  # the read end of a pipe: the helper's error text, if it failed
    checkpoint: Path

    def wait(self) -> None:
        """Wait for the helper; RuntimeError with its error if it failed or died."""
        try:
            message = self.errors.recv()  # before join: a helper blocked sending must not wait on us
        except EOFError:  # closed without a word: it succeeded, or died before it could say
            message = None
        self.process.join()
        self.stop()
        if self.process.exitcode != 0 or message:
            raise RuntimeError(message or f"{self.module} refresh in a helper process died "
                                          f"(exit code {self.process.exitcode})")

    def stop(self) -> None:
        """Kill it if it still runs; remove its checkpoint."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.errors.close()
        shutil.rmtree(self.checkpoint, ignore_errors=True)


def worth_a_helper(store, versions: list[NamedNode] | None) -> bool:
    """A store of this process on disk (not remote, not shared between request
    processes: ``writing``), a large refresh, a spare core."""
    from claimgraph.loaders.child_processes import usable_cores

    return (getattr(store, "path", None) is not None and not store.read_only and hasattr(store, "checkpoint")
            and getattr(store, "writing", None) is None and usable_cores() > 1
            and (versions is None or len(versions) >= MIN_VERSIONS))


def start(store, module: str, versions: list[NamedNode] | None) -> Helper | None:
    """Run ``module``'s refresh in a helper process on a checkpoint of ``store``; None
    (logged) when no helper could be started: the caller runs the module itself."""
    _remove_orphaned_checkpoints(Path(store.path))
    checkpoint = Path(tempfile.mkdtemp(prefix=f"{CHECKPOINT_PREFIX}{os.getpid()}-", dir=store.path))
    try:
        checkpoint.rmdir()  # the engine makes the folder itself
        store.checkpoint(checkpoint)
        context = multiprocessing.get_context("spawn")  # a fork would share the open store's RocksDB state
        errors, report = context.Pipe(duplex=False)
        process = context.Process(
            target=_refresh, name=f"claimgraph-{module}", daemon=True,
            args=(os.getpid(), str(store.path), str(checkpoint), module,
                  None if versions is None else [v.value for v in versions], report))
        process.start()
    except OSError as exc:
        shutil.rmtree(checkpoint, ignore_errors=True)
        log.warning("%s refreshed in this process: no helper process (%s)", module, exc)
        return None
    report.close()
    return Helper(module, process, errors, checkpoint)


def _remove_orphaned_checkpoints(folder: Path) -> None:
    """Checkpoints whose process is gone (a killed load): hard links that would keep
    table files the store has compacted away."""
    for entry in folder.glob(f"{CHECKPOINT_PREFIX}*"):
        pid = entry.name[len(CHECKPOINT_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


def _refresh(parent: int, path: str, checkpoint: str, module: str, versions: list[str] | None, report) -> None:
    from claimgraph.graph.store import ClaimStore
    from claimgraph.loaders.child_processes import die_with_parent

    try:
        if not die_with_parent(parent):
            raise SystemExit(1)
        store = ClaimStore(checkpoint, read_only=True)
        store.path = Path(path)  # the live store's folder: where its index file is (graph/index)
        importlib.import_module(f"claimgraph.graph.{module}").refresh(
            store, None if versions is None else [NamedNode(v) for v in versions])
    except BaseException as exc:  # noqa: BLE001 - reported to the refresh, which fails with it
        report.send(f"{module} refresh in a helper process: {type(exc).__name__}: {exc}"[:MESSAGE_LIMIT])
        raise SystemExit(1) from None
    finally:
        report.close()
