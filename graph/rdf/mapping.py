"""Records -> RDF quads, per ontology/claimgraph.ttl and ontology/README.md.

Pure functions: nothing here touches a store. Every node gets an IRI from
``iris`` (no blank nodes), so that exports are deterministic and re-imports are
isomorphic.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from typing import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.loaders.records import Article, Claim, Organisation, Source

from claimgraph.graph.rules import evidence
from claimgraph.graph.rdf import iris
from claimgraph.graph.rdf import kinds
from claimgraph.graph.rdf.namespaces import (BIRO, C4O, CG, CITO, DCTERMS, DOCO, FABIO, FOAF, OA, PAV, PRISM, PROV,
                         RDF, RDFS, SCHEMA, XSD)

SOURCE_KIND_CLASS = kinds.CLASS_BY_SLUG
SECTION_KIND = {"guideline": CG.GuidelineSection, "drug-label": CG.DrugLabelSection,
                "research": CG.ResearchSection}


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD.boolean)


class QuadSink:
    """Collects quads for one graph; ``add`` skips None objects."""

    def __init__(self, graph: NamedNode):
        self.graph = graph
        self.quads: list[Quad] = []

    def add(self, s, p, o) -> None:
        if o is None:
            return
        if isinstance(o, str):
            o = Literal(o)
        self.quads.append(Quad(s, p, o, self.graph))


@dataclass
class VersionContext:
    """What the store knows when a new version is written."""

    previous: NamedNode | None = None  # the current version before this one
    number: int = 1  # pav:version
    activity: NamedNode | None = None  # the load (prov:Activity) that wrote it


def resolver_links(source: Source) -> Iterator[NamedNode]:
    ids = source.identifiers
    if ids.doi:
        yield NamedNode("https://doi.org/" + quote(ids.doi, safe="/-._;():"))
    if ids.pmid:
        yield NamedNode(f"https://pubmed.ncbi.nlm.nih.gov/{ids.pmid}/")
    if ids.pmcid:
        yield NamedNode(f"https://www.ncbi.nlm.nih.gov/pmc/articles/{ids.pmcid}/")
    if ids.setid:
        yield NamedNode(f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={ids.setid}")


def organisation_quads(sink: QuadSink, org: Organisation) -> NamedNode:
    node = iris.organisation_iri(org)
    sink.add(node, RDF.type, FOAF.Organization)
    sink.add(node, RDF.type, SCHEMA.Organization)
    sink.add(node, FOAF.name, org.name)
    sink.add(node, RDFS.label, org.name)
    if org.short_name:
        sink.add(node, SCHEMA.alternateName, org.short_name)
    return node


def source_quads(sink: QuadSink, node: NamedNode, source: Source) -> None:
    """What is known of a source, as its citing article or its own record says."""
    sink.add(node, RDF.type, CG.Source)
    kind_class = SOURCE_KIND_CLASS.get(source.kind or "")
    if kind_class is not None:
        sink.add(node, RDF.type, kind_class)
    if source.kind == "guideline":
        sink.add(node, RDF.type, SCHEMA.MedicalGuideline)
    ids = source.identifiers
    sink.add(node, DCTERMS.title, source.title)
    sink.add(node, PRISM.doi, ids.doi)
    sink.add(node, FABIO.hasPubMedId, ids.pmid)
    sink.add(node, FABIO.hasPubMedCentralId, ids.pmcid)
    sink.add(node, CG.splSetId, ids.setid)
    if ids.url:
        sink.add(node, SCHEMA.url, NamedNode(ids.url) if _is_iri(ids.url) else Literal(ids.url))
    for link in resolver_links(source):
        sink.add(node, RDFS.seeAlso, link)
    for author in source.authors:
        sink.add(node, DCTERMS.creator, author)
    sink.add(node, PRISM.publicationName, source.journal)
    if source.year:
        sink.add(node, FABIO.hasPublicationYear, Literal(f"{source.year:04d}", datatype=XSD.gYear))
    # An indexed key, so probable-match look-ups are one lookup, not a scan of a year's sources.
    sink.add(node, CG.titleYearKey, iris.title_year_key(source.title, source.year))
    for pub_type in source.publication_types:
        sink.add(node, CG.publicationType, pub_type)
    if source.organisation:
        sink.add(node, DCTERMS.publisher, organisation_quads(sink, source.organisation))
    sink.add(node, CG.kindBasis, source.kind_basis)
    sink.add(node, CG.resolution, CG.Resolved if ids.any() else CG.Unresolved)
    level = evidence.level_for_source(source)
    sink.add(node, CG.evidenceLevel, level.iri)


def _is_iri(text: str) -> bool:
    return text.startswith(("http://", "https://")) and not any(c in text for c in ' <>"{}|\\^`')


def cited_descriptions(article: Article) -> dict[NamedNode, list[Quad]]:
    """What the article's reference entries say of the sources they cite, per source node,
    for ``iris.GRAPH_CITED``: written for a node no record and no earlier reference has
    described yet (``ingest``), so that each source is described once. Each description
    says which reference it was taken from (``prov:wasDerivedFrom``)."""
    key = iris.article_key(article.key_text)
    version = iris.version_iri(key, article.content_sha256)
    described: dict[NamedNode, list[Quad]] = {}
    for ref in article.references:
        src_node = iris.source_iri(ref.source, article=key, label=ref.number, entry_text=ref.text)
        if src_node in described:
            continue  # two entries of one list naming one work: the first describes it
        sink = QuadSink(iris.GRAPH_CITED)
        source_quads(sink, src_node, ref.source)
        sink.add(src_node, PROV.wasDerivedFrom, iris.child_iri(version, "ref", quote(ref.number, safe="")))
        described[src_node] = sink.quads
    return described


def article_quads(article: Article, ctx: VersionContext) -> list[Quad]:
    """Every quad of one article version, all in the version's own named graph: the article,
    its claims, markers, references and citations, pointing at source nodes described
    elsewhere (``cited_descriptions``, or a source record)."""
    key = iris.article_key(article.key_text)
    work = iris.article_iri(key)
    version = iris.version_iri(key, article.content_sha256)
    sink = QuadSink(version)

    sink.add(work, RDF.type, CG.ArticleWork)
    sink.add(work, RDF.type, FABIO.Work)
    sink.add(work, DCTERMS.title, article.title)
    sink.add(work, DCTERMS.hasVersion, version)

    sink.add(version, RDF.type, CG.Article)
    sink.add(version, RDF.type, FABIO.Expression)
    sink.add(version, DCTERMS.title, article.title)
    sink.add(version, DCTERMS.isVersionOf, work)
    sink.add(version, PAV.version, str(ctx.number))
    sink.add(version, PROV.wasRevisionOf, ctx.previous)
    sink.add(version, PROV.wasGeneratedBy, ctx.activity)
    if article.updated:
        sink.add(version, DCTERMS.modified, Literal(article.updated, datatype=XSD.date))
    if article.url and _is_iri(article.url):
        sink.add(version, SCHEMA.url, NamedNode(article.url))
    sink.add(version, CG.contentSha256, article.content_sha256)
    sink.add(version, CG.sourceFile, article.source_path)
    sink.add(version, CG.sourceFormat, article.source_format)
    sink.add(version, CG.sourceLocator, article.locator)
    sink.add(version, CG.hasReferenceList, boolean(article.has_reference_list))
    for name, value in sorted(article.extra.items()):
        sink.add(version, CG.inputField, f"{name}={value}")
    for warning in article.warnings:
        sink.add(version, CG.loadWarning, warning)

    sections = [iris.child_iri(version, "section", i + 1) for i in range(len(article.sections))]
    for i, section in enumerate(article.sections):
        node = sections[i]
        sink.add(node, RDF.type, DOCO.Section)
        sink.add(node, DCTERMS.isPartOf, version)
        sink.add(node, DCTERMS.title, section.heading)
        sink.add(node, CG.position, integer(i + 1))
        sink.add(node, CG.headingLevel, integer(section.level))
        sink.add(node, CG.sectionKind, SECTION_KIND.get(section.kind or ""))
        if section.parent is not None:
            sink.add(node, CG.parentSection, sections[section.parent])

    blocks = [iris.child_iri(version, "block", i + 1) for i in range(len(article.blocks))]
    for i, block in enumerate(article.blocks):
        node = blocks[i]
        sink.add(node, RDF.type, CG.Block)
        sink.add(node, RDF.type, DOCO.Paragraph if block.kind == "paragraph" else CG.ListItem)
        sink.add(node, DCTERMS.isPartOf, version)
        sink.add(node, C4O.hasContent, block.text)
        sink.add(node, CG.position, integer(i + 1))
        if block.section is not None:
            sink.add(node, CG.inSection, sections[block.section])

    references: dict[str, NamedNode] = {}
    sources: dict[str, tuple[NamedNode, Source]] = {}
    for ref in article.references:
        ref_node = iris.child_iri(version, "ref", quote(ref.number, safe=""))
        src_node = iris.source_iri(ref.source, article=key, label=ref.number, entry_text=ref.text)
        references[ref.number] = ref_node
        sources[ref.number] = (src_node, ref.source)
        sink.add(ref_node, RDF.type, BIRO.BibliographicReference)
        sink.add(ref_node, DCTERMS.isPartOf, version)
        sink.add(ref_node, FABIO.hasSequenceIdentifier, ref.number)
        sink.add(ref_node, BIRO.references, src_node)
        sink.add(ref_node, C4O.hasContent, ref.text)
        sink.add(ref_node, CG.fromMarkerOnly, boolean(ref.text is None))

    uncited = 0
    for n, claim in enumerate(article.claims, start=1):
        node = iris.child_iri(version, "claim", n)
        block_section = article.blocks[claim.block].section if claim.block < len(blocks) else None
        section_node = sections[block_section] if block_section is not None else None
        if not _claim_quads(sink, node, n, claim, version, blocks[claim.block], section_node,
                            references, sources):
            uncited += 1
    sink.add(version, CG.claimCount, integer(len(article.claims)))
    sink.add(version, CG.uncitedClaimCount, integer(uncited))
    return sink.quads


def _claim_quads(sink: QuadSink, node: NamedNode, n: int, claim: Claim, version: NamedNode,
                 block: NamedNode, section: NamedNode | None,
                 references: dict[str, NamedNode],
                 sources: dict[str, tuple[NamedNode, Source]]) -> bool:
    """Quads of one claim; True when it cites at least one source."""
    sink.add(node, RDF.type, CG.Claim)
    sink.add(node, C4O.hasContent, claim.text)
    sink.add(node, CG.originalText, claim.original)
    sink.add(node, DCTERMS.isPartOf, version)
    sink.add(node, CG.inBlock, block)
    sink.add(node, CG.inSection, section)
    sink.add(node, CG.position, integer(n))
    if claim.start is not None:
        sink.add(node, CG.startOffset, integer(claim.start))
        sink.add(node, CG.endOffset, integer(claim.end))

    for j, marker in enumerate(claim.markers, start=1):
        m_node = iris.child_iri(node, "marker", j)
        sink.add(m_node, RDF.type, C4O.InTextReferencePointer)
        sink.add(m_node, C4O.hasContent, marker.label)
        sink.add(m_node, CG.inClaim, node)
        sink.add(m_node, C4O.denotes, references.get(marker.label))
        _selector(sink, m_node, marker.label, marker.start, marker.end)

    levels = []
    for label in claim.cited_labels:
        if label not in sources:
            continue  # the loader warned: a marker with no reference entry
        src_node, source = sources[label]
        level = evidence.level_for_source(source)
        levels.append(level)
        sink.add(node, CITO.cites, src_node)
        sink.add(node, CITO.citesAsEvidence, src_node)
        citation = iris.child_iri(node, "citation", quote(label, safe=""))
        sink.add(citation, RDF.type, CITO.Citation)
        sink.add(citation, CITO.hasCitingEntity, node)
        sink.add(citation, CITO.hasCitedEntity, src_node)
        sink.add(citation, CITO.hasCitationCharacterization, CITO.citesAsEvidence)
        sink.add(citation, CG.viaReference, references[label])
        sink.add(citation, CG.evidenceLevel, level.iri)
    best = evidence.strongest(levels)
    if best is not None:
        sink.add(node, CG.strongestEvidenceLevel, best.iri)

    for k, mention in enumerate(claim.mentions, start=1):
        mn = iris.child_iri(node, "mention", k)
        concept = NamedNode(mention.concept)
        sink.add(node, CG.mentions, concept)
        sink.add(mn, RDF.type, CG.Mention)
        sink.add(mn, CG.inClaim, node)
        sink.add(mn, CG.concept, concept)
        _selector(sink, mn, mention.surface, mention.start, mention.end)

    for k, judgment in enumerate(claim.judgments, start=1):
        jn = iris.child_iri(node, "judgment", k)
        sink.add(jn, RDF.type, CG.Judgment)
        sink.add(jn, RDF.type, OA.Annotation)
        sink.add(jn, OA.motivatedBy, OA.assessing)
        sink.add(jn, OA.hasTarget, node)
        sink.add(jn, CG.aspect, judgment.aspect)
        sink.add(jn, RDF.value, judgment.value)
        sink.add(jn, DCTERMS.creator, judgment.annotator)
        sink.add(jn, RDFS.comment, judgment.note)
        for passage in judgment.evidence:
            sink.add(jn, CG.evidencePassage, passage)
    return bool(levels)


def _selector(sink: QuadSink, target: NamedNode, exact: str, start: int, end: int) -> None:
    """Web Annotation selector for a span of the claim's text, as an IRI node."""
    sel = NamedNode(target.value + "/selector")
    sink.add(target, OA.hasSelector, sel)
    sink.add(sel, RDF.type, OA.TextPositionSelector)
    sink.add(sel, RDF.type, OA.TextQuoteSelector)
    sink.add(sel, OA.exact, exact)
    sink.add(sel, OA.start, integer(start))
    sink.add(sel, OA.end, integer(end))
