"""A store on any SPARQL 1.1 server, with the methods claimgraph calls on ``ClaimStore``.

Chosen by ``--store sparql+http://host:port/path`` (or ``sparql+https://``): the
path is the query endpoint, and also the update endpoint unless
``CLAIMGRAPH_SPARQL_UPDATE_URL`` names another. Credentials come from the
environment, never from the command line:

- ``CLAIMGRAPH_SPARQL_USER`` / ``CLAIMGRAPH_SPARQL_PASSWORD``: sent with every request;
- ``CLAIMGRAPH_SPARQL_AUTH``: ``basic`` (default) or ``digest`` (Virtuoso's /sparql-auth);
- ``CLAIMGRAPH_SPARQL_UPDATE_URL``: the SPARQL Update endpoint, when it differs.

The server's default graph must be the union of its named graphs (Virtuoso's
is; Fuseki needs ``tdb2:unionDefaultGraph true``; GraphDB and Neptune do it by
default). Parameters are bound with an inline VALUES block of escaped terms.
Writes go as ``INSERT DATA`` in chunks: unlike the embedded store, a large
write is several requests, not one transaction.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

from pyoxigraph import (DefaultGraph, Literal, NamedNode, Quad, QueryResultsFormat,
                        RdfFormat, parse, parse_query_results, serialize)

from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import PREFIXES
from claimgraph.graph.store import python_value, solution_rows

SCHEME = "sparql+"
USER_ENV, PASSWORD_ENV = "CLAIMGRAPH_SPARQL_USER", "CLAIMGRAPH_SPARQL_PASSWORD"
AUTH_ENV, UPDATE_URL_ENV = "CLAIMGRAPH_SPARQL_AUTH", "CLAIMGRAPH_SPARQL_UPDATE_URL"
WRITE_CHUNK = 2000  # quads per INSERT DATA request
# The outer WHERE clause (of any query form), then each sub-select's, with its projection.
_HEAD = re.compile(r"(?:\bSELECT\b(?P<projection>(?:(?!\bSELECT\b|\bWHERE\b).)*?))?\bWHERE\s*\{",
                   re.IGNORECASE | re.DOTALL)
_COMMENT_LINE = re.compile(r"(?m)^\s*#.*$")
_PREFIX_LINES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
_XSD = "http://www.w3.org/2001/XMLSchema#"


def is_remote(location: str) -> bool:
    return str(location).startswith((SCHEME + "http://", SCHEME + "https://"))


def _term(value: Any):
    if isinstance(value, (NamedNode, Literal)):
        return value
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(_XSD + "integer"))
    if isinstance(value, str):
        return Literal(value)
    raise TypeError(f"cannot bind {type(value).__name__}")


def with_values(sparql: str, bindings: dict[str, Any]) -> str:
    """``sparql`` with ``bindings`` as VALUES blocks of escaped terms (written by pyoxigraph
    in N-Triples syntax): one opening the outer WHERE clause, and one opening each
    sub-select's WHERE whose projection names a bound variable.

    pyoxigraph binds by substitution, inside sub-selects too; one VALUES block at the top
    is joined only after the sub-selects are evaluated, so a sub-select with ``LIMIT 1``
    would answer for some other IRI (and one without a limit would read the whole store
    before the join). Binding each sub-select that projects the variable gives the
    substitution's answer on any engine."""
    if not bindings:
        return sparql
    text = _COMMENT_LINE.sub("", sparql)
    heads = list(_HEAD.finditer(text))
    if not heads:
        raise ValueError("cannot bind variables: the query has no WHERE clause")
    inserts = []
    for number, head in enumerate(heads):
        projection = head.group("projection") or ""
        names = list(bindings) if number == 0 else [
            name for name in bindings if re.search(rf"(?<!AS )\?{re.escape(name)}\b", projection, re.IGNORECASE)
            or projection.strip().upper().endswith("*")]
        if names:
            values = " ".join(str(_term(bindings[name])) for name in names)
            inserts.append((head.end(), f"\n  VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"))
    for position, block in reversed(inserts):
        text = text[:position] + block + text[position:]
    return text


def default_index_dir(location: str) -> Path:
    """``$XDG_CACHE_HOME/claimgraph/index/<host-port-hash>``: one folder per store, so a
    node serving two stores (or a test and a deployment) never mixes their indexes."""
    import hashlib

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", urlsplit(location[len(SCHEME):]).netloc)
    return base / "claimgraph" / "index" / f"{host}-{hashlib.sha256(location.encode()).hexdigest()[:12]}"


class RemoteStore:
    """``ClaimStore``'s interface over the SPARQL 1.1 Query and Update protocols."""

    # Each call is a request over the network: readers that would make many small
    # look-ups ask one query instead where they can (graph/read/pages.py source cards).
    ROUND_TRIPS = True

    def __init__(self, location: str, *, read_only: bool = False, timeout: float = 300):
        import requests

        if not is_remote(location):
            raise ValueError(f"not a SPARQL store location (sparql+http://...): {location}")
        parts = urlsplit(location[len(SCHEME):])
        self.query_url = urlunsplit(parts)
        self.update_url = os.environ.get(UPDATE_URL_ENV) or self.query_url
        self.path = None  # no folder of its own
        # Where this process keeps the derived index (graph/index): a folder beside the web
        # node (``serve --index-dir``); None: a temporary file for the process's life.
        self.index_dir: Path | None = None
        self.shared = True  # other processes may write it: graph/index/followers.py
        self.location = location
        self.read_only = read_only
        self.timeout = timeout
        self.session = requests.Session()
        # One connection per request. On a reused connection Virtuoso's answers over a few
        # kilobytes waited ~40 ms each (its response written in parts, held by Nagle until
        # this side's delayed ACK): 45 ms instead of 2.6 ms for an article's citation
        # markers, measured at 10 000 articles. A new connection costs a handshake; the
        # digest credentials stay with the session, so no new challenge.
        self.session.headers["Connection"] = "close"
        user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
        if user:
            if os.environ.get(AUTH_ENV, "basic").lower() == "digest":
                self.session.auth = requests.auth.HTTPDigestAuth(user, password or "")
            else:
                self.session.auth = (user, password or "")

    # -- reading ---------------------------------------------------------
    def _post(self, url: str, data: dict, accept: str):
        response = self.session.post(url, data=data, headers={"Accept": accept}, timeout=self.timeout)
        if response.status_code >= 400:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:500]}")
        return response

    def query(self, sparql: str, *, bindings: dict[str, Any] | None = None, union: bool = True, **kwargs):
        """SELECT/ASK results as pyoxigraph's; CONSTRUCT/DESCRIBE as a list of triples."""
        text = _PREFIX_LINES + with_values(sparql, bindings or {})
        form = _query_form(sparql)
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self._post(self.query_url, {"query": text}, "application/n-triples")
            return list(parse(response.content, format=RdfFormat.N_TRIPLES))
        response = self._post(self.query_url, {"query": text}, "application/sparql-results+xml")
        return parse_query_results(response.content, format=QueryResultsFormat.XML)

    def select(self, name_or_sparql: str, **bindings) -> list[dict[str, Any]]:
        rows = solution_rows(self.query(queries.resolve(name_or_sparql), bindings=bindings))
        # Variables bound by VALUES are in the rows even when a store leaves them out.
        for row in rows:
            for name, value in bindings.items():
                if name in row and row[name] is None:
                    row[name] = python_value(_term(value))
        return rows

    def ask(self, sparql: str, **bindings) -> bool:
        # JSON, not XML: Virtuoso answers ASK in XML as a result set (one ``__ASK_RETVAL``
        # row when true, none when false), which would read as a truthy object.
        text = _PREFIX_LINES + with_values(sparql, bindings)
        body = self._post(self.query_url, {"query": text}, "application/sparql-results+json").json()
        if "boolean" in body:
            return bool(body["boolean"])
        return any(value.get("value") not in ("0", "false")
                   for row in body.get("results", {}).get("bindings", []) for value in row.values())

    def has_graph(self, graph: NamedNode) -> bool:
        return self.ask("ASK WHERE { GRAPH ?g { ?s ?p ?o } }", g=graph)

    def contains(self, quad: Quad) -> bool:
        return self.ask("ASK WHERE { GRAPH ?g { ?s ?p ?o } }", g=quad.graph_name, s=quad.subject,
                        p=quad.predicate, o=quad.object)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> list[Quad]:
        bindings = {name: term for name, term in (("s", subject), ("p", predicate), ("o", obj), ("g", graph))
                    if term is not None}
        result = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", bindings=bindings)
        return [Quad(row["s"] or bindings["s"], row["p"] or bindings["p"], row["o"] or bindings["o"],
                     row["g"] or bindings["g"]) for row in result]

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    # -- writing ---------------------------------------------------------
    def remove(self, quads: Iterable[Quad]) -> None:
        quads = list(quads)
        if quads:
            self.update("DELETE DATA { " + " ".join(
                f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads) + " }")

    def named_graphs(self) -> list[NamedNode]:
        return [row["g"] for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]

    def drop_graph(self, graph: NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def clear(self) -> None:
        self.update("CLEAR SILENT ALL")

    def bulk_load(self, path, fmt: RdfFormat) -> None:
        """No bulk loader over the protocol: the file's quads as INSERT DATA chunks (for a
        large dump, the server's own loader is faster: README, 'Bulk loading elsewhere')."""
        from pyoxigraph import parse

        with open(path, "rb") as handle:
            self.write(parse(handle, format=fmt))

    def bulk_write(self, quads: Iterable[Quad]) -> None:
        self.write(quads)

    def update(self, sparql: str, *, base_iri: str | None = None, **kwargs) -> None:
        """SPARQL Update; claimgraph's prefixes (and ``base_iri``) are declared in front.
        A text the store refuses as a bad request raises SyntaxError, as the embedded
        engine does (the update routes answer 400 with the store's message)."""
        if self.read_only:
            raise PermissionError(f"{self.location} was opened read-only")
        base = f"BASE <{base_iri}>\n" if base_iri else ""
        response = self.session.post(self.update_url, data={"update": base + _PREFIX_LINES + sparql},
                                     headers={"Accept": "*/*"}, timeout=self.timeout)
        if response.status_code == 400:
            raise SyntaxError(f"the SPARQL store refused the update: {_store_message(response.text)}")
        if response.status_code >= 400:
            raise RuntimeError(f"{self.update_url} answered {response.status_code}: {response.text[:500]}")

    def write(self, quads: Iterable[Quad]) -> None:
        """INSERT DATA in chunks of WRITE_CHUNK quads (see the module note on transactions)."""
        chunk: list[Quad] = []
        for quad in quads:
            chunk.append(quad)
            if len(chunk) >= WRITE_CHUNK:
                self._insert(chunk)
                chunk = []
        if chunk:
            self._insert(chunk)

    def _insert(self, quads: list[Quad]) -> None:
        named = [q for q in quads if not isinstance(q.graph_name, DefaultGraph)]
        if len(named) != len(quads):
            raise ValueError("claimgraph writes named graphs only")
        body = serialize(named, format=RdfFormat.N_QUADS).decode("utf-8")
        # N-Quads lines "<s> <p> <o> <g> ." become "GRAPH <g> { <s> <p> <o> }" blocks.
        blocks = []
        for quad, line in zip(named, body.splitlines()):
            triple = line[: line.rstrip().rfind(str(quad.graph_name))].rstrip()
            blocks.append(f"GRAPH {quad.graph_name} {{ {triple} . }}")
        self.update("INSERT DATA {\n" + "\n".join(blocks) + "\n}")

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> None:
        quads = list(quads)
        self.update(f"DROP SILENT GRAPH {graph}")  # graph IRIs are ours, written by pyoxigraph
        self.write(quads)

    def flush(self) -> None:
        """Nothing to do: every update is committed by the server when it answers."""

    def ensure_static_graphs(self) -> None:
        from claimgraph.graph.store import ClaimStore

        ClaimStore.ensure_static_graphs(self)  # the same logic, through contains/replace_graph

    # -- dumping -----------------------------------------------------------
    def dump(self, output, fmt: RdfFormat) -> None:
        result = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        quads = (Quad(row["s"], row["p"], row["o"], row["g"]) for row in result)
        serialize(quads, output, format=fmt)


def _store_message(text: str) -> str:
    """The store's own error line, without the text of the request it echoes (Virtuoso
    repeats the whole update, claimgraph's prefixes included)."""
    return text.split("\n\nSPARQL query:", 1)[0].strip()[:500]


def _query_form(sparql: str) -> str:
    body = re.sub(r"(?im)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", sparql)
    match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    return match.group(1).upper() if match else "SELECT"


__all__ = ["RemoteStore", "default_index_dir", "is_remote", "with_values", "USER_ENV", "PASSWORD_ENV", "AUTH_ENV", "UPDATE_URL_ENV"]
