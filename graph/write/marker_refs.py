"""Apply a marker -> source map (``loaders.sidecar``) to an article already in the store.

Each mapped marker's reference entry in the article's current version points at
a source node; when that node has no identifier of its own (the article never
said what "1" is), it is folded into the mapped record's node, so the claims
citing the marker now cite the record. A node the article did identify is left
alone and the conflict reported: the sidecar completes, it never overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from claimgraph.loaders import FileResult, read_file
from claimgraph.loaders.records import Source
from claimgraph.loaders.sidecar import MarkerMap

from claimgraph.graph.index import derived
from claimgraph.graph.rules import evidence
from claimgraph.graph.rdf import iris
from claimgraph.graph.write.ingest import ingest
from claimgraph.graph.rdf.mapping import QuadSink
from claimgraph.graph.write.sources import fold, matches, resolve, settle, stub_quads
from claimgraph.graph.store import ClaimStore


@dataclass
class MarkerOutcome:
    applied: list[str] = field(default_factory=list)  # marker labels now tied to a source
    errors: list[str] = field(default_factory=list)
    records: list = field(default_factory=list)  # FileOutcomes of record files loaded on the way


def apply_marker_map(store: ClaimStore, articles: FileResult, marker_map: MarkerMap) -> MarkerOutcome:
    outcome = MarkerOutcome(errors=[str(e) for e in marker_map.errors])
    versions = []
    for article in articles.articles:
        key = iris.article_key(article.key_text)
        current = store.select("current-version", work=iris.article_iri(key))
        if current:
            versions.append(NamedNode(current[0]["version"]))
    if not versions:
        outcome.errors.append(f"{marker_map.path}: the article is not in the store, so its markers cannot be mapped")
        return outcome
    derived.note(store, versions)  # before the folds rewrite the versions' graphs
    touched = []
    for target in marker_map.targets:
        node = _target_node(store, target, outcome)
        if node is None:
            continue
        for version in versions:
            rows = store.select("marker-reference-source", version=version, label=target.label)
            if not rows:
                outcome.errors.append(f"{marker_map.path}: marker {target.label}: the article cites no such marker")
                continue
            for row in rows:
                cited = NamedNode(row["source"])
                if cited == node:
                    continue
                if row["identified"]:
                    outcome.errors.append(f"{marker_map.path}: marker {target.label}: the article already "
                                          f"identifies this reference ({cited.value}); not overridden")
                    continue
                fold(store, cited, node)
            outcome.applied.append(target.label)
        touched.append(node)
    settle(store, touched)
    evidence.refresh(store, versions)
    # Markers now point at identified sources: findings, search and statistics follow.
    derived.catch_up(store)
    return outcome


def _target_node(store: ClaimStore, target, outcome: MarkerOutcome) -> NamedNode | None:
    if target.record_path is not None:
        result = read_file(target.record_path)
        record_outcome = ingest(store, result)
        outcome.records.append(record_outcome)
        if not result.sources:
            outcome.errors.extend(record_outcome.errors or [f"{target.record_path}: no source record in it"])
            return None
        found = matches(store, result.sources[0].source)
        return found[0] if found else resolve(store, result.sources[0].source, result.sources[0])
    source = Source(identifiers=target.identifiers)
    found = matches(store, source)
    if found:
        return found[0]
    node = resolve(store, source)
    sink = QuadSink(iris.GRAPH_SOURCES)
    stub_quads(sink, node, source)  # known only by its identifiers until its record is loaded
    store.write(sink.quads)
    return node


def apply_refs_for(store: ClaimStore, path, result: FileResult, refs_path=None) -> MarkerOutcome | None:
    """After ``ingest`` of an article file: apply ``refs_path``, else the sidecar next to it, if any."""
    from claimgraph.loaders.errors import LoaderError
    from claimgraph.loaders.sidecar import read_marker_map, sidecar_for

    if not result.articles:
        return None
    refs_path = refs_path or sidecar_for(path)
    if refs_path is None:
        return None
    try:
        marker_map = read_marker_map(refs_path)
    except LoaderError as exc:
        return MarkerOutcome(errors=[str(exc)])
    return apply_marker_map(store, result, marker_map)
