"""``claimgraph export audit`` and ``claimgraph review``: the audit trail on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from claimgraph.context import Context, pass_ctx


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


# Where a reviewer finds a claim's names; said whenever one is not found.
CLAIM_HINT = ("give the claim's IRI (https://w3id.org/claimgraph/id/article/.../claim-N), its page URL "
              "(http://HOST:PORT/id/article/.../claim-N: an article page links each claim to its page), "
              "or ARTICLE-KEY/claim-N for the article's current version (the key is what follows "
              "/id/article/ in the article page's URL)")
# While a server holds the store, verdicts go through its review form.
REVIEW_INSTEAD = ("record the verdict in the browser instead: log in at http://HOST:PORT/reviews with a "
                  "reviewer token, then use the review form on the claim's page")


def claim_iri_for(store, reference: str) -> str:
    """The claim IRI a reviewer means: an IRI, the claim's page URL (``…/id/<rest>``),
    ``article/KEY/claim-N`` or ``KEY/claim-N`` (the current version's claim N)."""
    from urllib.parse import unquote, urlsplit

    from claimgraph.graph.rdf.namespaces import ID
    from claimgraph.graph.read.pages_article import current_version

    text = reference.strip()
    if text.startswith(str(ID)):
        return text
    url = urlsplit(text)
    if url.scheme in ("http", "https") and "/id/" in url.path:  # a page of this app, wherever served
        return str(ID) + unquote(url.path.split("/id/", 1)[1])
    if url.scheme:
        return text  # some other IRI: the store says whether it knows it
    rest = text.strip("/").removeprefix("article/")
    key, slash, claim = rest.rpartition("/")
    if not slash or not claim.startswith("claim-"):
        raise click.ClickException(f"{reference!r} is not a claim's IRI, page URL or ARTICLE-KEY/claim-N; "
                                   + CLAIM_HINT)
    if "/v-" in f"/{key}":  # a version given: that version's claim
        return f"{ID}article/{rest}"
    try:
        version = current_version(store, f"{ID}article/{key}")
    except ValueError:  # not even a valid IRI ("a b/claim-1")
        version = None
    if version is None:
        raise click.ClickException(f"no article {key!r} in the store; " + CLAIM_HINT)
    return f"{version}/{claim}"


@click.command("review")
@click.argument("claim", metavar="CLAIM")
@click.option("--verdict", required=True,
              type=click.Choice(["supported", "partly-supported", "not-supported", "needs-source"]))
@click.option("--note", default="", help="What the reviewer found.")
@click.option("--reviewer", required=True, metavar="NAME", help="Who gives the verdict.")
@click.option("--source", "sources", multiple=True, metavar="IRI", help="A source looked at; repeatable.")
@pass_ctx
def review(ctx: Context, claim: str, verdict: str, note: str, reviewer: str, sources) -> None:
    """Record a verdict on CLAIM (kept in its own named graph; earlier verdicts stay).

    CLAIM is the claim's IRI, its page URL (http://HOST:PORT/id/article/.../claim-N) or
    ARTICLE-KEY/claim-N (claim N of the article's current version).
    """
    from claimgraph.graph.write.reviews import ReviewError, record_verdict

    store = ctx.store(instead=REVIEW_INSTEAD)
    claim_iri = claim_iri_for(store, claim)
    try:
        recorded = record_verdict(store, claim_iri, verdict, reviewer, note, list(sources))
    except ReviewError as exc:
        hint = f"; {CLAIM_HINT}" if str(exc).startswith(("no claim", "not an IRI")) else ""
        raise click.ClickException(f"{exc}{hint}") from None
    click.echo(f"recorded {recorded.verdict} by {recorded.reviewer} at {recorded.time}: {recorded.iri}")
