"""``claimgraph reindex``: rebuild the search index and every other derived
data set from the store, and say how far the index had drifted from it."""

from __future__ import annotations

import json
import sys

import click

# While a server holds the store: it keeps the index in step after each load through it.
REINDEX_INSTEAD = ("stop it, run reindex, then start it again (the server keeps the index in step "
                   "after every load through it, so it seldom needs one)")


def _print_drift(title: str, report: dict) -> None:
    click.echo(title)
    for kind, row in report.items():
        click.echo(f"  {kind + 's':<9} store {row['store']:>7}  index {row['index']:>7}  "
                   f"missing {row['missing']:>6}  extra {row['extra']:>6}")


@click.command()
@click.option("--check", is_flag=True, help="Only report drift; change nothing (exit 1 if drifted).")
@click.option("--json", "as_json", is_flag=True, help="Print the drift reports as JSON.")
@click.pass_obj
def reindex(ctx, check: bool, as_json: bool) -> None:
    """Rebuild the search index and derived data from the store; report drift."""
    from claimgraph.graph.index import derived
    from claimgraph.graph.index import search

    store = ctx.store(instead=REINDEX_INSTEAD)
    before = search.drift(store)
    after = None
    if not check:
        derived.rebuild(store)
        store.flush()
        after = search.drift(store)
    if as_json:
        click.echo(json.dumps({"before": before, "after": after, "index": str(search.index_path(store))},
                              indent=2))
    else:
        _print_drift("Search index before:" if not check else "Search index:", before)
        if after is not None:
            _print_drift("After rebuilding:", after)
        click.echo(f"index: {search.index_path(store)}")
    if not search.in_step(after or before):
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.pass_obj
def check(ctx, as_json: bool) -> None:
    """Compare the derived data (search and list index, findings, statistics, evidence
    levels) with a rebuild from the store's quads; exit 1 when they differ."""
    from claimgraph.graph.index import check as checking
    from claimgraph.graph.index import derived

    store = ctx.store()
    derived.catch_up(store, raise_errors=False)  # what a killed load left is not drift
    differences = checking.compare(store)
    if as_json:
        click.echo(json.dumps([{"part": d.part, "missing": d.missing, "extra": d.extra} for d in differences],
                              indent=2))
    elif not differences:
        click.echo("derived data in step with the store")
    else:
        click.echo("derived data differs from a rebuild from the store:")
        for difference in differences:
            click.echo(difference.describe())
        click.echo("`claimgraph reindex` rebuilds it")
    if differences:
        sys.exit(1)


@click.command()
@click.argument("dump", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Put the dump in place of what the store holds (default: the "
              "store must be empty).")
@click.pass_obj
def restore(ctx, dump: str, replace: bool) -> None:
    """Restore a dump written by `claimgraph export dump` (N-Quads or TriG) and rebuild the
    derived data (search, lists, findings, statistics) from it."""
    from claimgraph.graph.write.restore import RestoreError, restore as restore_dump

    store = ctx.store()
    try:
        quads = restore_dump(store, dump, replace=replace)
    except RestoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {dump}: {quads} quads; derived data rebuilt; store: {ctx.location}")


@click.command()
@click.pass_obj
def upgrade(ctx) -> None:
    """Bring a store written by an older claimgraph to this release's data model (each
    source described once) and rebuild the derived data. Safe to run again."""
    from claimgraph.graph.write.restore import upgrade as upgrade_store

    store = ctx.store()
    changed = upgrade_store(store)
    click.echo(f"{'upgraded' if changed else 'already current'}: {ctx.location}")
