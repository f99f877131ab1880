"""`claimgraph export sources`: the stored sources for reference managers."""

from __future__ import annotations

import click

from claimgraph.graph.exports.source_export import FORMATS


@click.command("sources")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ris", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              show_default=True, help="File to write ('-' for stdout).")
@click.pass_obj
def export_sources_command(ctx, fmt: str, output: str) -> None:
    """Every titled source (studies, guidelines, drug labels) as BibTeX, RIS or CSL-JSON."""
    from claimgraph.graph.exports.source_export import stored_sources, write_rows

    rows = stored_sources(ctx.store(read_only=True))
    if not rows:  # an empty file saying "wrote bibtex" looked like success
        raise click.ClickException(f"nothing to export: the store at {ctx.location} holds no titled source "
                                   "(load articles or source records first); nothing written")
    text = write_rows(rows, fmt)
    if output == "-":
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote {len(rows)} source(s) as {fmt} to {output}", err=True)
