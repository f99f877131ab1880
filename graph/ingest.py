"""Write what loaders read into the store: one transaction per article.

An article version is written with its provenance in a single ``extend`` so a
crash leaves it complete or absent. The same bytes loaded again change nothing;
changed bytes for a known article add a new version that revises the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph import __version__
from claimgraph.loaders import FileResult

from . import derived, iris
from .mapping import QuadSink, VersionContext, article_quads
from .namespaces import CG, PAV, PROV, RDF, RDFS, XSD
from .store import ClaimStore


@dataclass
class ArticleOutcome:
    title: str
    version: str
    status: str  # "added", "new-version", "unchanged"
    claims: int = 0
    citations: int = 0
    references: int = 0
    mentions: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileOutcome:
    path: str
    format: str | None
    articles: list[ArticleOutcome] = field(default_factory=list)
    sources: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def ingest(store: ClaimStore, result: FileResult) -> FileOutcome:
    """Write one file's records. Bad records were already reported by the loader."""
    derived.finish_interrupted_load(store)  # derived data a killed load left behind
    outcome = FileOutcome(path=result.path, format=result.format,
                          errors=[str(e) for e in result.errors], warnings=list(result.warnings))
    written: list[NamedNode] = []
    for article in result.articles:
        key = iris.article_key(article.key_text)
        version = iris.version_iri(key, article.content_sha256)
        summary = ArticleOutcome(
            title=article.title, version=version.value, status="unchanged",
            claims=len(article.claims),
            citations=sum(len(c.cited_labels) for c in article.claims),
            references=len(article.references),
            mentions=sum(len(c.mentions) for c in article.claims),
            warnings=list(article.warnings))
        outcome.articles.append(summary)
        if store.has_graph(version):
            continue  # the same bytes again: nothing to do
        started = now_iso()
        # One activity per article version written, so each has one start and end.
        activity = iris.load_activity_iri(article.content_sha256, started)
        current = store.select("current-version", work=iris.article_iri(key))
        ctx = VersionContext(activity=activity)
        if current:
            ctx.previous = NamedNode(current[0]["version"])
            ctx.number = int(current[0]["number"]) + 1
            summary.status = "new-version"
        else:
            summary.status = "added"
        quads = article_quads(article, ctx)
        quads += activity_quads(activity, result, started, now_iso(), [version])
        derived.note_pending(store, [version])  # before the write: see derived.note_pending
        store.write(quads)
        written.append(version)
    if result.sources:
        # Source records (PubMed, SPL, RIS ...) have their own pipeline: identity, merging.
        from . import sources as source_pipeline

        started = now_iso()
        activity = iris.load_activity_iri(result.sha256 or "0" * 12, started)
        derived.note_pending(store, None)
        outcome.sources = source_pipeline.ingest_records(store, result, activity, started)
    if written or outcome.sources:
        derived.refresh_all(store, written)
    return outcome
