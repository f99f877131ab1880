"""What every ``claimgraph`` command shares: the store, opened lazily, and what to say when
it cannot be opened. Command modules import this, never ``commands`` (which imports them)."""

from __future__ import annotations

from pathlib import Path

import click

from claimgraph.graph.store import STORE_ENV, ClaimStore, default_store_path, open_store


class Context:
    """The store is opened lazily: ``--help`` and usage errors never touch it."""

    def __init__(self, store_path: str | None):
        self.store_path = store_path
        self._store: ClaimStore | None = None

    @property
    def location(self) -> str:
        return str(self.store_path or default_store_path())

    def store(self, read_only: bool = False, *, instead: str | None = None) -> ClaimStore:
        """The store for writing, or a read-only snapshot for commands that only read.

        A reader opens read-only, so that queries, stats and exports work while
        ``claimgraph serve`` holds the store's write lock; a reader given a path that
        holds no store is refused (a mistyped --store would otherwise be created empty
        and read as zeros). ``instead`` is what to do while another process holds the
        store (the command that works then), said in the lock error.
        """
        if self._store is None:
            from claimgraph.graph.store.remote import is_remote

            remote = is_remote(self.location)
            if read_only and not remote:
                self._check_is_store()
            try:
                self._store = open_store(self.location, read_only=read_only)
            except OSError as exc:
                if read_only and not remote:  # a folder of something else
                    raise click.ClickException(f"{self.location} is not a claimgraph store ({exc}); "
                                               f"{_WHERE_STORES_ARE}") from None
                hint = ""
                if "lock" in str(exc).lower():
                    hint = (" (another claimgraph process, such as a running 'claimgraph serve', is "
                            f"writing to it: {instead or 'stop that process first'})")
                elif _disk_full(exc):
                    hint = " (the disk holding the store is full: free space and run the command again)"
                raise click.ClickException(f"cannot open the store at {self.location}: {exc}{hint}") from None
            if not read_only:
                self._store.ensure_static_graphs()
        return self._store

    def _check_is_store(self) -> None:
        path = Path(self.location)
        if not path.exists():
            raise click.ClickException(f"no store at {path}: nothing has been loaded there; "
                                       f"{_WHERE_STORES_ARE}")
        if not path.is_dir():
            raise click.ClickException(f"{path} is a file, not a store folder; {_WHERE_STORES_ARE}")


# What a reader refused for a path that is not a store says next.
_WHERE_STORES_ARE = (f"check --store (or ${STORE_ENV}; default {default_store_path()}), "
                     "or create one with 'claimgraph load FILES'")
# What works while a running server holds the store (the lock error says it).
LOAD_INSTEAD = ("load through it instead: claimgraph load --server http://HOST:PORT FILES, with the server's "
                "load token in $CLAIMGRAPH_LOAD_TOKEN (set it when starting the server)")


pass_ctx = click.make_pass_decorator(Context)


def _disk_full(exc: BaseException) -> bool:
    from claimgraph.graph.store.disk import is_disk_full

    return is_disk_full(exc)
