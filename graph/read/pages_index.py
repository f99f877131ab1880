"""Page data for the home page, a source, and a condition or drug.

Their cross-article lists (claims citing a source, claims naming a concept,
the evidence matrix, the home counts) come from the page-list index
(``page_lists``), which holds current article versions only; what belongs to
the resource itself (a source's record, a concept's labels and hierarchy) is
read from the store by the resource's IRI."""

from __future__ import annotations

from pyoxigraph import NamedNode

from claimgraph.graph.index import page_lists
from claimgraph.graph import queries
from claimgraph.graph.rdf.namespaces import CG, DCTERMS, FABIO, PRISM, RDF, RDFS, SCHEMA, SKOS
from claimgraph.graph.read.pages import (CONCEPT_KINDS, KIND_NAMES, _all, _first, level_for_rank, level_info,
                    link_label, properties)
from claimgraph.graph.rdf.kinds import SLUG_BY_CLASS as SOURCE_KINDS
from claimgraph.graph.store import ClaimStore
from claimgraph.graph.rdf import kinds

TOP_CONCEPTS = 12
HOME_ARTICLES = 50  # a page of the home's article list; as page-home-articles.rq's LIMIT
CLAIMS_PER_PAGE = 50  # claims listed per page on source and concept pages
_KIND_NAMES_BY_INDEX_KIND = {name: KIND_NAMES[iri] for iri, name in SOURCE_KINDS.items()}


def home_page(store: ClaimStore, *, order: str = "recent", contains: str = "", page: int = 1) -> dict:
    """The home page; its article list in ``order`` (page_lists.ARTICLE_ORDERS), only
    titles containing ``contains``, page ``page`` of HOME_ARTICLES."""
    lists = page_lists.home_lists(store, top=TOP_CONCEPTS)
    articles = page_lists.articles_page(store, order=order, contains=contains, page=page, per_page=HOME_ARTICLES)
    counts = lists["counts"]
    claims = counts["claims"]
    return {
        "kind": "home", "title": "What the graph holds",
        "counts": {
            "articles": counts["articles"], "article_versions": counts["versions"], "claims": claims,
            "uncited_claims": counts["uncited_claims"],
            "uncited_share": round(100 * counts["uncited_claims"] / claims, 1) if claims else None,
            "sources": counts["sources"], "unresolved_sources": counts["unresolved_sources"],
            "conditions": counts["conditions"], "drugs": counts["drugs"],
        },
        "sources_by_kind": [{"kind": _KIND_NAMES_BY_INDEX_KIND.get(row["kind"] or "", "kind not known"),
                             "sources": row["sources"], "resolved": row["resolved"]}
                            for row in lists["sources_by_kind"]],
        "top_drugs": lists["top_drugs"], "top_conditions": lists["top_conditions"],
        "articles": articles.items, "article_paging": articles.as_dict(),
        "article_list": {"order": order, "contains": contains, "orders": list(page_lists.ARTICLE_ORDERS)},
        "loads": recent_loads(store),
        "table": [{"count": name, "value": value} for name, value in counts.items()],
    }


def recent_loads(store: ClaimStore) -> list[dict]:
    """page-home-loads.rq's rows, read for the most recent activities only: an ordered
    scan of start times alone, then the details of those few. Should one of them not
    be a load (nothing else records a start time today), every load is read instead."""
    latest = {row["activity"] for row in store.select("page-home-load-times")}
    if not latest:
        return []
    rows = store.select(queries.with_iri_values("page-home-loads", activity=latest))
    if {row["activity"] for row in rows} != latest:
        rows = store.select("page-home-loads")
    return rows


def _authors(props: dict) -> list[str]:
    """In the record's order: ``cg:authorList`` keeps it (the first list in string order
    when merged records bring several); dcterms:creator values have none, so they are
    sorted -- engines list a property's values in different orders."""
    lists = sorted(_all(props, CG.authorList))
    return lists[0].split("; ") if lists else sorted(_all(props, DCTERMS.creator))


def source_page(store: ClaimStore, source: str, page: int = 1) -> dict | None:
    props = properties(store, source)
    types = set(_all(props, RDF.type))
    if CG.Source.value not in types:
        return None
    kind = next((k for k in (CG.Guideline.value, CG.DrugLabel.value, CG.Study.value) if k in types), None)
    publisher = (props.get(DCTERMS.publisher.value) or [None])[0]
    citing = page_lists.citing_claims(store, source, page=page, per_page=CLAIMS_PER_PAGE)
    resolution = _first(props, CG.resolution)
    # Same title and year, no shared identifier: the source pipeline never merges these.
    candidates = store.select("page-source-probable-matches", source=NamedNode(source))
    title = _first(props, DCTERMS.title)
    return {
        "kind": "source", "iri": source, "title": title or "Untitled source",
        "has_title": bool(title), "source_kind": KIND_NAMES.get(kind or "", "kind not known"),
        "support": kinds.SUPPORT_BY_CLASS.get(kind or "", "study"),
        "identifiers": {
            "DOI": _first(props, PRISM.doi), "PubMed ID": _first(props, FABIO.hasPubMedId),
            "PMC ID": _first(props, FABIO.hasPubMedCentralId), "DailyMed set ID": _first(props, CG.splSetId),
        },
        "url": _first(props, SCHEMA.url),
        "links": sorted(({"url": u, "label": link_label(u)} for u in _all(props, RDFS.seeAlso)),
                        key=lambda link: link["label"]),
        "authors": _authors(props), "journal": _first(props, PRISM.publicationName),
        "year": _first(props, FABIO.hasPublicationYear),
        "publication_types": _all(props, CG.publicationType),
        "publisher": {"iri": publisher["value"], "name": publisher["label"]} if publisher else None,
        "level": level_info(_first(props, CG.evidenceLevel)),
        "resolved": resolution == CG.Resolved.value, "kind_basis": _all(props, CG.kindBasis),
        "candidates": candidates,
        "articles": citing.items,
        "citing_claims": citing.total,
        "citing_articles": page_lists.citing_article_count(store, source) if citing.total else 0,
        "paging": citing.as_dict(),
        "export_selection": {"source": [source]} if citing.total else None,
        "table": [{"claim": c["iri"], "text": c["text"], "article": a["title"], "version": a["version"],
                   "current": True, "marker": " ".join(c["labels"])}
                  for a in citing.items for c in a["claims"]],
    }


def concept_page(store: ClaimStore, concept: str, page: int = 1) -> dict | None:
    props = properties(store, concept)
    types = set(_all(props, RDF.type))
    kind = next((CONCEPT_KINDS[t] for t in CONCEPT_KINDS if t in types), None)
    if kind is None and SKOS.Concept.value not in types:
        return None
    label = _first(props, SKOS.prefLabel) or concept.rsplit("/", 1)[-1]
    tree = store.select("page-concept-tree", concept=NamedNode(concept))
    claims = page_lists.concept_claims(store, concept, page=page, per_page=CLAIMS_PER_PAGE)
    for article in claims.items:
        for claim in article["claims"]:  # say which narrower concept a claim names
            claim["via"] = [label for iri, label in claim["via"] if iri != concept]
    named = page_lists.concepts_named(store, concept) if claims.total else []
    return {
        "kind": "concept", "iri": concept, "title": label, "concept_kind": kind or "concept",
        "alt_labels": sorted(set(_all(props, SKOS.altLabel))),
        "notations": sorted(set(_all(props, SKOS.notation))),
        "matches": sorted(set(_all(props, SKOS.exactMatch) + _all(props, SKOS.closeMatch))),
        "definition": _first(props, SKOS.definition),
        "broader_chain": _broader_chain(concept, tree),
        "narrower": [{"iri": r["other"], "label": r["label"]} for r in tree if r["relation"] == "narrower"],
        "articles": claims.items,
        "claim_count": claims.total,
        "paging": claims.as_dict(),
        "matrix": evidence_matrix(store, concept),
        # The concept and the narrower ones claims name, as the audit export selects them.
        "export_selection": {"concept": named} if named else None,
        "table": [{"claim": c["iri"], "text": c["text"], "article": a["title"],
                   "named_as": "; ".join(c["via"]) or label}
                  for a in claims.items for c in a["claims"]],
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
    """Drugs x conditions named together in claims about the concept or a narrower one."""
    rows = page_lists.evidence_cells(store, concept)
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


__all__ = ["home_page", "recent_loads", "source_page", "concept_page", "evidence_matrix"]
