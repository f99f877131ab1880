"""Example queries for researchers: ``queries/examples/<name>.rq`` files.

Each file starts with ``# title: …`` and ``# description: …`` lines. They are
shown in the query editor and on ``/examples``, and written into the examples
graph as SHACL executables (``sh:SPARQLSelectExecutable`` with ``sh:select``,
and the ASK/CONSTRUCT kinds alike), so that the graph documents how to query
itself. ``refresh`` rewrites that graph only when the files changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph.rdf.namespaces import CG, DCTERMS, ID, RDF, RDFS, SCHEMA, SH
from claimgraph.graph.store import ClaimStore

GRAPH_EXAMPLES = NamedNode(ID + "graph/examples")
_HEADER = re.compile(r"^#\s*(title|description)\s*:\s*(.+?)\s*$", re.MULTILINE)
_FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
_EXECUTABLE = {"SELECT": ("SPARQLSelectExecutable", "select"), "ASK": ("SPARQLAskExecutable", "ask"),
               "CONSTRUCT": ("SPARQLConstructExecutable", "construct"),
               "DESCRIBE": ("SPARQLExecutable", "describe")}


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    text: str  # the whole file, header comments included
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE

    @property
    def iri(self) -> NamedNode:
        return NamedNode(f"{ID}query/{self.name}")


class ExampleError(ValueError):
    """An example file without its header lines or query form."""


def _folder():
    return resources.files("claimgraph.graph.queries").joinpath("examples")


def parse_example(name: str, text: str) -> Example:
    headers = {key: value for key, value in _HEADER.findall(text)}
    missing = [key for key in ("title", "description") if key not in headers]
    if missing:
        raise ExampleError(f"queries/examples/{name}.rq: no '# {missing[0]}:' line at the top")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    form = _FORM.search(body)
    if not form:
        raise ExampleError(f"queries/examples/{name}.rq: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    return Example(name, headers["title"], headers["description"], text, form[1].upper())


@lru_cache(maxsize=1)
def _load_cached(digest: str) -> tuple[Example, ...]:
    folder = _folder()
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".rq")), key=lambda p: p.name)
    return tuple(parse_example(p.name[:-3], p.read_text(encoding="utf-8")) for p in files)


def _digest() -> str:
    folder = _folder()
    if not folder.is_dir():
        return ""
    sha = hashlib.sha256()
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".rq")), key=lambda p: p.name):
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def load_examples() -> list[Example]:
    """Every example, in file-name order (re-read when the files change)."""
    digest = _digest()
    return list(_load_cached(digest)) if digest else []


def quads(examples: list[Example], digest: str) -> list[Quad]:
    statements = [(GRAPH_EXAMPLES, CG.contentSha256, Literal(digest))]
    for example in examples:
        kind, text_property = _EXECUTABLE[example.form]
        statements += [
            (example.iri, RDF.type, SH.SPARQLExecutable),
            (example.iri, RDF.type, SH[kind]),
            (example.iri, RDF.type, SCHEMA.SoftwareSourceCode),
            (example.iri, RDFS.label, Literal(example.title, language="en")),
            (example.iri, RDFS.comment, Literal(example.description, language="en")),
            (example.iri, DCTERMS.identifier, Literal(example.name)),
            (example.iri, SH[text_property] if example.form != "DESCRIBE" else SCHEMA.text,
             Literal(example.text)),
        ]
    return [Quad(s, p, o, GRAPH_EXAMPLES) for s, p, o in statements]


def refresh(store: ClaimStore, versions=None) -> None:
    """Write the examples graph when the bundled files differ from what it holds."""
    digest = _digest()
    marker = Literal(digest)
    if list(store.quads(GRAPH_EXAMPLES, CG.contentSha256, marker, GRAPH_EXAMPLES)):
        return
    store.replace_graph(GRAPH_EXAMPLES, quads(load_examples(), digest))
