"""What an audit export covers: article versions chosen by article, cited
source or mentioned concept, as one SPARQL query kept in the manifest."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from claimgraph.graph import queries
from claimgraph.graph.store import ClaimStore

_PLACEHOLDER = "  #SELECTION"
_CURRENT = "FILTER NOT EXISTS {{ ?newer prov:wasRevisionOf ?version }}"
# Each block binds ?version on its own (a FILTER only sees its own group's variables).
_BLOCKS = {
    # A version IRI selects that version; a work IRI selects its current version.
    # (The pattern after a VALUES: Virtuoso 7 drops a UNION branch that is a VALUES block alone.)
    "articles": ["VALUES ?version {{ {iris} }}\n    ?version a cg:Article .",
                 "VALUES ?requested {{ {iris} }}\n    ?version dcterms:isVersionOf ?requested .\n    " + _CURRENT],
    "sources": ["VALUES ?cited {{ {iris} }}\n    GRAPH ?version {{ ?citing_claim cito:cites ?cited }}\n    "
                + _CURRENT],
    "concepts": ["VALUES ?concept {{ {iris} }}\n    GRAPH ?version {{ ?mentioning_claim cg:mentions ?concept }}"
                 "\n    " + _CURRENT],
}


class SelectionError(ValueError):
    """An IRI in the selection is not an IRI; the message names it."""


@dataclass
class Selection:
    articles: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"articles": sorted(set(self.articles)), "sources": sorted(set(self.sources)),
                "concepts": sorted(set(self.concepts))}

    def query(self) -> str:
        """The selection as SPARQL; IRIs are checked by pyoxigraph and written escaped."""
        blocks = []
        for name, iris in self.as_dict().items():
            if not iris:
                continue
            try:
                terms = " ".join(str(NamedNode(iri)) for iri in iris)
            except ValueError as exc:
                raise SelectionError(f"{name}: not an IRI: {exc}") from None
            blocks += ["{\n    " + block.format(iris=terms) + "\n  }" for block in _BLOCKS[name]]
        chosen = "  " + " UNION ".join(blocks) if blocks else "  FILTER(?current)"
        return queries.get("audit-selection").replace(_PLACEHOLDER, chosen)

    def versions(self, store: ClaimStore) -> list[dict]:
        """Rows of (version, work, title), sorted by title."""
        return store.select(self.query())
