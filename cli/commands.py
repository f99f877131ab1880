"""The ``claimgraph`` command line.

Each command is a thin shell over ``claimgraph.loaders`` and ``claimgraph.graph``:
it parses options, calls them, and prints. Exit codes: 0 success, 1 some input
or check failed, 2 usage error (click's).
"""

from __future__ import annotations

import json
import sys

import click

from claimgraph import __version__
from claimgraph.context import LOAD_INSTEAD, Context, _disk_full, pass_ctx  # noqa: F401 - LOAD_INSTEAD for callers
from claimgraph.outcomes import report_outcomes
from claimgraph.graph.store import STORE_ENV


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_path", envvar=STORE_ENV, metavar="PATH",
              help=f"Store folder, or a SPARQL 1.1 server as sparql+http://host:port/path (credentials: "
                   f"$CLAIMGRAPH_SPARQL_USER/_PASSWORD) (default: ${STORE_ENV}, else "
                   f"$XDG_DATA_HOME/claimgraph/store).")
@click.version_option(__version__, prog_name="claimgraph")
@click.pass_context
def main(click_ctx: click.Context, store_path: str | None) -> None:
    """claimgraph: which evidence supports this statement?"""
    click_ctx.obj = Context(store_path)


# -- load ----------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--vocab", "vocab_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Add a vocabulary (SKOS, claimgraph TSV, a BC5CDR mention table or an SSSOM mapping set) "
                   "to the store's user vocabulary; repeatable.")
@click.option("--format", "input_format", default=None, help="Force an input format (default: by content).")
@click.option("--json", "as_json", is_flag=True, help="Print the per-file summary as JSON.")
@click.option("--refs", "refs_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Marker -> source map (YAML) for the one ARTICLE given; default: ARTICLE.refs.yaml beside it.")
@click.option("--server", "server_url", default=None, metavar="URL",
              help="Post the files to a running 'claimgraph serve' at URL (its POST /load) instead of "
                   "opening the store, which the server holds.")
@click.option("--token-env", default="CLAIMGRAPH_LOAD_TOKEN", show_default=True, metavar="NAME",
              help="With --server: the environment variable holding the server's load token.")
@click.option("--graph", "graph", default=None, metavar="IRI",
              help="Plain RDF files (.ttl .nt .nq .trig .rdf .jsonld) go into this named graph "
                   "(default: one named after each file); loading a file again replaces its graph.")
@click.option("--group-articles", type=click.IntRange(min=1), default=None, metavar="N",
              help="Articles written per transaction (default 100; 1 000 in bulk): smaller groups lose less "
                   "to a crash, larger ones load faster.")
@click.option("--bulk/--no-bulk", default=None,
              help="Write through the engine's bulk loader (each group still all or nothing) or through "
                   "transactions. Default: in bulk for 50 files or more into a store on this machine.")
@pass_ctx
def load(ctx: Context, paths: tuple[str, ...], vocab_files: tuple[str, ...], input_format: str | None,
         as_json: bool, refs_file: str | None, server_url: str | None, token_env: str,
         group_articles: int | None, graph: str | None, bulk: bool | None) -> None:
    """Load article, source and label files (or folders of them) into the store."""
    if server_url:
        from claimgraph.remote_load_cli import load_through_server

        if vocab_files or refs_file:
            raise click.UsageError("--vocab and --refs act on the store itself; they cannot go through --server")
        return load_through_server(server_url, paths, token_env=token_env, input_format=input_format,
                                   as_json=as_json)
    from claimgraph.graph.write.batch import load_files
    from claimgraph.graph.write.vocabulary import add_user_vocabularies
    from claimgraph.loaders.errors import LoaderError

    store = ctx.store(instead=LOAD_INSTEAD)
    try:
        if vocab_files:
            for note in add_user_vocabularies(store, vocab_files):
                click.echo(f"vocabulary: {note}")
        outcomes = load_files(store, paths, input_format=input_format, refs_file=refs_file, progress=True,
                              group_articles=group_articles, graph=graph, bulk=bulk)
    except LoaderError as exc:  # names the vocabulary file and line
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        if not _disk_full(exc):
            raise
        _report_disk_full(store, paths, exc, ctx.location)
    report_outcomes(outcomes, as_json, f"store: {ctx.location}")


def _report_disk_full(store, paths, exc: OSError, location: str) -> None:
    """A load stopped by a full disk: which files are in the store, and why the rest are
    not (instead of a traceback). Exits 1."""
    from claimgraph.graph.store.disk import files_in_store
    from claimgraph.loaders import iter_input_files

    files = list(iter_input_files(paths))
    try:
        present = files_in_store(store, files)
    except Exception:  # cannot even read: say nothing is known to be in
        present = {}
    for path in files:
        click.echo(f"{path}: {'in the store' if present.get(path) else 'NOT LOADED (disk full)'}")
    loaded = sum(1 for path in files if present.get(path))
    click.echo(f"{len(files)} file(s), {len(files) - loaded} not loaded; store: {location}")
    click.echo(f"error: the disk holding the store is full ({exc}). Nothing stored before was lost. Free "
               "space and run the same load again: files already in the store are skipped as unchanged.", err=True)
    sys.exit(1)


# -- query ---------------------------------------------------------------------
RESULT_FORMATS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}
GRAPH_FORMATS = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "rdfxml": "RDF_XML", "jsonld": "JSON_LD"}


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file ('-': stdin).")
@click.option("--format", "fmt", default=None,
              type=click.Choice(sorted(RESULT_FORMATS) + sorted(GRAPH_FORMATS) + ["table"]),
              help="Output format (default: table for SELECT, turtle for CONSTRUCT).")
@pass_ctx
def query(ctx: Context, sparql: str | None, query_file, fmt: str | None) -> None:
    """Run a SPARQL query against the store (default graph = union of all graphs)."""
    import pyoxigraph

    if query_file is not None:
        sparql = query_file.read()
    if not sparql:
        raise click.UsageError("give a query, or --file")
    store = ctx.store(read_only=True)
    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise click.ClickException(f"query syntax: {exc}") from None
    out = sys.stdout.buffer
    if isinstance(result, bool) or isinstance(result, pyoxigraph.QueryBoolean):
        if fmt in RESULT_FORMATS:
            result.serialize(out, getattr(pyoxigraph.QueryResultsFormat, RESULT_FORMATS[fmt]))
        else:
            click.echo("true" if result else "false")
    elif isinstance(result, pyoxigraph.QuerySolutions):
        if fmt in (None, "table"):
            _print_table(result)
        elif fmt in RESULT_FORMATS:
            result.serialize(out, getattr(pyoxigraph.QueryResultsFormat, RESULT_FORMATS[fmt]))
        else:
            raise click.UsageError(f"--format {fmt} is for CONSTRUCT/DESCRIBE results")
    else:
        if fmt in RESULT_FORMATS or fmt == "table":
            raise click.UsageError(f"--format {fmt} is for SELECT/ASK results")
        rdf_format = getattr(pyoxigraph.RdfFormat, GRAPH_FORMATS[fmt or "turtle"])
        result.serialize(out, rdf_format)
    out.flush()


def _print_table(result) -> None:
    from claimgraph.graph.store import python_value

    names = [v.value for v in result.variables]
    rows = [["" if row[n] is None else str(python_value(row[n])) for n in names] for row in result]
    widths = [min(60, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]
    click.echo("  ".join(n.ljust(w) for n, w in zip(names, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(cell[:w].ljust(w) for cell, w in zip(row, widths)))
    click.echo(f"({len(rows)} rows)")


# -- stats, validate -----------------------------------------------------------
@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_ctx
def stats(ctx: Context, as_json: bool) -> None:
    """Articles, claims, sources, mentions and uncited claims in the store."""
    row = ctx.store(read_only=True).select("stats")[0]
    counts = {k: (v or 0) for k, v in row.items()}
    if as_json:
        click.echo(json.dumps(counts, indent=2))
        return
    for name, value in counts.items():
        click.echo(f"{name.replace('_', ' '):<20} {value}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def validate(ctx: Context, as_json: bool) -> None:
    """Check the whole graph against the SHACL shapes in ontology/."""
    from claimgraph.graph.rdf.validation import validate_store

    report = validate_store(ctx.store(read_only=True))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(report.text())
    if not report.conforms:
        sys.exit(1)


# -- export ----------------------------------------------------------------------
@main.group()
def export() -> None:
    """Export the store or selections of it."""


DUMP_FORMATS = {"nquads": "N_QUADS", "trig": "TRIG"}


@export.command("dump")
@click.option("--format", "fmt", type=click.Choice(sorted(DUMP_FORMATS)), default="nquads", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write ('-' for stdout).")
@pass_ctx
def export_dump(ctx: Context, fmt: str, output: str) -> None:
    """The whole store, every named graph, for backups and other stores."""
    import pyoxigraph

    store = ctx.store(read_only=True)
    rdf_format = getattr(pyoxigraph.RdfFormat, DUMP_FORMATS[fmt])
    if output == "-":
        store.dump(sys.stdout.buffer, rdf_format)
    else:
        with open(output, "wb") as handle:
            store.dump(handle, rdf_format)
        click.echo(f"wrote {len(store)} quads to {output}", err=True)


from claimgraph import audit_cli  # noqa: E402  (audit: export audit, review)
export.add_command(audit_cli.export_audit); main.add_command(audit_cli.review)
from claimgraph.index_cli import check, reindex, restore, upgrade  # noqa: E402  (derived data, restore)
main.add_command(reindex)
main.add_command(check)
main.add_command(restore)
main.add_command(upgrade)

from claimgraph import serve_cli  # noqa: E402  (serve, demo)
main.add_command(serve_cli.serve); main.add_command(serve_cli.demo)
from claimgraph import sources_cli  # noqa: E402  (export sources)
export.add_command(sources_cli.export_sources_command)
from claimgraph import resolve_cli  # noqa: E402  (resolve)
main.add_command(resolve_cli.resolve)

if __name__ == "__main__":  # pragma: no cover
    main()
