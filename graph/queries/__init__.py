"""Every SPARQL query claimgraph runs is a ``.rq`` file in this folder.

Queries take their parameters as SPARQL variables bound at run time
(pyoxigraph substitutions: a bound variable must be in the SELECT projection)
(``ClaimStore.select(name, var=value)``), never by string building.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


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
