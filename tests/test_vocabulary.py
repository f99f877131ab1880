"""The curated conditions and drugs vocabulary: SKOS structure and trustworthy identifiers."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import pyoxigraph
import pytest
import rdflib

from claimgraph.loaders.mentions import Vocabulary, default_vocabulary_path

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CG = "https://w3id.org/claimgraph/ns#"
SCHEMA = "http://schema.org/"
ID = "https://w3id.org/claimgraph/id/"
MESH = "http://id.nlm.nih.gov/mesh/"
OBO = "http://purl.obolibrary.org/obo/"
RXNORM = "http://purl.bioontology.org/ontology/RXNORM/"

# MeSH IDs allowed although neither shared source file lists them. Empty on purpose: every
# MeSH link in the vocabulary is attested by BC5CDR or biomappings. Add an ID here only with
# a comment saying where it was checked.
MESH_ALLOW_LIST: dict[str, str] = {}

# RxNorm ingredient CUIs in the vocabulary and where each was confirmed. A new CUI must be
# added here with its source, so that no RxNorm link enters unreviewed.
CPIC = "CPIC drug table (cpicpgx/cpic-schema drug.sql)"
CONFIRMED_RXNORM = {
    "8640": "prednisone: several independent public code lists (VA medication records, analysis code)",
    "8638": "prednisolone: public code lists",
    "6902": "methylprednisolone: public code lists",
    "5492": "hydrocortisone: public code lists (paired with prednisone as corticosteroid exposures)",
    "42316": f"tacrolimus: {CPIC}",
    "3008": f"cyclosporine: {CPIC}",
    "1256": f"azathioprine: {CPIC}",
    "7145": f"mycophenolic acid: {CPIC}",
    "6851": f"methotrexate: {CPIC}",
    "3002": f"cyclophosphamide: {CPIC}",
    "35302": f"sirolimus: {CPIC}",
    "121191": f"rituximab: {CPIC}",
    "5521": f"hydroxychloroquine: {CPIC}",
    "2393": f"chloroquine: {CPIC}",
    "327361": "adalimumab: public drug-interaction table",
    "10154": f"succinylcholine: {CPIC}",
    "83367": f"atorvastatin: {CPIC}",
    "36567": f"simvastatin: {CPIC}",
    "301542": f"rosuvastatin: {CPIC}",
    "42463": f"pravastatin: {CPIC}",
    "596723": f"cerivastatin: {CPIC}",
}


@pytest.fixture(scope="module")
def triples():
    return list(pyoxigraph.parse(path=str(default_vocabulary_path())))


@pytest.fixture(scope="module")
def graph(triples):
    by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject.value][t.predicate.value].append(t.object)
    return by_subject


@pytest.fixture(scope="module")
def concepts(graph):
    return {s: p for s, p in graph.items() if any(o.value == SKOS + "Concept" for o in p[RDF_TYPE])}


@pytest.fixture(scope="module")
def source_ids(shared):
    vocab = shared / "data" / "vocabulary"
    mesh, obo = set(), set()
    with open(vocab / "bc5cdr_mesh_mention_vocab.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            mesh.add(row["mesh_id"])
    with open(vocab / "biomappings_positive_subset.sssom.tsv", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        for curie in (row["subject_id"], row["object_id"]):
            prefix, _, local = curie.partition(":")
            if prefix == "mesh":
                mesh.add(local)
            elif prefix in ("chebi", "mondo", "doid"):
                obo.add(f"{prefix.upper()}_{local}")
    return mesh, obo


def test_file_is_standard_turtle_for_both_parsers(triples):
    assert len(triples) > 500
    g = rdflib.Graph().parse(default_vocabulary_path(), format="turtle")
    assert len(g) == len(triples)


def test_size_and_kinds(concepts):
    assert 80 <= len(concepts) <= 150
    for iri, props in concepts.items():
        types = {o.value for o in props[RDF_TYPE]}
        if iri.startswith(ID + "condition/"):
            assert {CG + "Condition", SCHEMA + "MedicalCondition"} <= types, iri
            assert CG + "Drug" not in types, iri
            assert [o.value for o in props[SKOS + "inScheme"]] == [ID + "scheme/conditions"], iri
        else:
            assert iri.startswith(ID + "drug/"), iri
            assert {CG + "Drug", SCHEMA + "Drug"} <= types, iri
            assert CG + "Condition" not in types, iri
            assert [o.value for o in props[SKOS + "inScheme"]] == [ID + "scheme/drugs"], iri
        assert re.fullmatch(r"[a-z0-9-]+", iri.rsplit("/", 1)[1]), iri


def test_one_english_preferred_label_each(concepts):
    for iri, props in concepts.items():
        pref = props[SKOS + "prefLabel"]
        assert len(pref) == 1 and pref[0].language == "en", iri


def test_hierarchy_is_closed_acyclic_and_top_concepts_agree(concepts, graph):
    broader = {iri: [o.value for o in props[SKOS + "broader"]] for iri, props in concepts.items()}
    for iri, parents in broader.items():
        for parent in parents:
            assert parent in concepts, f"{iri} -> unknown {parent}"
            assert parent.split("/")[-2] == iri.split("/")[-2], f"{iri} -> {parent} crosses kinds"

    def ancestors(iri, seen=()):
        for parent in broader[iri]:
            assert parent not in seen + (iri,), f"cycle through {iri}"
            ancestors(parent, seen + (iri,))

    for iri in concepts:
        ancestors(iri)
    for scheme in ("conditions", "drugs"):
        listed = {o.value for o in graph[ID + "scheme/" + scheme][SKOS + "hasTopConcept"]}
        tops = {iri for iri, props in concepts.items()
                if any(o.value == ID + "scheme/" + scheme for o in props[SKOS + "topConceptOf"])}
        roots = {iri for iri in concepts if not broader[iri] and f"/{scheme[:-1]}/" in iri}
        assert listed == tops == roots, scheme


def _mapped(concepts, namespace):
    found = {}
    for iri, props in concepts.items():
        for prop in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch"):
            for obj in props[SKOS + prop]:
                if obj.value.startswith(namespace):
                    found.setdefault(obj.value[len(namespace):], iri)
    return found


def test_every_mesh_id_is_attested_by_a_shared_source(concepts, source_ids):
    mesh, _ = source_ids
    ids = _mapped(concepts, MESH)
    assert len(ids) >= 60
    unattested = {i: iri for i, iri in ids.items() if i not in mesh and i not in MESH_ALLOW_LIST}
    assert not unattested


def test_every_chebi_mondo_doid_id_comes_from_biomappings(concepts, source_ids):
    _, obo = source_ids
    ids = _mapped(concepts, OBO)
    assert ids and set(ids) <= obo, set(ids) - obo


def test_every_rxnorm_cui_was_confirmed(concepts):
    assert set(_mapped(concepts, RXNORM)) == set(CONFIRMED_RXNORM)


def test_notations_repeat_the_mapped_identifiers(concepts):
    prefixes = {"MESH": MESH, "CHEBI": OBO + "CHEBI_", "MONDO": OBO + "MONDO_", "DOID": OBO + "DOID_",
                "RXNORM": RXNORM}
    for iri, props in concepts.items():
        notations = {lit.value for lit in props[SKOS + "notation"]}
        as_iris = set()
        for notation in notations:
            prefix, _, local = notation.partition(":")
            assert prefix in prefixes, (iri, notation)
            as_iris.add(prefixes[prefix] + local)
        matched = {o.value for p in ("exactMatch", "closeMatch") for o in props[SKOS + p]}
        assert as_iris == matched, iri


SEED_CONCEPTS = {
    "drug": ["prednisone", "tacrolimus", "rituximab", "ivig", "azathioprine", "cyclosporine",
             "mycophenolate", "methotrexate", "pancuronium", "corticosteroids", "glucocorticoids",
             "neuromuscular-blocking-agents", "immunosuppressants", "atorvastatin", "adalimumab",
             "statins", "methylprednisolone", "prednisolone", "dexamethasone", "hydrocortisone"],
    "condition": ["necrotizing-myopathy", "immune-mediated-necrotizing-myopathy", "myasthenia-gravis",
                  "myositis", "quadriparesis", "contracture", "arthralgia", "myalgia", "myopathy",
                  "muscle-weakness", "elevated-creatine-kinase", "rhabdomyolysis",
                  "statin-associated-myopathy", "anti-srp-myopathy", "anti-hmgcr-myopathy",
                  "dermatomyositis", "polymyositis", "inclusion-body-myositis", "immune-related-myositis"],
}


@pytest.mark.parametrize("kind,slug", [(k, s) for k, slugs in SEED_CONCEPTS.items() for s in slugs])
def test_covers_the_seed_and_its_field(kind, slug, vocabulary):
    assert f"{ID}{kind}/{slug}" in vocabulary


def test_class_hierarchy_reaches_the_drug_classes(vocabulary):
    def ancestors(iri):
        out = set()
        for parent in vocabulary.concept(iri).broader:
            out |= {parent} | ancestors(parent)
        return out

    for drug in ("prednisone", "methylprednisolone", "prednisolone", "dexamethasone", "hydrocortisone"):
        assert ancestors(f"{ID}drug/{drug}") >= {f"{ID}drug/glucocorticoids", f"{ID}drug/corticosteroids"}
    for drug in ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin",
                 "fluvastatin", "pitavastatin"):
        assert f"{ID}drug/statins" in ancestors(f"{ID}drug/{drug}")
    assert f"{ID}drug/neuromuscular-blocking-agents" in ancestors(f"{ID}drug/pancuronium")
    assert f"{ID}condition/myositis" in ancestors(f"{ID}condition/anti-srp-myopathy")
    assert f"{ID}condition/statin-associated-myopathy" in ancestors(f"{ID}condition/anti-hmgcr-myopathy")


def test_no_label_names_two_concepts(vocabulary):
    vocabulary.find("prednisone")  # builds the matcher, which records collisions
    assert vocabulary.warnings == []


def test_concepts_listing_for_other_components(vocabulary):
    listing = vocabulary.concepts
    assert len(listing) == len(vocabulary)
    iri, label, kind, broader = next(c for c in listing if c.iri.endswith("/drug/prednisone"))
    assert (label, kind, broader) == ("prednisone", "drug", (f"{ID}drug/glucocorticoids",))
    assert [c.kind for c in listing] == sorted((c.kind for c in listing), key=("condition", "drug").index)
    assert "IMNM" in vocabulary.labels(f"{ID}condition/immune-mediated-necrotizing-myopathy")
    # Misspellings are matched (hiddenLabel) but are never the label shown.
    ck = vocabulary.concept(f"{ID}condition/elevated-creatine-kinase")
    assert "creatinine" not in ck.pref_label
