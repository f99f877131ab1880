"""The same SPARQL text on every peer: claimgraph over HTTP, raw pyoxigraph and rdflib in process.

Parameters are written into the query as constants, the way a client asks about
one known IRI: each ``?name`` inside the WHERE group becomes the term, and a
``BIND(term AS ?name)`` closing the group keeps it in the answers. Every term is
written in N-Triples syntax by pyoxigraph (escaped, never pasted from input), so
each peer runs byte-identical text. (A VALUES block at the start of WHERE gives the
same rows, but pyoxigraph plans the query before joining the block: page-claims for
one version took 2.2 s with it on 1 700 articles, 1.5 ms with the IRI written in.)
Rows come back as sorted tuples of lexical values, which is what the correctness
gate compares.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from pyoxigraph import Literal, NamedNode

from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import PREFIXES

Row = tuple[str | None, ...]

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_PREFIX_LINES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def term(value: Any) -> NamedNode | Literal:
    if isinstance(value, (NamedNode, Literal)):
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return NamedNode(value)
    return Literal(str(value))


def sparql_text(name: str, bindings: dict[str, Any] | None = None) -> str:
    """``graph/queries/<name>.rq`` with ``bindings`` written in as constants."""
    text = queries.get(name)
    if bindings:
        text = _with_constants(text, {key: str(term(value)) for key, value in bindings.items()})
    return _PREFIX_LINES + text  # the endpoint and rdflib know none of claimgraph's prefixes


def _with_constants(text: str, constants: dict[str, str]) -> str:
    """Each bound ``?name`` of the WHERE group replaced by its term, then bound again at
    the group's end for the projection and ORDER BY. The queries of the mix have no
    sub-select projecting a bound name (which this would break)."""
    opening = _WHERE.search(text).end()
    closing = _group_end(text, opening)
    body = text[opening:closing]
    for name, value in constants.items():
        body = re.sub(rf"\?{re.escape(name)}(?![A-Za-z0-9_])", lambda _m, v=value: v, body)
    binds = "".join(f"  BIND({value} AS ?{name})\n" for name, value in constants.items())
    return f"{text[:opening]}{body}{binds}{text[closing:]}"


def _group_end(text: str, start: int) -> int:
    """Index of the ``}`` closing the group opened just before ``start`` (comments, IRIs
    and strings of the query files hold no braces that matter here, but are skipped)."""
    depth, position = 1, start
    skip = re.compile(r'#[^\n]*|<[^<>\s]*>|"(?:[^"\\]|\\.)*"')
    while position < len(text):
        found = skip.match(text, position)
        if found and (text[position] != "#" or text[:position].rstrip(" \t").endswith("\n")):
            position = found.end()
            continue
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise ValueError("unbalanced braces in the query")


class OxigraphPeer:
    """Raw pyoxigraph, in this process, on the bulk-loaded copy of the quads."""

    name = "pyoxigraph (in-process)"

    def __init__(self, store_dir: str):
        from pyoxigraph import Store

        self.store = Store.read_only(store_dir)

    def rows(self, sparql: str) -> list[Row]:
        result = self.store.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return sorted(tuple(None if row[n] is None else row[n].value for n in names) for row in result)


class RdflibPeer:
    """rdflib's default Memory store (a Dataset whose default graph is the union)."""

    name = "rdflib Memory (in-process)"

    def __init__(self, dataset):
        self.dataset = dataset

    def rows(self, sparql: str) -> list[Row]:
        result = self.dataset.query(sparql)
        return sorted(tuple(None if value is None else str(value) for value in row) for row in result)


class HttpPeer:
    """claimgraph's SPARQL endpoint (`claimgraph serve`), SPARQL 1.1 Protocol POST."""

    name = "claimgraph (HTTP endpoint)"

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._local = threading.local()

    @property
    def session(self):
        import requests

        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()  # one keep-alive connection per thread
        return self._local.session

    def rows(self, sparql: str) -> list[Row]:
        response = self.session.post(f"{self.base_url}/sparql", data={"query": sparql},
                                     headers={"Accept": "application/sparql-results+json"}, timeout=120)
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} answered {response.status_code}: {response.text[:300]}")
        body = response.json()
        names = body["head"]["vars"]
        return sorted(tuple(row[n]["value"] if n in row else None for n in names)
                      for row in body["results"]["bindings"])

    def get(self, path: str, timeout: float = 120) -> int:
        """A UI page; returns the status (the body is read in full, as a browser would)."""
        response = self.session.get(f"{self.base_url}{path}", headers={"Accept": "text/html"}, timeout=timeout)
        _ = response.content
        return response.status_code
