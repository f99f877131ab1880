"""``claimgraph export audit`` and ``claimgraph review``: the audit trail on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from claimgraph.commands import Context, pass_ctx


@click.command("audit")
@click.option("--article", "articles", multiple=True, metavar="IRI",
              help="Article (work: its current version) or article version IRI; repeatable. Default: all.")
@click.option("--source", "sources", multiple=True, metavar="IRI", help="Articles citing this source; repeatable.")
@click.option("--concept", "concepts", multiple=True, metavar="IRI",
              help="Articles mentioning this condition or drug; repeatable.")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["csv", "xlsx", "jsonld", "trig", "nanopub", "html"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write; its manifest goes to FILE.manifest.json.")
@pass_ctx
def export_audit(ctx: Context, articles, sources, concepts, fmt: str, output: str) -> None:
    """Claims, citations, findings and verdicts of the selected articles, with a manifest."""
    from tqdm import tqdm

    from claimgraph.graph.exports import ExportError, Selection, export, manifest_path

    store = ctx.store(read_only=True)
    selection = Selection(list(articles), list(sources), list(concepts))
    bar = None

    def start(total: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="article", file=sys.stderr, disable=None if total > 1 else True)

    try:
        manifest = export(store, selection, fmt, output, progress=lambda _v: bar.update(1),
                          on_versions=start)
    except (ExportError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    click.echo(f"wrote {output} ({manifest['counts']['articles']} article(s), sha256 {manifest['sha256']}); "
               f"manifest {manifest_path(Path(output))}", err=True)


@click.command("review")
@click.argument("claim_iri")
@click.option("--verdict", required=True,
              type=click.Choice(["supported", "partly-supported", "not-supported", "needs-source"]))
@click.option("--note", default="", help="What the reviewer found.")
@click.option("--reviewer", required=True, metavar="NAME", help="Who gives the verdict.")
@click.option("--source", "sources", multiple=True, metavar="IRI", help="A source looked at; repeatable.")
@pass_ctx
def review(ctx: Context, claim_iri: str, verdict: str, note: str, reviewer: str, sources) -> None:
    """Record a verdict on a claim (kept in its own named graph; earlier verdicts stay)."""
    from claimgraph.graph.reviews import ReviewError, record_verdict

    try:
        recorded = record_verdict(ctx.store(), claim_iri, verdict, reviewer, note, list(sources))
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"recorded {recorded.verdict} by {recorded.reviewer} at {recorded.time}: {recorded.iri}")
