"""Page data for the home page, a source, and a condition or drug."""

from __future__ import annotations

from pyoxigraph import NamedNode

from .namespaces import CG, DCTERMS, FABIO, PRISM, RDF, RDFS, SCHEMA, SKOS
from .pages import (CONCEPT_KINDS, KIND_NAMES, _all, _first, level_for_rank, level_info,
                    link_label, properties)
from .store import ClaimStore

TOP_CONCEPTS = 12


def home_page(store: ClaimStore) -> dict:
    stats = store.select("stats")[0]
    kinds = [{"kind": KIND_NAMES.get(row["kind"] or "", "kind not known"), "sources": row["sources"],
              "resolved": row["resolved_sources"]} for row in store.select("page-home-sources")]
    concepts = store.select("page-home-concepts")
    drugs = [c for c in concepts if c["kind"] == CG.Drug.value]
    conditions = [c for c in concepts if c["kind"] == CG.Condition.value]
    claims = stats["claims"] or 0
    return {
        "kind": "home", "title": "What the graph holds",
        "counts": {
            "articles": stats["articles"], "article_versions": stats["versions"], "claims": claims,
            "uncited_claims": stats["uncited_claims"],
            "uncited_share": round(100 * stats["uncited_claims"] / claims, 1) if claims else None,
            "sources": stats["sources"], "unresolved_sources": stats["unresolved_sources"],
            "conditions": len(conditions), "drugs": len(drugs),
        },
        "sources_by_kind": kinds,
        "top_drugs": drugs[:TOP_CONCEPTS], "top_conditions": conditions[:TOP_CONCEPTS],
        "articles": store.select("page-home-articles"),
        "loads": store.select("page-home-loads"),
        "table": [{"count": name, "value": value} for name, value in stats.items()],
    }


def source_page(store: ClaimStore, source: str) -> dict | None:
    props = properties(store, source)
    types = set(_all(props, RDF.type))
    if CG.Source.value not in types:
        return None
    kind = next((k for k in (CG.Guideline.value, CG.DrugLabel.value, CG.Study.value) if k in types), None)
    publisher = (props.get(DCTERMS.publisher.value) or [None])[0]
    citing = store.select("page-source-citing", source=NamedNode(source))
    articles: dict[str, dict] = {}
    for row in citing:
        article = articles.setdefault(row["version"], {
            "version": row["version"], "title": row["title"], "number": row["number"],
            "current": row["current"], "claims": []})
        if not any(c["iri"] == row["claim"] for c in article["claims"]):
            article["claims"].append({"iri": row["claim"], "text": row["text"], "label": row["label"],
                                      "position": row["position"], "level": level_info(row["level"])})
    resolution = _first(props, CG.resolution)
    # Same title and year, no shared identifier: the source pipeline never merges these.
    candidates = store.select("page-source-probable-matches", source=NamedNode(source))
    title = _first(props, DCTERMS.title)
    return {
        "kind": "source", "iri": source, "title": title or "Untitled source",
        "has_title": bool(title), "source_kind": KIND_NAMES.get(kind or "", "kind not known"),
        "support": {CG.Guideline.value: "guideline", CG.DrugLabel.value: "label"}.get(kind or "", "study"),
        "identifiers": {
            "DOI": _first(props, PRISM.doi), "PubMed ID": _first(props, FABIO.hasPubMedId),
            "PMC ID": _first(props, FABIO.hasPubMedCentralId), "DailyMed set ID": _first(props, CG.splSetId),
        },
        "url": _first(props, SCHEMA.url),
        "links": sorted(({"url": u, "label": link_label(u)} for u in _all(props, RDFS.seeAlso)),
                        key=lambda link: link["label"]),
        "authors": _all(props, DCTERMS.creator), "journal": _first(props, PRISM.publicationName),
        "year": _first(props, FABIO.hasPublicationYear),
        "publication_types": _all(props, CG.publicationType),
        "publisher": {"iri": publisher["value"], "name": publisher["label"]} if publisher else None,
        "level": level_info(_first(props, CG.evidenceLevel)),
        "resolved": resolution == CG.Resolved.value, "kind_basis": _all(props, CG.kindBasis),
        "candidates": candidates,
        "articles": list(articles.values()),
        "citing_claims": sum(len(a["claims"]) for a in articles.values() if a["current"]),
        "citing_claims_all_versions": len({r["claim"] for r in citing}),
        "export_selection": {"source": [source]} if any(a["current"] for a in articles.values()) else None,
        "table": [{"claim": r["claim"], "text": r["text"], "article": r["title"], "version": r["version"],
                   "current": r["current"], "marker": r["label"]} for r in citing],
    }


def concept_page(store: ClaimStore, concept: str) -> dict | None:
    props = properties(store, concept)
    types = set(_all(props, RDF.type))
    kind = next((CONCEPT_KINDS[t] for t in CONCEPT_KINDS if t in types), None)
    if kind is None and SKOS.Concept.value not in types:
        return None
    label = _first(props, SKOS.prefLabel) or concept.rsplit("/", 1)[-1]
    tree = store.select("page-concept-tree", concept=NamedNode(concept))
    claims = store.select("page-concept-claims", concept=NamedNode(concept))
    articles: dict[str, dict] = {}
    for row in claims:
        article = articles.setdefault(row["version"], {"version": row["version"], "title": row["title"],
                                                       "claims": []})
        entry = next((c for c in article["claims"] if c["iri"] == row["claim"]), None)
        if entry is None:
            entry = {"iri": row["claim"], "text": row["text"], "level": level_info(row["level"]), "via": []}
            article["claims"].append(entry)
        if row["via"] != concept and row["via_label"] not in entry["via"]:
            entry["via"].append(row["via_label"] or row["via"])
    return {
        "kind": "concept", "iri": concept, "title": label, "concept_kind": kind or "concept",
        "alt_labels": sorted(set(_all(props, SKOS.altLabel))),
        "notations": sorted(set(_all(props, SKOS.notation))),
        "matches": sorted(set(_all(props, SKOS.exactMatch) + _all(props, SKOS.closeMatch))),
        "definition": _first(props, SKOS.definition),
        "broader_chain": _broader_chain(concept, tree),
        "narrower": [{"iri": r["other"], "label": r["label"]} for r in tree if r["relation"] == "narrower"],
        "articles": list(articles.values()),
        "claim_count": len({r["claim"] for r in claims}),
        "matrix": evidence_matrix(store, concept),
        # The concept and the narrower ones claims name, as the audit export selects them.
        "export_selection": {"concept": sorted({r["via"] for r in claims})} if claims else None,
        "table": [{"claim": r["claim"], "text": r["text"], "article": r["title"],
                   "named_as": r["via_label"]} for r in claims],
    }


def _broader_chain(concept: str, tree: list[dict]) -> list[dict]:
    """Broader concepts from the top down to the concept's parent (first parent wins)."""
    parent_of = {}
    labels = {}
    for row in tree:
        if row["relation"] == "broader":
            labels[row["other"]] = row["label"]
            parent_of.setdefault(row["other"], row["parent"])
    direct = [o for o in parent_of if o not in {p for p in parent_of.values()}]
    chain, node = [], direct[0] if direct else None
    while node is not None and node not in {c["iri"] for c in chain}:
        chain.append({"iri": node, "label": labels.get(node) or node.rsplit("/", 1)[-1]})
        node = parent_of.get(node)
    return list(reversed(chain))


def evidence_matrix(store: ClaimStore, concept: str) -> dict:
    """Drugs x conditions named together in claims about the concept."""
    rows = store.select("page-evidence-matrix", concept=NamedNode(concept))
    drugs = {r["drug"]: r["drug_label"] or r["drug"].rsplit("/", 1)[-1] for r in rows}
    conditions = {r["condition"]: r["condition_label"] or r["condition"].rsplit("/", 1)[-1] for r in rows}
    cells = {(r["drug"], r["condition"]): {"claims": r["claims"], "level": level_for_rank(r["best_rank"])}
             for r in rows}
    drug_order = sorted(drugs, key=lambda d: (-sum(c["claims"] for (dd, _), c in cells.items() if dd == d),
                                              drugs[d]))
    condition_order = sorted(conditions, key=lambda c: (
        -sum(v["claims"] for (_, cc), v in cells.items() if cc == c), conditions[c]))
    return {
        "drugs": [{"iri": d, "label": drugs[d]} for d in drug_order],
        "conditions": [{"iri": c, "label": conditions[c]} for c in condition_order],
        "rows": [[cells.get((d, c)) for c in condition_order] for d in drug_order],
    }


__all__ = ["home_page", "source_page", "concept_page", "evidence_matrix"]
