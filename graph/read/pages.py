"""Page data for the provenance browser: query rows turned into plain dicts.

Each ``*_page(store, iri)`` function runs the ``page-*.rq`` queries for one
resource and returns a JSON-ready dict: the web layer renders it as HTML and
serves it as ``.json``; its ``table`` entry (the page's main list) is what
``.csv`` gives. Returning None means the resource is not of that kind.
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import unquote, urlsplit

from pyoxigraph import BlankNode, NamedNode

from claimgraph.graph.rules import evidence
from claimgraph.graph.rdf import iris
from claimgraph.graph import queries
from claimgraph.graph import resolution
from claimgraph.graph.rdf.namespaces import CG, DCTERMS, FABIO, FOAF, PRISM, RDF, RDFS, SKOS
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.rdf import kinds

# How a claim is supported, strongest first: the CSS class, legend text.
SUPPORT = OrderedDict([
    ("guideline", "cited by a clinical practice guideline"),
    ("label", "cited by a drug label"),
    ("study", "cited by a study or other source"),
    ("uncited", "no citation"),
])
_KIND_SUPPORT = kinds.SUPPORT_BY_CLASS
KIND_NAMES = kinds.LABEL_BY_CLASS
CONCEPT_KINDS = {CG.Drug.value: "drug", CG.Condition.value: "condition"}


def support_of(kinds: list[str | None], cited: bool) -> str:
    """The strongest kind of source a claim cites; "uncited" when it cites none."""
    if not cited:
        return "uncited"
    found = {_KIND_SUPPORT.get(k or "", "study") for k in kinds} or {"study"}
    return next(name for name in SUPPORT if name in found)


def level_info(iri: str | None) -> dict | None:
    level = evidence.BY_IRI.get(iri or "")
    return {"iri": level.iri.value, "rank": level.rank, "label": level.label} if level else None


def level_for_rank(rank: int | None) -> dict | None:
    level = next((lv for lv in evidence.LEVELS if lv.rank == rank), None)
    return level_info(level.iri.value) if level else None


def link_label(url: str) -> str:
    """A readable name for a resolver link: "DOI 10.…", "PubMed 123", "DailyMed"."""
    parts = urlsplit(url)
    path = unquote(parts.path).strip("/")
    if parts.netloc == "doi.org":
        return f"DOI {path}"
    if parts.netloc == "pubmed.ncbi.nlm.nih.gov":
        return f"PubMed {path}"
    if "/pmc/articles/" in parts.path:
        return path.rsplit("/", 1)[-1]
    if parts.netloc.startswith("dailymed."):
        return "DailyMed label"
    return parts.netloc or url


def _one(rows: list[dict]) -> dict | None:
    return rows[0] if rows else None


# -- resources -----------------------------------------------------------------

def resource_types(store: ClaimStore, iri: str) -> set[str] | None:
    """The IRI's rdf:types; None when the store does not know the IRI at all."""
    rows = store.select("page-resource-exists", iri=NamedNode(iri))
    if not rows:
        return None
    return {row["type"] for row in rows if row["type"]}


def properties(store: ClaimStore, iri: str) -> dict[str, list[dict]]:
    """Predicate IRI -> values ``{"value", "label", "is_iri"}``, predicates and values sorted
    (as text): engines list them in orders of their own, and ``_first`` must not depend on it."""
    result: dict[str, list[dict]] = {}
    seen = set()
    rows = store.select("page-resource", iri=NamedNode(iri))
    for row in sorted(rows, key=lambda row: (row["p"], str(row["o"]))):
        key = (row["p"], row["o"])
        if key in seen:
            continue
        seen.add(key)
        result.setdefault(row["p"], []).append(
            {"value": row["o"], "label": row["label"], "is_iri": _looks_like_iri(row["o"])})
    return result


def _looks_like_iri(value) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://", "urn:"))


def _first(props: dict, predicate: NamedNode):
    values = props.get(predicate.value) or []
    return values[0]["value"] if values else None


def _all(props: dict, predicate: NamedNode) -> list:
    return [v["value"] for v in props.get(predicate.value, [])]


def resource_page(store: ClaimStore, iri: str) -> dict:
    """Any known IRI: its properties, for resources without a dedicated page."""
    props = properties(store, iri)
    rows = [{"property": p, "value": v["value"], "label": v["label"], "is_iri": v["is_iri"]}
            for p, values in props.items() for v in values]
    label = _first(props, RDFS.label) or _first(props, DCTERMS.title) or _first(props, SKOS.prefLabel)
    return {"kind": "resource", "iri": iri, "title": label or iri.rsplit("/", 1)[-1],
            "types": _all(props, RDF.type), "table": rows}


# -- sources as cited -------------------------------------------------------------

# The source card's properties, by predicate. A source cited by several articles
# is described in each citing version's graph (and in the sources graph once a
# record of it is loaded), and the descriptions may differ; each property is
# chosen deterministically: the sources graph's value first, then the citing
# version's own, and only when neither has one, the smallest of any other graph
# (values compared as text; a publisher as "IRI<tab>name").
# The identifiers are for the audit exports (graph/exports/rows.py), which use the same cards.
_CARD_PROPERTIES = {RDF.type.value: "kind", DCTERMS.title.value: "title", DCTERMS.publisher.value: "org",
                    CG.evidenceLevel.value: "level", CG.resolution.value: "resolution",
                    CG.kindBasis.value: "kind_basis", PRISM.doi.value: "doi", FABIO.hasPubMedId.value: "pmid",
                    FABIO.hasPubMedCentralId.value: "pmcid", CG.splSetId.value: "setid"}


def citations(store: ClaimStore, **binding) -> list[dict]:
    """Markers (of a ``version`` or a ``claim``) with their source cards, links grouped.

    Several small queries rather than one: pyoxigraph plans a query before the
    bound ?version is substituted, and the single query read every citing
    article's copy of every cited source (its cost grew with the store). Here
    the sources are listed first and looked up by IRI in two graphs."""
    if "claim" in binding and "version" not in binding:
        found = store.select("page-citations-version", claim=NamedNode(binding["claim"]))
        if not found:
            return []
        binding = {**binding, "version": found[0]["version"]}
    rows = store.select("page-citations-markers", **{k: NamedNode(v) for k, v in binding.items()})
    rows.sort(key=lambda row: (row["claim"], row["marker"]))
    resolved = resolution.identified_with_decision(store, {row["source"] for row in rows if row["source"]})
    for row in rows:  # a reference a reviewer identified reads as the record (graph/resolution)
        if row["source"] in resolved:
            row["cited_as"], (row["source"], row["decision"]) = row["source"], resolved[row["source"]]
    cards = {}
    for version, sources in _sources_by_version(rows).items():
        cards.update({(version, source): card for source, card in source_cards(store, version, sources).items()})
    markers: "OrderedDict[str, dict]" = OrderedDict()
    for row in rows:
        if row["marker"] in markers:
            continue
        source = None
        if row["source"]:
            source = _source_entry(row["source"], cards[(row["version"], row["source"])], row["ref_text"])
            source["cited_as"], source["decision"] = row.get("cited_as"), row.get("decision")
        markers[row["marker"]] = {
            "iri": row["marker"], "claim": row["claim"], "label": row["label"],
            "start": row["start"], "end": row["end"], "anchor": anchor_of(row["marker"]),
            "source": source,
        }
    return list(markers.values())


def _sources_by_version(rows: list[dict]) -> dict[str, set[str]]:
    by_version: dict[str, set[str]] = {}
    for row in rows:
        if row["source"]:
            by_version.setdefault(row["version"], set()).add(row["source"])
    return by_version


def source_cards(store: ClaimStore, version: str, sources: set[str]) -> dict[str, dict]:
    """Source IRI -> {property: text or None, "links": [url, ...]}. A source is described
    once: by its record (the sources graph, first) or by the reference that first cited it
    (the cited-sources graph); the citing version's own graph is read too, for stores written
    before that (until ``claimgraph upgrade``). No other graph says anything of it."""
    best: dict[tuple[str, str], tuple[int, str]] = {}
    ranks = {iris.GRAPH_SOURCES.value: 0, iris.GRAPH_CITED.value: 1, version: 1}
    for source, graph, predicate, obj, names in _card_statements(store, list(ranks), sources):
        name = _CARD_PROPERTIES.get(predicate.value)
        if name is None or isinstance(obj, BlankNode) or (
                predicate == RDF.type and obj.value not in kinds.BY_CLASS):
            continue
        text = obj.value
        if predicate == DCTERMS.publisher:  # with its name, as the same graph gives it
            text = f"{text}\t{min(names) if names else ''}"
        best[(source, name)] = min(best.get((source, name), (ranks[graph], text)), (ranks[graph], text))
    cards = {source: {name: None for name in _CARD_PROPERTIES.values()} | {"links": []} for source in sources}
    for (source, name), (_, text) in best.items():
        cards[source][name] = text
    for row in store.select(queries.with_iri_values("page-citations-links", source=sources)):
        cards[row["source"]]["links"].append(row["link"])
    return cards


def _card_statements(store: ClaimStore, graphs: list[str], sources: set[str]):
    """(source, graph, predicate, object, publisher names) of what ``graphs`` say of
    ``sources``. In process each (source, graph) is one index look-up -- a VALUES query of
    sources and graphs was planned as a scan of the cited-sources graph (21 ms a page);
    over the network those look-ups were a round trip each (111 for the seed article's
    page), so a remote store answers one query (``page-source-card-quads.rq``)."""
    if getattr(store, "ROUND_TRIPS", False):
        by_statement: dict[tuple, set[str]] = {}
        rows = store.query(queries.with_iri_values("page-source-card-quads", source=sources, graph=graphs))
        names = [v.value for v in rows.variables]
        for solution in rows:
            row = dict(zip(names, (solution[n] for n in names)))
            found = by_statement.setdefault((row["source"].value, row["graph"].value, row["p"], row["o"]), set())
            if row["name"] is not None:
                found.add(row["name"].value)
        for (source, graph, predicate, obj), found in by_statement.items():
            yield source, graph, predicate, obj, found
        return
    for graph in graphs:
        node = NamedNode(graph)
        for source in sources:
            for quad in store.quads(NamedNode(source), None, None, node):
                found = ({q.object.value for q in store.quads(quad.object, FOAF.name, None, node)}
                         if quad.predicate == DCTERMS.publisher else set())
                yield source, graph, quad.predicate, quad.object, found


def _source_entry(iri: str, card: dict, reference_text: str | None) -> dict:
    org, _, org_name = (card["org"] or "").partition("\t")
    links = [{"url": url, "label": link_label(url)} for url in sorted(card["links"])]
    return {
        "iri": iri, "title": card["title"], "kind": card["kind"],
        "kind_name": KIND_NAMES.get(card["kind"] or "", "source of unknown kind"),
        "support": _KIND_SUPPORT.get(card["kind"] or "", "study"),
        "organisation": org or None, "organisation_name": org_name or None,
        "level": level_info(card["level"]),
        "resolved": card["resolution"] == CG.Resolved.value,
        "kind_basis": card["kind_basis"], "reference_text": reference_text,
        "links": sorted(links, key=lambda link: link["label"]),
    }


def anchor_of(iri: str) -> str:
    """An HTML id for a part of an article version: "claim-18-marker-1"."""
    version_part = iri.split("/v-", 1)[-1]
    return version_part.split("/", 1)[1].replace("/", "-") if "/" in version_part else "top"


def mentions(store: ClaimStore, **binding) -> dict[str, list[dict]]:
    """Claim IRI -> the conditions and drugs it names."""
    result: dict[str, list[dict]] = {}
    for row in store.select("page-mentions", **{k: NamedNode(v) for k, v in binding.items()}):
        result.setdefault(row["claim"], []).append({
            "iri": row["concept"], "label": row["label"] or row["concept"].rsplit("/", 1)[-1],
            "kind": CONCEPT_KINDS.get(row["kind"] or "", "concept")})
    return result


def claims_with_support(store: ClaimStore, version: str) -> tuple[list[dict], list[dict]]:
    """The claims of a version with their markers and support class, and all markers."""
    markers = citations(store, version=version)
    by_claim: dict[str, list[dict]] = {}
    for marker in markers:
        by_claim.setdefault(marker["claim"], []).append(marker)
    claims = []
    for row in store.select("page-claims", version=NamedNode(version)):
        claim_markers = by_claim.get(row["claim"], [])
        sources = [m["source"] for m in claim_markers if m["source"]]
        claims.append({
            "iri": row["claim"], "position": row["position"], "text": row["text"],
            "original": row["original"] or row["text"], "block": row["block"],
            "start": row["start"], "end": row["end"], "section": row["section"],
            "section_title": row["section_title"], "level": level_info(row["level"]),
            "anchor": anchor_of(row["claim"]), "markers": claim_markers,
            "support": support_of([s["kind"] for s in sources], bool(sources)),
        })
    return claims, markers
