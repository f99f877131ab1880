"""Every SPARQL query claimgraph runs is a ``.rq`` file in this folder.

Queries take their parameters as SPARQL variables bound at run time
(pyoxigraph substitutions: a bound variable must be in the SELECT projection)
(``ClaimStore.select(name, var=value)``), never by string building. A query
that takes a list of IRIs has a ``#VALUES ?name`` line instead, filled by
``with_iri_values``: every IRI goes through pyoxigraph's ``NamedNode``, which
rejects what is not an IRI and writes the rest escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Iterable

from pyoxigraph import NamedNode

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_VALUES_LINE = re.compile(r"^([ \t]*)#VALUES \?([A-Za-z_][A-Za-z0-9_]*)[ \t]*$", re.MULTILINE)


def is_name(text: str) -> bool:
    return bool(_NAME.match(text))


@lru_cache(maxsize=None)
def get(name: str) -> str:
    """The text of ``<name>.rq``; KeyError names the missing file."""
    if not is_name(name):
        raise KeyError(f"not a query name: {name!r}")
    path = resources.files(__name__).joinpath(f"{name}.rq")
    if not path.is_file():
        raise KeyError(f"no query file {name}.rq in claimgraph.graph.queries")
    return path.read_text(encoding="utf-8")


def resolve(name_or_sparql: str) -> str:
    """A query name's text, or SPARQL text as it is."""
    return get(name_or_sparql) if is_name(name_or_sparql) else name_or_sparql


def names() -> list[str]:
    return sorted(p.name[:-3] for p in resources.files(__name__).iterdir() if p.name.endswith(".rq"))


def with_iri_values(name_or_sparql: str, **iris: Iterable[str | NamedNode]) -> str:
    """The query with each ``#VALUES ?var`` line replaced by ``VALUES ?var { <iri> … }``
    (sorted, without repeats). ValueError for a value that is not an IRI, and for a
    placeholder without values or values without a placeholder."""
    text = resolve(name_or_sparql)
    terms = {var: " ".join(sorted({str(iri if isinstance(iri, NamedNode) else NamedNode(iri))
                                   for iri in values}))
             for var, values in iris.items()}
    found = set()

    def block(match: re.Match) -> str:
        indent, var = match.groups()
        if var not in terms:
            raise ValueError(f"no IRIs given for #VALUES ?{var}")
        found.add(var)
        return f"{indent}VALUES ?{var} {{ {terms[var]} }}"

    text = _VALUES_LINE.sub(block, text)
    if set(terms) - found:
        raise ValueError(f"no #VALUES line for {sorted(set(terms) - found)}")
    return text
