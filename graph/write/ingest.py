"""Write what loaders read into the store, articles in groups of whole articles.

An article version is written with its provenance in the same ``extend`` so a
crash leaves it complete or absent. A batch load (``batch.load_files``) hands one
``ArticleWriter`` to every file: it writes up to ``GROUP_ARTICLES`` articles (or
``GROUP_QUADS`` quads) per transaction, since one RocksDB transaction per article
cost as much as mapping the article. The same bytes loaded again change nothing;
changed bytes for a known article add a new version that revises the current one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Quad

from claimgraph.loaders import FileResult

from claimgraph.graph.index import derived
from claimgraph.graph.rdf import iris
from claimgraph.graph.rdf.mapping import VersionContext, article_quads, cited_descriptions
from claimgraph.graph.rdf.namespaces import CG, RDF
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.store.embedded import write_quads
from claimgraph.graph.write import sources as source_pipeline
from claimgraph.graph.write.provenance import activity_quads, now_iso


@dataclass
class ArticleOutcome:
    title: str
    version: str
    status: str  # "added", "new-version", "unchanged", "failed" (could not be written)
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
    graphs: dict[str, int] = field(default_factory=dict)  # plain RDF files: graph IRI -> triples
    records: int | None = None  # records the file holds, stored or refused (FileResult.records)

    @property
    def ok(self) -> bool:
        return not self.errors


# A group is written when it holds this many articles or quads, whichever comes first:
# bigger groups stopped paying off (one extend of 10 or 100 articles writes at the same
# rate) and only hold more memory: the group's Python quads (~600 bytes each) and the
# transaction's own copy of them.
GROUP_ARTICLES = 100
GROUP_QUADS = 100_000
# RocksDB's memtables are flushed to disk after this many quads were written. Oxigraph
# lets each of its 12 column families fill a 128 MB memtable before flushing it, which
# a load reaches only after millions of quads: until then the resident size grew by
# ~800 bytes per quad written (1.3 GB for 1 000 articles). Flushing every group keeps
# it flat at no measured cost in quads/s (bench/notes.md, issue #6 part 3).
FLUSH_QUADS = 100_000
# A batch of many files writes in bulk (``ArticleWriter(bulk_from=...)``): each group goes
# through the engine's bulk loader, which sorts it into new files and adds them to the
# store at once (all or nothing, like a transaction) instead of through the memtables
# and the write-ahead log. That costs a fixed part per write, so bulk groups are bigger,
# and a group smaller than ``embedded.BULK_MIN_QUADS`` (the end of a batch) takes the
# transaction.
BULK_GROUP_ARTICLES = 1_000
BULK_GROUP_QUADS = 1_000_000


@dataclass
class _Buffered:
    outcome: FileOutcome
    summary: ArticleOutcome
    version: NamedNode
    quads: list[Quad]


class ArticleWriter:
    """Article versions waiting to be written, flushed as one transaction per group.

    Crash safety is that of one article per transaction: the group's one ``extend``
    carries a change note per version (``derived.note_quads``), so a kill leaves every
    article of the group complete or absent, each present one with its note, and the
    next load or ``serve`` catches their derived data up. A group whose write fails is
    written again article by article, so only the article that cannot be written fails
    (in its own file's outcome). Then ``derived.catch_up`` (deferred in a batch).
    """

    def __init__(self, store: ClaimStore, *, max_articles: int | None = None, max_quads: int | None = None,
                 bulk_from: float = math.inf):
        self.store = store
        self.bulk_from = bulk_from  # groups of this many quads or more go through the bulk loader
        bulk = bulk_from < math.inf
        self.max_articles = max_articles or (BULK_GROUP_ARTICLES if bulk else GROUP_ARTICLES)
        self.max_quads = max_quads or (BULK_GROUP_QUADS if bulk else GROUP_QUADS)
        self._buffer: list[_Buffered] = []
        self._versions: set[NamedNode] = set()
        self._works: set[NamedNode] = set()
        self._described: set[NamedNode] = set()  # sources the buffer's articles describe
        self._quads = 0
        self._unflushed_quads = 0  # written since the store's memtables were last flushed
        self.written = 0  # article versions written so far

    def __len__(self) -> int:
        """Articles buffered, not yet written."""
        return len(self._buffer)

    def holds_version(self, version: NamedNode) -> bool:
        return version in self._versions

    def holds_work(self, work: NamedNode) -> bool:
        return work in self._works

    def descriptions(self, article) -> list[Quad]:
        """The descriptions of the sources ``article`` cites that nobody described yet
        (no record, no earlier reference: stored or buffered), now taken as described."""
        quads: list[Quad] = []
        for node, described in cited_descriptions(article).items():
            if node in self._described or any(self.store.contains(Quad(node, RDF.type, CG.Source, graph))
                                               for graph in (iris.GRAPH_SOURCES, iris.GRAPH_CITED)):
                continue
            self._described.add(node)
            quads += described
        return quads

    def add(self, outcome: FileOutcome, summary: ArticleOutcome, version: NamedNode, work: NamedNode,
            quads: list[Quad]) -> None:
        self._buffer.append(_Buffered(outcome, summary, version, quads))
        self._versions.add(version)
        self._works.add(work)
        self._quads += len(quads)
        if len(self._buffer) >= self.max_articles or self._quads >= self.max_quads:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered; safe to call when nothing is."""
        group, self._buffer = self._buffer, []
        quads, self._quads = self._quads, 0
        self._versions, self._works, self._described = set(), set(), set()
        if not group:
            return
        in_bulk = False
        try:
            in_bulk = write_quads(self.store, [*derived.note_quads(item.version for item in group),
                                               *(quad for item in group for quad in item.quads)],
                                  bulk_from=self.bulk_from)
            written = [item.version for item in group]
        except Exception:  # noqa: BLE001 - which article is at fault is found below
            if len(group) == 1:
                written = self._write_alone(group[0])
            else:
                written = [v for item in group for v in self._write_alone(item)]
        del group  # its quads are not needed by the refresh below (a load of one file runs it now)
        self._unflushed_quads += 0 if in_bulk else quads  # a bulk write leaves the memtables alone
        if self._unflushed_quads >= FLUSH_QUADS:
            self.store.flush()
            self._unflushed_quads = 0
        self.written += len(written)
        if written:
            derived.catch_up(self.store)

    def _write_alone(self, item: _Buffered) -> list[NamedNode]:
        try:
            self.store.write([*derived.note_quads([item.version]), *item.quads])
        except Exception as exc:  # noqa: BLE001 - reported in the file's outcome
            item.summary.status = "failed"
            item.outcome.errors.append(f"{item.summary.title}: not written: {exc}")
            return []
        return [item.version]


def ingest(store: ClaimStore, result: FileResult, writer: ArticleWriter | None = None) -> FileOutcome:
    """Write one file's records. Bad records were already reported by the loader.

    With ``writer`` (a batch load), articles may still be buffered on return; the
    caller flushes it. Without, this file's articles are written before returning."""
    own_writer = writer is None
    if writer is None:
        writer = ArticleWriter(store)
    outcome = FileOutcome(path=result.path, format=result.format, records=result.records,
                          errors=[str(e) for e in result.errors], warnings=list(result.warnings))
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
        if writer.holds_version(version) or store.has_graph(version):
            continue  # the same bytes again: nothing to do
        work = iris.article_iri(key)
        if writer.holds_work(work):
            writer.flush()  # its current version is still buffered: the new one revises it
        started = now_iso()
        # One activity per article version written, so each has one start and end.
        activity = iris.load_activity_iri(article.content_sha256, started)
        current = store.select("current-version", work=work)
        ctx = VersionContext(activity=activity)
        if current:
            ctx.previous = NamedNode(current[0]["version"])
            ctx.number = int(current[0]["number"]) + 1
            summary.status = "new-version"
        else:
            summary.status = "added"
        quads = article_quads(article, ctx) + writer.descriptions(article)
        quads += activity_quads(activity, result, started, now_iso(), [version])
        writer.add(outcome, summary, version, work, quads)
    if own_writer or result.sources:
        writer.flush()  # source records are matched against what is stored, articles included
    if result.sources:
        # Source records (PubMed, SPL, RIS ...) have their own pipeline: identity, merging.
        started = now_iso()
        activity = iris.load_activity_iri(result.sha256 or "0" * 12, started)
        derived.note(store, kind="sources")  # before: records are written one by one
        outcome.sources = source_pipeline.ingest_records(store, result, activity, started)
        derived.catch_up(store)
    return outcome
