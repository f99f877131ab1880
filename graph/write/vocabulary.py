"""The vocabulary mentions are matched against: the bundled one plus the user's.

User vocabularies (``claimgraph load --vocab FILE``) are kept in the store's
user-vocabulary graph, so later loads, the SPARQL endpoint and SHACL all see the
same concepts the mentions point at.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from claimgraph.loaders.mentions import Vocabulary

from claimgraph.graph.rdf.namespaces import CG, ID, RDF, SCHEMA, SKOS
from claimgraph.graph.store import ClaimStore

GRAPH_USER_VOCABULARY = NamedNode(ID + "graph/user-vocabulary")
_KIND = {"condition": (CG.Condition, SCHEMA.MedicalCondition, "conditions"),
         "drug": (CG.Drug, SCHEMA.Drug, "drugs")}


def user_vocabulary_quads(user: Vocabulary, default: Vocabulary) -> list[Quad]:
    """Quads for what ``user`` adds to ``default``: new concepts, new labels."""
    quads: list[Quad] = []
    g = GRAPH_USER_VOCABULARY
    for concept in user.concepts:
        node = NamedNode(concept.iri)
        known = set(default.labels(concept.iri))
        if concept.iri not in default:
            cls, schema_cls, scheme = _KIND[concept.kind]
            quads += [Quad(node, RDF.type, SKOS.Concept, g), Quad(node, RDF.type, cls, g),
                      Quad(node, RDF.type, schema_cls, g),
                      Quad(node, SKOS.inScheme, NamedNode(f"{ID}scheme/{scheme}"), g),
                      Quad(node, SKOS.prefLabel, Literal(concept.pref_label, language="en"), g)]
            known.add(concept.pref_label)
        for label in user.labels(concept.iri):
            if label not in known:
                quads.append(Quad(node, SKOS.altLabel, Literal(label, language="en"), g))
        for broader in concept.broader:
            quads.append(Quad(node, SKOS.broader, NamedNode(broader), g))
    # Mappings (SSSOM): as SKOS mapping relations between the two IRIs, as the SSSOM spec's RDF has them.
    for subject, predicate, obj in user.mappings:
        quads.append(Quad(NamedNode(subject), NamedNode(predicate), NamedNode(obj), g))
    return quads


def add_user_vocabularies(store: ClaimStore, files) -> list[str]:
    """Check the files (LoaderError names file and line) and keep their concepts in the store;
    returns what the files' readers noted (rows left out and why, what was added)."""
    user = Vocabulary.from_files(files, include_default=False)
    store.write(user_vocabulary_quads(user, Vocabulary.default()))
    return list(user.warnings)


def store_vocabulary(store: ClaimStore) -> Vocabulary:
    """The bundled vocabulary plus the user vocabularies kept in the store."""
    if not store.has_graph(GRAPH_USER_VOCABULARY):
        return Vocabulary.default()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user-vocabulary.ttl"
        with open(path, "wb") as handle:
            serialize((q.triple for q in store.quads(None, None, None, GRAPH_USER_VOCABULARY)), handle,
                      format=RdfFormat.TURTLE)
        return Vocabulary.from_files([path])


