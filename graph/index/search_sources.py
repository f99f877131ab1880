"""How the search index describes a source from what the graphs say of it.

A source is described by its record (the sources graph, rank 0) and again by
every article version citing it (rank 1), and those may differ. Each field takes
the record's value when it has one, else the smallest any article gives;
authors are the record's when it names any, else every article's; the
resolution is "resolved" when any graph says so. (Rows: search-source-fields.rq.)

A popular source is cited by thousands of articles, so reading them all again at
every load would make each load cost more than the last. The index keeps instead
what the articles said so far (``Described``, reduced: the smallest value of each
single-valued field, every author and resolution), and a load of new versions
merges in what those versions' graphs say: the same choice as reading them all,
because the smallest of a union is the smallest of the smallest.
"""

from __future__ import annotations

from typing import Iterable

from claimgraph.graph.rdf.namespaces import CG

# Fields with one value (the smallest); the others keep every value.
SINGLE_FIELDS = ("title", "kind", "level", "org", "entry", "label", "journal", "year", "doi",
                 "pmid", "basis")
_RESOLUTION_SCORES = {CG.Resolved.value: 2, CG.Unresolved.value: 1}

Described = dict[str, set[str]]  # field -> values


def collect(rows: Iterable[dict]) -> tuple[dict[str, Described], dict[str, Described]]:
    """Rows of search-source-fields.rq as (records, articles): per source, reduced."""
    parts: tuple[dict[str, Described], dict[str, Described]] = ({}, {})
    for row in rows:
        part = parts[0] if row["rank"] == 0 else parts[1]
        part.setdefault(row["source"], {}).setdefault(row["field"], set()).add(row["text"])
    for part in parts:
        for described in part.values():
            _reduce(described)
    return parts


def merged(old: Described | None, new: Described | None) -> Described:
    """What two sets of graphs say together (both reduced)."""
    together: Described = {field: set(values) for field, values in (old or {}).items()}
    for field, values in (new or {}).items():
        together.setdefault(field, set()).update(values)
    return _reduce(together)


def _reduce(described: Described) -> Described:
    for field in SINGLE_FIELDS:
        if described.get(field):
            described[field] = {min(described[field])}
    return described


def is_source(record: Described | None, articles: Described | None) -> bool:
    return "source" in (record or {}) or "source" in (articles or {})


def source_row(source: str, record: Described | None, articles: Described | None) -> dict:
    """The source's fields as ``search.source_title`` and the index's documents read them."""
    record, articles = record or {}, articles or {}

    def value(field: str) -> str | None:
        chosen = record.get(field) or articles.get(field)
        return min(chosen) if chosen else None

    row = {field: value(field) for field in SINGLE_FIELDS}
    org = (row.pop("org") or "").split("\t")
    row["org"] = org[0] or None
    row["org_name"] = org[1] or None if len(org) > 1 else None
    row["org_short"] = org[2] or None if len(org) > 2 else None
    authors = {a for a in record.get("author", ()) if a} or {a for a in articles.get("author", ()) if a}
    row["authors"] = "; ".join(sorted(authors)) or None
    score = max((_RESOLUTION_SCORES.get(state, 0)
                 for state in record.get("resolution", set()) | articles.get("resolution", set())), default=0)
    row["resolution"] = {2: "resolved", 1: "unresolved"}.get(score)
    row["source"] = source
    return row
