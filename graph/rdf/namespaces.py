"""The vocabularies claimgraph writes, as pyoxigraph term factories.

``CG`` is claimgraph's own namespace (terms defined in ontology/claimgraph.ttl);
``ID`` is where instance IRIs are minted (see ``iris``).
"""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace:
    """``NS.term`` / ``NS["term"]`` give a NamedNode; ``str(NS)`` is the base.

    Not a ``str`` subclass on purpose: ``DCTERMS.title`` must be the term, not
    ``str.title``.
    """

    __slots__ = ("base",)

    def __init__(self, base: str):
        self.base = base

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self.base + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.base + name)

    def __str__(self) -> str:
        return self.base

    def __add__(self, other: str) -> str:
        return self.base + other


CG = Namespace("https://w3id.org/claimgraph/ns#")
ID = Namespace("https://w3id.org/claimgraph/id/")
CITO = Namespace("http://purl.org/spar/cito/")
C4O = Namespace("http://purl.org/spar/c4o/")
BIRO = Namespace("http://purl.org/spar/biro/")
DOCO = Namespace("http://purl.org/spar/doco/")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
PAV = Namespace("http://purl.org/pav/")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# Prefixes for serialisations and for the query editor, in one place.
PREFIXES: dict[str, str] = {
    "cg": str(CG), "cgid": str(ID), "cito": str(CITO), "c4o": str(C4O), "biro": str(BIRO),
    "doco": str(DOCO), "fabio": str(FABIO), "prism": str(PRISM), "dcterms": str(DCTERMS),
    "prov": str(PROV), "pav": str(PAV), "oa": str(OA), "schema": str(SCHEMA), "skos": str(SKOS),
    "foaf": str(FOAF), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD),
    "sh": str(SH), "void": str(VOID), "sd": str(SD),
}


def sparql_prefixes(names: list[str] | None = None) -> str:
    """PREFIX lines for ``names`` (all when None), for queries and examples."""
    chosen = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in chosen.items())
