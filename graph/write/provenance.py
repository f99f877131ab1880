"""A load as a PROV activity: which file (name, SHA-256), when, by what software, and which
graphs it wrote. Article loads (``ingest``) and source records (``sources``) both record it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph import __version__
from claimgraph.loaders import FileResult

from claimgraph.graph.rdf import iris
from claimgraph.graph.rdf.mapping import QuadSink
from claimgraph.graph.rdf.namespaces import CG, PAV, PROV, RDF, RDFS, XSD


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def activity_quads(activity: NamedNode, result: FileResult, started: str, ended: str,
                   graphs: list[NamedNode]) -> list[Quad]:
    """The load as a PROV activity: which file (name, SHA-256), when, by what, wrote what."""
    sink = QuadSink(iris.GRAPH_PROVENANCE)
    software = iris.software_iri(__version__)
    file_node = NamedNode(f"{iris.ID}file/{result.sha256}")
    sink.add(activity, RDF.type, PROV.Activity)
    sink.add(activity, RDF.type, CG.Load)
    sink.add(activity, PROV.startedAtTime, Literal(started, datatype=XSD.dateTime))
    sink.add(activity, PROV.endedAtTime, Literal(ended, datatype=XSD.dateTime))
    sink.add(activity, PROV.used, file_node)
    sink.add(activity, PROV.wasAssociatedWith, software)
    for graph in graphs:
        sink.add(activity, PROV.generated, graph)
    sink.add(file_node, RDF.type, PROV.Entity)
    sink.add(file_node, CG.sha256, result.sha256)
    sink.add(file_node, CG.fileName, Path(result.path).name)
    sink.add(file_node, CG.sourceFormat, result.format)
    sink.add(software, RDF.type, PROV.SoftwareAgent)
    sink.add(software, RDFS.label, f"claimgraph {__version__}")
    sink.add(software, PAV.version, __version__)
    return sink.quads
