"""`claimgraph export sources`: the stored sources for reference managers."""

from __future__ import annotations

import click

from claimgraph.graph.source_export import FORMATS


@click.command("sources")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ris", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              show_default=True, help="File to write ('-' for stdout).")
@click.pass_obj
def export_sources_command(ctx, fmt: str, output: str) -> None:
    """Every titled source (studies, guidelines, drug labels) as BibTeX, RIS or CSL-JSON."""
    from claimgraph.graph.source_export import export_sources

    text = export_sources(ctx.store(read_only=True), fmt)
    if output == "-":
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote {fmt} to {output}", err=True)
