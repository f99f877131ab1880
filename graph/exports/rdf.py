"""RDF exports of a selection: TriG and JSON-LD of the subgraph with its
provenance, and one nanopublication per claim.

Output is deterministic: quads are sorted, and claimgraph writes no blank
nodes, so the same selection on the same data gives the same bytes. Articles
are written one at a time (memory bounded by the largest article); source,
software and file descriptions shared by several articles are written once.
"""

from __future__ import annotations

import json
from typing import BinaryIO, Iterable, Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, serialize

from claimgraph.graph.rdf import iris
from claimgraph.graph import resolution
from claimgraph.graph.rules.findings import GRAPH_SOURCE_FINDINGS, findings_graph
from claimgraph.graph.rdf.namespaces import C4O, CG, CITO, DCTERMS, ID, PREFIXES, PROV, RDF, RDFS, XSD
from claimgraph.graph.store import ClaimStore

NP = "http://www.nanopub.org/nschema#"
NP_PREFIXES = {**PREFIXES, "np": NP}


def _sort_key(quad: Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


class SubgraphCollector:
    """The quads an audit of article versions rests on, article by article."""

    def __init__(self, store: ClaimStore):
        self.store = store
        self.seen_shared: set[tuple[str, str]] = set()  # (graph, subject) already written

    def _graph(self, graph: NamedNode) -> list[Quad]:
        return list(self.store.quads(None, None, None, graph))

    def _shared(self, subject: NamedNode, graph: NamedNode) -> list[Quad]:
        key = (graph.value, subject.value)
        if key in self.seen_shared:
            return []
        self.seen_shared.add(key)
        return list(self.store.quads(subject, None, None, graph))

    def article_quads(self, version: str) -> list[Quad]:
        node = NamedNode(version)
        quads = self._graph(node)
        quads += self._graph(findings_graph(node))
        for row in self.store.select("audit-version-history", version=node):
            quads += self._graph(NamedNode(row["verdict"]))
        cited = {q.object for q in quads if q.predicate == CITO.cites and q.graph_name == node}
        for source in sorted(cited, key=str):
            for graph in (iris.GRAPH_SOURCES, iris.GRAPH_CITED):  # its one description, wherever it is
                source_quads = self._shared(source, graph)
                quads += source_quads
                for q in source_quads:
                    if q.predicate == DCTERMS.publisher and isinstance(q.object, NamedNode):
                        quads += self._shared(q.object, graph)
            for q in self.store.quads(None, None, source, GRAPH_SOURCE_FINDINGS):
                quads += self._shared(q.subject, GRAPH_SOURCE_FINDINGS)
        # Reviewers' decisions on what its references are, and the records they identified.
        for target in sorted(set(resolution.identified(self.store, cited).values())):
            quads += self._shared(NamedNode(target), iris.GRAPH_SOURCES)
        quads += resolution.audit_quads(self.store, cited)
        for row in self.store.select("audit-provenance", version=node):
            for subject in (row["activity"], row["file"]):
                quads += self._shared(NamedNode(subject), iris.GRAPH_PROVENANCE)
            for q in self.store.quads(NamedNode(row["activity"]), PROV.wasAssociatedWith,
                                                        None, iris.GRAPH_PROVENANCE):
                quads += self._shared(q.object, iris.GRAPH_PROVENANCE)
        if any(q.graph_name == iris.GRAPH_SOURCES for q in quads):
            for row in self.store.select("audit-source-provenance"):
                for subject in (row["activity"], row["file"]):
                    quads += self._shared(NamedNode(subject), iris.GRAPH_PROVENANCE)
        return sorted(set(quads), key=_sort_key)


def write_trig(store: ClaimStore, versions: Iterable[str], output: BinaryIO) -> dict:
    collector = SubgraphCollector(store)
    count = 0
    for version in versions:
        quads = collector.article_quads(version)
        count += len(quads)
        # Each chunk repeats the @prefix lines: valid TriG, and keeps streaming simple.
        serialize(quads, output, RdfFormat.TRIG, prefixes=PREFIXES)
    return {"quads": count}


def _jsonld_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"@id": term.value}
    if isinstance(term, BlankNode):
        return {"@id": f"_:{term.value}"}
    value: dict = {"@value": term.value}
    if term.language:
        value["@language"] = term.language
    elif term.datatype != XSD.string:
        value["@type"] = term.datatype.value
    return value


def _jsonld_graphs(quads: list[Quad]) -> Iterator[dict]:
    """Expanded JSON-LD graph objects, one per named graph, nodes in sorted order."""
    graphs: dict[str, dict[str, dict]] = {}
    for quad in quads:
        nodes = graphs.setdefault(quad.graph_name.value, {})
        node = nodes.setdefault(quad.subject.value, {"@id": quad.subject.value})
        if quad.predicate == RDF.type and isinstance(quad.object, NamedNode):
            node.setdefault("@type", []).append(quad.object.value)
        else:
            node.setdefault(quad.predicate.value, []).append(_jsonld_term(quad.object))
    for name, nodes in graphs.items():
        yield {"@id": name, "@graph": list(nodes.values())}


def write_jsonld(store: ClaimStore, versions: Iterable[str], output: BinaryIO) -> dict:
    """One expanded JSON-LD document (a list of named graphs), written article by article."""
    collector = SubgraphCollector(store)
    count = 0
    output.write(b"[")
    first = True
    for version in versions:
        quads = collector.article_quads(version)
        count += len(quads)
        for graph in _jsonld_graphs(quads):
            output.write(b"\n" if first else b",\n")
            output.write(json.dumps(graph, ensure_ascii=False, sort_keys=True).encode("utf-8"))
            first = False
    output.write(b"\n]\n")
    return {"quads": count}


def nanopub_quads(claim: dict, provenance: dict | None) -> list[Quad]:
    """One nanopublication (head, assertion, provenance, pubinfo) for one claim."""
    claim_node = NamedNode(claim["claim"])
    base = ID + "np/" + claim["claim"][len(ID.base):]
    this = NamedNode(base)
    head, assertion = NamedNode(base + "#Head"), NamedNode(base + "#assertion")
    prov_graph, pubinfo = NamedNode(base + "#provenance"), NamedNode(base + "#pubinfo")
    version = NamedNode(claim["rows"][0]["version"])
    quads = [
        Quad(this, RDF.type, NamedNode(NP + "Nanopublication"), head),
        Quad(this, NamedNode(NP + "hasAssertion"), assertion, head),
        Quad(this, NamedNode(NP + "hasProvenance"), prov_graph, head),
        Quad(this, NamedNode(NP + "hasPublicationInfo"), pubinfo, head),
        Quad(claim_node, RDF.type, CG.Claim, assertion),
        Quad(claim_node, C4O.hasContent, Literal(claim["text"]), assertion),
        Quad(claim_node, DCTERMS.isPartOf, version, assertion),
        Quad(assertion, PROV.wasDerivedFrom, version, prov_graph),
        Quad(assertion, PROV.wasQuotedFrom, version, prov_graph),
        Quad(this, RDFS.label, Literal(f"claim {claim['position']} of “{claim['article_title']}”"), pubinfo),
        Quad(this, PROV.wasAttributedTo, iris.software_iri(_software_version()), pubinfo),
    ]
    for source in sorted({r["source"] for r in claim["rows"] if r["source"]}):
        quads.append(Quad(claim_node, CITO.citesAsEvidence, NamedNode(source), assertion))
    if claim.get("strongest"):
        quads.append(Quad(claim_node, CG.strongestEvidenceLevel, NamedNode(claim["strongest"]), assertion))
    if provenance:
        quads.append(Quad(assertion, PROV.wasGeneratedBy, NamedNode(provenance["activity"]), prov_graph))
        # The time comes from the data (when the version was loaded), never from the clock.
        quads.append(Quad(this, DCTERMS.created, Literal(provenance["ended"], datatype=XSD.dateTime), pubinfo))
    return sorted(quads, key=_sort_key)


def _software_version() -> str:
    from claimgraph import __version__

    return __version__


def write_nanopubs(store: ClaimStore, audits, output: BinaryIO) -> dict:
    count = 0
    for audit in audits:
        provenance = store.select("audit-provenance", version=NamedNode(audit.version))
        for claim in audit.claims:
            serialize(nanopub_quads(claim, provenance[0] if provenance else None), output,
                      RdfFormat.TRIG, prefixes=NP_PREFIXES)
            count += 1
    return {"nanopublications": count}
