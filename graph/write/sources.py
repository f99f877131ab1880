"""Source records (PubMed, MEDLINE, RIS, SPL, guideline ...) into the sources graph, merged by identity.

Identity: a record is matched to what is stored by any normalised identifier
(DOI, PMID, PMCID, SetID). The first stored node wins: a record completes an
earlier node (an article's citation, a study's reference) in place, so every
citation keeps pointing at it; two stored nodes the record shows to be one work
are folded into one (their IRIs rewritten in every graph). Articles loaded
after a record are folded the same way by ``refresh`` (the derived-data hook).
A title + year match without a shared identifier is never merged: it is stored
as ``cg:probableMatch`` for a reviewer.

Once a node is described by a record, the guesses its citing articles made
(kind, resolution, evidence level) are withdrawn from their graphs so that the
record's description is the one answer, and citation evidence levels are
recomputed (``evidence.refresh_sources``).

Drug labels: the label (keyed by SetID) is the cited work; each loaded SPL or
openFDA version is a ``cg:DrugLabelVersion`` of it, and each LOINC-coded
section a ``cg:LabelSection`` part of that version, with its text.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.loaders import FileResult
from claimgraph.loaders.records import Source, SourceRecord

from claimgraph.graph.index import derived
from claimgraph.graph.rules import evidence
from claimgraph.graph.index import evidence_facts
from claimgraph.graph.rules import findings
from claimgraph.graph.rdf import iris
from claimgraph.graph import queries
from claimgraph.graph.rdf.mapping import QuadSink, integer, organisation_quads, resolver_links, source_quads
from claimgraph.graph.rdf.namespaces import (C4O, CG, CITO, DCTERMS, FABIO, PAV, PRISM, PROV, RDF, SCHEMA, XSD)
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.write.provenance import activity_quads, now_iso

# Record details (SourceRecord.extra) that map to one literal each.
_LITERAL_DETAILS = {"volume": PRISM.volume, "issue": PRISM.issueIdentifier, "pages": PRISM.pageRange,
                    "date": PRISM.publicationDate, "abstract": DCTERMS.abstract,
                    "language": DCTERMS.language, "isbn": PRISM.isbn, "bookshelf_id": DCTERMS.identifier}
# Statements an article makes about a source it cites that a record supersedes.
_GUESSED_KINDS = (CG.Study, CG.Guideline, CG.DrugLabel, SCHEMA.MedicalGuideline)


def file_iri(sha256: str) -> NamedNode:
    """The input file as a PROV entity (the same IRI ``provenance.activity_quads`` uses)."""
    return NamedNode(f"{iris.ID}file/{sha256}")


def ingest_records(store: ClaimStore, result: FileResult, activity: NamedNode, started: str) -> int:
    """Write every record of one file; returns how many were written."""
    touched: list[NamedNode] = []
    for record in result.sources:
        node = resolve(store, record.source, record)
        quads = record_quads(store, record, node)
        quads += activity_quads(activity, result, started, now_iso(), [iris.GRAPH_SOURCES])
        store.write(quads)
        touched.append(node)
        touched.extend(_nodes(store, record.cites))
        note_probable_matches(store, node, record.source)
    settle(store, touched)
    evidence.refresh_sources(store, touched)
    # Articles' duplicate findings follow their loads; records change keys outside them.
    findings.refresh_duplicates(store, touched)
    return len(result.sources)


# -- identity ------------------------------------------------------------------
def _key_for_record(record: SourceRecord) -> str:
    """A node key for a record with no identifier at all: its file and place."""
    digest = hashlib.sha256(f"{record.content_sha256}\n{record.locator}".encode()).hexdigest()[:16]
    return f"record/{digest}"


def matches(store: ClaimStore, source: Source, *, exclude: NamedNode | None = None) -> list[NamedNode]:
    """Stored nodes sharing an identifier with ``source``, record-described ones first."""
    ids = source.identifiers
    if not (ids.doi or ids.pmid or ids.pmcid or ids.setid):
        return []
    rows = store.select("sources-by-identifier", doi=ids.doi or "", pmid=ids.pmid or "",
                        pmcid=ids.pmcid or "", setid=ids.setid or "")
    found: list[NamedNode] = []
    for row in rows:
        node = NamedNode(row["source"])
        if node != exclude and node not in found:
            found.append(node)
    return found


def resolve(store: ClaimStore, source: Source, record: SourceRecord | None = None) -> NamedNode:
    """The node a record describes: an earlier match (others folded into it) or a new one."""
    found = matches(store, source)
    if not found:
        key = iris.source_key(source) or (_key_for_record(record) if record is not None else None)
        if key is None:
            raise ValueError("a source without identifiers needs its record")
        return NamedNode(f"{iris.ID}source/{key}")
    keep, rest = found[0], found[1:]
    for other in rest:
        fold(store, other, keep)
    return keep


def fold(store: ClaimStore, old: NamedNode, into: NamedNode) -> None:
    """Rewrite ``old`` as ``into`` in every graph, in one update (both IRIs are minted by us).
    One description per source: the node kept keeps its own, and the folded node's
    reference-made description goes (its citing references keep their entry texts)."""
    if old == into:
        return
    evidence_facts.forget(store, [old, into])  # what other graphs said of both is rewritten
    described = any(True for graph in (iris.GRAPH_SOURCES, iris.GRAPH_CITED)
                    for _ in store.quads(into, RDF.type, CG.Source, graph))
    found = [*store.quads(old, None, None, None), *store.quads(None, None, old, None)]
    rewritten = [Quad(into if q.subject == old else q.subject, q.predicate, into if q.object == old else q.object,
                      q.graph_name)
                 for q in found if not (described and q.graph_name == iris.GRAPH_CITED and q.subject == old)]
    derived.apply_changes(store, found, rewritten)


def settle(store: ClaimStore, nodes: list[NamedNode], graphs: list[NamedNode] | None = None) -> None:
    """A record's description replaces what citing references said of a node: the cited
    description goes, and so do guesses (kind, resolution, level) older stores kept in the
    citing graphs (``graphs``; None: every graph)."""
    if not nodes:
        return
    if graphs is None:  # older graphs lose statements: their remembered union is wrong now
        evidence_facts.forget(store, nodes)
    recorded = [n for n in dict.fromkeys(nodes)
                if any(True for _ in store.quads(n, CG.fromRecord, None, iris.GRAPH_SOURCES))]
    wanted = None if graphs is None else set(graphs)
    withdrawn = []
    for node in recorded:
        for quad in store.quads(node, None, None, None):
            if quad.graph_name == iris.GRAPH_CITED:
                withdrawn.append(quad)
            elif quad.graph_name != iris.GRAPH_SOURCES and (wanted is None or quad.graph_name in wanted) and (
                    quad.predicate in (CG.resolution, CG.evidenceLevel)
                    or (quad.predicate == RDF.type and quad.object in _GUESSED_KINDS)):
                withdrawn.append(quad)
    derived.apply_changes(store, withdrawn, [])


def note_probable_matches(store: ClaimStore, node: NamedNode, source: Source) -> list[NamedNode]:
    """Record title + year matches with no shared identifier as ``cg:probableMatch`` (never merged)."""
    key = iris.title_year_key(source.title, source.year)
    if key is None:
        return []
    found = []
    for row in store.select("sources-by-title-key", key=key):
        other = NamedNode(row["source"])
        if other == node:
            continue
        if row["identified"] and not _unidentified(source):
            continue  # both identified, by different identifiers: two works that share a title
        found.append(other)
    if found:
        sink = QuadSink(iris.GRAPH_SOURCES)
        for other in found:
            sink.add(node, CG.probableMatch, other)
            sink.add(other, CG.probableMatch, node)
        store.write(sink.quads)
    return found


def _unidentified(source: Source) -> bool:
    ids = source.identifiers
    return not (ids.doi or ids.pmid or ids.pmcid or ids.setid)


def _nodes(store: ClaimStore, sources: list[Source]) -> list[NamedNode]:
    return [n for n in (_cited_node(store, s) for s in sources) if n is not None]


def _cited_node(store: ClaimStore, source: Source) -> NamedNode | None:
    found = matches(store, source)
    if found:
        return found[0]
    key = iris.source_key(source)
    return NamedNode(f"{iris.ID}source/{key}") if key else None


# -- quads ---------------------------------------------------------------------
def record_quads(store: ClaimStore, record: SourceRecord, node: NamedNode) -> list[Quad]:
    sink = QuadSink(iris.GRAPH_SOURCES)
    file_node = file_iri(record.content_sha256)
    extra = record.extra
    if record.source.kind == "drug-label":
        version = _label_version_quads(sink, record, node, file_node)
        if _is_newest_version(store, node, extra.get("version")):
            source_quads(sink, node, record.source)
        sink.add(node, CG.fromRecord, file_node)
        sink.add(version, CG.fromRecord, file_node)
        return sink.quads
    source_quads(sink, node, record.source)
    sink.add(node, CG.fromRecord, file_node)
    sink.add(node, CG.sourceFormat, record.source_format)
    sink.add(node, CG.sourceLocator, record.locator)
    if record.source.authors:
        sink.add(node, CG.authorList, "; ".join(record.source.authors))
    for name, predicate in _LITERAL_DETAILS.items():
        if extra.get(name):
            sink.add(node, predicate, str(extra[name]))
    for heading in extra.get("mesh", []):
        sink.add(node, CG.meshHeading, heading)
    for keyword in extra.get("keywords", []):
        sink.add(node, PRISM.keyword, keyword)
    if extra.get("strength"):
        sink.add(node, CG.recommendationStrength, extra["strength"])
    for n, rec in enumerate(extra.get("recommendations", []), start=1):
        part = iris.child_iri(node, "recommendation", quote(rec.number, safe=""))
        sink.add(part, RDF.type, CG.Recommendation)
        sink.add(part, DCTERMS.isPartOf, node)
        sink.add(part, FABIO.hasSequenceIdentifier, rec.number)
        sink.add(part, CG.position, integer(n))
        sink.add(part, C4O.hasContent, rec.text)
        sink.add(part, CG.recommendationStrength, rec.strength)
        sink.add(part, CG.evidenceQuality, rec.evidence_quality)
        sink.add(part, CG.recommendationType, rec.recommendation_type)
    texts = extra.get("citation_texts", [])
    stubs = QuadSink(iris.GRAPH_CITED)  # works its reference list names, described by the entry
    for i, cited in enumerate(record.cites):
        cited_node = _cited_node(store, cited)
        if cited_node is None or cited_node == node:
            continue
        sink.add(node, CITO.cites, cited_node)
        if not _exists(store, cited_node):
            stub_quads(stubs, cited_node, cited, texts[i] if i < len(texts) else None)
    return sink.quads + stubs.quads


def _exists(store: ClaimStore, node: NamedNode) -> bool:
    return any(True for _ in store.quads(node, RDF.type, CG.Source))


def stub_quads(sink: QuadSink, node: NamedNode, cited: Source, text: str | None = None) -> None:
    """A work known only by its identifiers (a record's reference list, a marker map) and
    the entry as written; no kind or evidence level is claimed until its own record comes."""
    ids = cited.identifiers
    sink.add(node, RDF.type, CG.Source)
    if ids.setid:  # a SetID names a drug label and nothing else
        sink.add(node, RDF.type, CG.DrugLabel)
        sink.add(node, CG.splSetId, ids.setid)
    sink.add(node, PRISM.doi, ids.doi)
    sink.add(node, FABIO.hasPubMedId, ids.pmid)
    sink.add(node, FABIO.hasPubMedCentralId, ids.pmcid)
    for link in resolver_links(cited):
        sink.add(node, _SEE_ALSO, link)
    sink.add(node, DCTERMS.bibliographicCitation, text or None)
    sink.add(node, CG.resolution, CG.Resolved)


_SEE_ALSO = NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def label_version_iri(label: NamedNode, record: SourceRecord) -> NamedNode:
    version = record.extra.get("version") or record.content_sha256[:12]
    return NamedNode(f"{label.value}/v-{quote(str(version), safe='')}")


def _is_newest_version(store: ClaimStore, label: NamedNode, version: str | None) -> bool:
    rows = store.select("label-versions", label=label)
    numbers = [int(r["number"]) for r in rows if str(r["number"] or "").isdigit()]
    return not numbers or (str(version or "").isdigit() and int(version) >= max(numbers))


def _label_version_quads(sink: QuadSink, record: SourceRecord, label: NamedNode,
                         file_node: NamedNode) -> NamedNode:
    extra = record.extra
    version = label_version_iri(label, record)
    sink.add(label, RDF.type, CG.Source)
    sink.add(label, RDF.type, CG.DrugLabel)
    sink.add(label, CG.splSetId, record.source.identifiers.setid)
    sink.add(label, DCTERMS.hasVersion, version)
    sink.add(version, RDF.type, CG.DrugLabelVersion)
    sink.add(version, DCTERMS.isVersionOf, label)
    sink.add(version, DCTERMS.title, record.source.title)
    sink.add(version, PAV.version, extra.get("version"))
    if extra.get("effective_date") and re.fullmatch(r"\d{4}-\d\d-\d\d", extra["effective_date"]):
        sink.add(version, CG.effectiveDate, Literal(extra["effective_date"], datatype=XSD.date))
    sink.add(version, CG.documentId, extra.get("document_id"))
    sink.add(version, CG.documentTitle, extra.get("document_title"))
    sink.add(version, CG.sourceFormat, record.source_format)
    sink.add(version, PROV.wasDerivedFrom, file_node)
    for name in extra.get("product_names", []):
        sink.add(version, CG.productName, name)
    for name in extra.get("generic_names", []):
        sink.add(version, CG.genericName, name)
    if record.source.organisation:
        sink.add(version, DCTERMS.publisher, organisation_quads(sink, record.source.organisation))
    if extra.get("authority"):
        authority = organisation_quads(sink, extra["authority"])
        sink.add(version, CG.authority, authority)
        sink.add(label, CG.authority, authority)
    for position, section in enumerate(extra.get("sections", []), start=1):
        part = iris.child_iri(version, "section", section.number)
        sink.add(part, RDF.type, CG.LabelSection)
        sink.add(part, DCTERMS.isPartOf, version)
        sink.add(part, CG.position, integer(position))
        sink.add(part, CG.loincCode, section.code)
        sink.add(part, CG.loincName, section.code_name)
        sink.add(part, DCTERMS.title, section.title)
        sink.add(part, C4O.hasContent, section.text or None)
        if section.parent:
            sink.add(part, CG.parentSection, iris.child_iri(version, "section", section.parent))
    return version


# -- derived-data hook -----------------------------------------------------------
def refresh(store: ClaimStore, versions: list[NamedNode] | None) -> None:
    """After articles load: fold their sources into stored ones with a shared identifier,
    note probable matches, withdraw guesses a record supersedes, recompute evidence levels.
    Reads a query per version, then VALUES blocks of sources, not a query per source."""
    if versions is None:
        rows = store.select("sources-in-version")
    else:
        rows = [row for version in dict.fromkeys(versions)  # bound: 2 ms a version
                for row in store.select("sources-in-version", version=version)]
    unidentified: dict[str, bool] = {}
    for row in rows:  # a node cited by several versions is unidentified if every one says so
        unidentified[row["source"]] = unidentified.get(row["source"], True) and not any(
            row[name] for name in ("doi", "pmid", "pmcid", "setid"))
    identified_matches = _batched_matches(store, "sources-identifier-matches", unidentified, "described")
    folded: dict[str, str] = {}
    for node, found in identified_matches.items():
        if found:  # record-described first, then by IRI: as ``matches`` orders them
            into = min(found, key=lambda f: (not found[f], f))
            while into in folded:
                into = folded[into]
            if into != node:
                fold(store, NamedNode(node), NamedNode(into))
                folded[node] = into
    left = [node for node in unidentified if node not in folded]
    probable = QuadSink(iris.GRAPH_SOURCES)
    for node, found in _batched_matches(store, "sources-title-key-matches", left, "identified").items():
        for other, identified in sorted(found.items()):
            if other in folded or (identified and not unidentified[node]):
                continue  # both identified, by different identifiers: two works that share a title
            probable.add(NamedNode(node), CG.probableMatch, NamedNode(other))
            probable.add(NamedNode(other), CG.probableMatch, NamedNode(node))
    if probable.quads:
        store.write(probable.quads)
    touched = [NamedNode(folded.get(node, node)) for node in unidentified]
    if folded:  # a fold rewrites older graphs too: the keys there change members
        findings.refresh_duplicates(store, {*folded, *folded.values()})
    graphs = sorted({row["version"] for row in rows})
    settle(store, touched, [NamedNode(g) for g in graphs] if versions is not None else None)
    evidence.refresh(store, versions)


def _rows_for(store: ClaimStore, query: str, variable: str, nodes) -> list[dict]:
    """Rows of ``query`` with its ``#VALUES ?variable`` line filled, a block of IRIs at a time."""
    return [row for chunk in derived.chunks(nodes)
            for row in store.select(queries.with_iri_values(query, **{variable: chunk}))]


def _batched_matches(store: ClaimStore, query: str, nodes, flag: str) -> dict[str, dict[str, bool]]:
    """{node: {other node: flag}} for ``nodes``, from a query with ``#VALUES ?source``."""
    found: dict[str, dict[str, bool]] = {node: {} for node in nodes}
    for row in _rows_for(store, query, "source", nodes):
        found[row["source"]][row["other"]] = bool(row[flag])
    return found
