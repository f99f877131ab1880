"""``claimgraph resolve``: what an unresolved reference is, decided by a reviewer, or listed.

    claimgraph resolve REFERENCE SOURCE --reviewer NAME [--reject | --withdraw] [--note TEXT]
    claimgraph resolve --suggest [--format table|csv|json]

REFERENCE is the unresolved source node's IRI or the reference entry's (an article
version's ``…/ref-2``); SOURCE a stored record's IRI or ``doi:…``, ``pmid:…``,
``pmcid:…``, ``setid:…``. Decisions are recorded by graph/resolution/decisions.py.
"""

from __future__ import annotations

import csv
import json
import sys

import click

from claimgraph.context import Context, pass_ctx


@click.command("resolve")
@click.argument("reference", required=False)
@click.argument("source", required=False)
@click.option("--reject", "action", flag_value="reject", help="The reference is not SOURCE: stop suggesting it.")
@click.option("--withdraw", "action", flag_value="withdraw",
              help="Take back an earlier confirmation or rejection of SOURCE.")
@click.option("--note", default="", help="Why (kept with the decision).")
@click.option("--reviewer", default=None, metavar="NAME", help="Who decides (required to decide).")
@click.option("--suggest", is_flag=True, help="List every unresolved reference with its top candidates.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="With --suggest: the output format.")
@pass_ctx
def resolve(ctx: Context, reference: str | None, source: str | None, action: str | None, note: str,
            reviewer: str | None, suggest: bool, fmt: str) -> None:
    """Confirm (default), reject or withdraw what an unresolved REFERENCE is, or list suggestions."""
    if suggest:
        if reference or source or action:
            raise click.UsageError("--suggest takes no REFERENCE, SOURCE, --reject or --withdraw")
        from claimgraph.graph.resolution.report import COLUMNS, suggestion_rows

        _print(suggestion_rows(ctx.store(read_only=True)), COLUMNS, fmt)
        return
    if not (reference and source):
        raise click.UsageError("give REFERENCE and SOURCE, or --suggest")
    if not reviewer:
        raise click.UsageError("a decision needs --reviewer NAME")
    from claimgraph.graph.resolution.decisions import record_decision
    from claimgraph.graph.write.reviews import ReviewError

    try:
        recorded = record_decision(ctx.store(), reference, source, action or "confirm", reviewer, note)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    how = f" (suggested, score {recorded.score:.2f})" if recorded.score is not None else " (not a suggestion)"
    click.echo(f"recorded {recorded.action} of {recorded.source} for {recorded.reference}{how} "
               f"by {recorded.reviewer} at {recorded.time}: {recorded.iri}")


def _print(rows: list[dict], columns: list[str], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        last = None
        for row in rows:
            if row["article"] != last:
                click.echo(f"{row['article_title'] or row['article']}\n  <{row['article']}>")
                last = row["article"]
            title = row["candidate_title"] or row["candidate"]
            if row["status"] == "none":
                click.echo(f"  [{row['marker']}] no candidate: {row['compared']}")
            elif row["status"] == "confirmed":
                click.echo(f"  [{row['marker']}] confirmed: {row['candidate']}")
            else:
                click.echo(f"  [{row['marker']}] #{row['rank']} {row['score']} {row['basis']}: {title}\n"
                           f"        {row['reason']}")
        if not rows:
            click.echo("no unresolved references")
