"""SHACL validation of the whole graph with pySHACL (rdflib is for this, not the hot path)."""

from __future__ import annotations

from dataclasses import dataclass

import rdflib

from claimgraph.graph.store import ClaimStore


@dataclass
class ValidationReport:
    conforms: bool
    results: list[dict]
    triples: int

    def as_dict(self) -> dict:
        return {"conforms": self.conforms, "triples_checked": self.triples, "results": self.results}

    def text(self) -> str:
        if self.conforms:
            return f"conforms: {self.triples} triples checked against the shapes"
        lines = [f"does not conform: {len(self.results)} violation(s) in {self.triples} triples"]
        for r in self.results[:200]:
            lines.append(f"- {r['severity']}: {r['focus']} {r['path'] or ''}: {r['message']}")
        if len(self.results) > 200:
            lines.append(f"... and {len(self.results) - 200} more (use --json)")
        return "\n".join(lines)


SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def union_graph(store: ClaimStore) -> rdflib.Graph:
    """The union of every graph, as rdflib sees it (N-Triples through a buffer)."""
    from io import BytesIO

    from pyoxigraph import RdfFormat

    buffer = BytesIO()
    store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(buffer, RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph


def validate_store(store: ClaimStore) -> ValidationReport:
    from pyshacl import validate

    from claimgraph import ontology

    shapes = rdflib.Graph()
    for path in ontology.shapes_files():
        shapes.parse(path, format="turtle")
    data = union_graph(store)
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=False)
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        def one(p):
            value = report.value(result, p)
            return None if value is None else str(value)
        results.append({"focus": one(SH.focusNode), "path": one(SH.resultPath),
                        "severity": (one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
                        "message": one(SH.resultMessage), "value": one(SH.value),
                        "shape": one(SH.sourceShape)})
    results.sort(key=lambda r: (r["focus"] or "", r["path"] or "", r["message"] or ""))
    return ValidationReport(bool(conforms), results, len(data))
