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
    from claimgraph.graph import derived, search

    store = ctx.store(instead=REINDEX_INSTEAD)
    before = search.drift(store)
    after = None
    if not check:
        derived.refresh_all(store, None)
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
