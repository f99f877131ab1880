"""What a load says about each file, on the terminal or as JSON: one place for the
``load`` command and ``load --server``."""

from __future__ import annotations

import json
import sys

import click


def report_outcomes(outcomes, as_json: bool, where: str) -> None:
    """Print per-file outcomes (or JSON); exit 1 when any file failed."""
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        click.echo(json.dumps([_outcome_dict(o) for o in outcomes], indent=2))
    else:
        for outcome in outcomes:
            _print_outcome(outcome)
        click.echo(f"{len(outcomes)} file(s), {len(failed)} with errors; {where}")
    if failed:
        sys.exit(1)


def _outcome_dict(outcome) -> dict:
    return {"path": outcome.path, "format": outcome.format, "ok": outcome.ok, "sources": outcome.sources,
            "records": outcome.records, "graphs": outcome.graphs,
            "errors": outcome.errors, "warnings": outcome.warnings,
            "articles": [vars(a) for a in outcome.articles]}


def record_count(outcome) -> str | None:
    """"N of M records stored" for a file of records (an ERROR file that stored some says so)."""
    if outcome.records is None:
        return f"{outcome.sources} source record(s) stored" if outcome.sources else None
    text = f"{outcome.sources} of {outcome.records} records stored"
    if not outcome.ok:
        refused = outcome.records - outcome.sources
        text += (f"; {refused} refused, each named below" if refused else "") + (
            "; the stored records are kept" if outcome.sources else "")
    return text


def _print_outcome(outcome) -> None:
    status = "ok" if outcome.ok else "ERROR"
    count = record_count(outcome)
    click.echo(f"{outcome.path} [{outcome.format or '?'}] {status}" + (f": {count}" if count else ""))
    for a in outcome.articles:
        click.echo(f"  {a.status:<11} {a.claims} claims, {a.citations} citations, {a.references} references, "
                   f"{a.mentions} mentions, {len(a.warnings)} warnings: {a.title[:70]}")
        for warning in a.warnings:
            click.echo(f"    warning: {warning}")
    for graph, triples in outcome.graphs.items():
        click.echo(f"  {triples} triple(s) into graph <{graph}>")
    for warning in outcome.warnings:
        click.echo(f"  warning: {warning}")
    for error in outcome.errors:
        click.echo(f"  error: {error}", err=True)
