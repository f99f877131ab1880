"""The kinds of source, once: each one's class, slug, label and support badge.

Loaders name a kind by its slug ("guideline", "drug-label", "study"); the graph
types a source with its class (``cg:Guideline`` ...); pages say its label and
colour a claim by what supports it. Every module asks this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from claimgraph.graph.rdf.namespaces import CG


@dataclass(frozen=True)
class Kind:
    slug: str  # as loaders and the search index name it
    cls: NamedNode  # the class a source of this kind has
    label: str  # what a page calls it
    support: str  # the support badge of a claim citing it (pages: guideline / label / study)


KINDS = (Kind("guideline", CG.Guideline, "guideline", "guideline"),
         Kind("drug-label", CG.DrugLabel, "drug label", "label"),
         Kind("study", CG.Study, "study", "study"))
BY_SLUG = {kind.slug: kind for kind in KINDS}
BY_CLASS = {kind.cls.value: kind for kind in KINDS}
CLASS_BY_SLUG = {kind.slug: kind.cls for kind in KINDS}
SLUG_BY_CLASS = {kind.cls.value: kind.slug for kind in KINDS}
LABEL_BY_CLASS = {kind.cls.value: kind.label for kind in KINDS}
SUPPORT_BY_CLASS = {kind.cls.value: kind.support for kind in KINDS}
