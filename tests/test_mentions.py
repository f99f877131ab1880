"""Condition and drug mentions: the seed article, matching rules, user vocabularies."""

from __future__ import annotations

import pytest

from claimgraph.loaders import read_file
from claimgraph.loaders.errors import LoaderError
from claimgraph.loaders.mentions import Vocabulary

from conftest import DATA, SEED

ID = "https://w3id.org/claimgraph/id/"


def slugs(mentions):
    return [(m.surface, m.concept.removeprefix(ID)) for m in mentions]


@pytest.fixture(scope="module")
def seed_claims(vocabulary):
    result = read_file(SEED, vocabulary)
    assert result.ok, result.errors
    return result.articles[0].claims


# Every drug the seed names and the conditions it is about, as written there.
SEED_MENTIONS = [
    ("prednisone", "drug/prednisone"),
    ("tacrolimus", "drug/tacrolimus"),
    ("rituximab", "drug/rituximab"),
    ("Rituximab", "drug/rituximab"),
    ("intravenous immunoglobulins", "drug/ivig"),
    ("azathioprine", "drug/azathioprine"),
    ("cyclosporine", "drug/cyclosporine"),
    ("mycophenolate", "drug/mycophenolate"),
    ("methotrexate", "drug/methotrexate"),
    ("pancuronium", "drug/pancuronium"),
    ("corticosteroids", "drug/corticosteroids"),
    ("Corticosteroids", "drug/corticosteroids"),
    ("corticosteroid", "drug/corticosteroids"),
    ("glucocorticoids", "drug/glucocorticoids"),
    ("steroids", "drug/corticosteroids"),
    ("immunosuppressive drugs", "drug/immunosuppressants"),
    ("neuromuscular blocking drugs", "drug/neuromuscular-blocking-agents"),
    ("Myopathy necrosis", "condition/necrotizing-myopathy"),
    ("myopathy necrosis", "condition/necrotizing-myopathy"),
    ("muscular necrosis", "condition/necrotizing-myopathy"),
    ("immune-mediated necrotizing myopathy", "condition/immune-mediated-necrotizing-myopathy"),
    ("IMNM", "condition/immune-mediated-necrotizing-myopathy"),
    ("myasthenia gravis", "condition/myasthenia-gravis"),
    ("myositis", "condition/myositis"),
    ("immune-related myositis", "condition/immune-related-myositis"),
    ("inflammatory myopathies", "condition/myositis"),
    ("quadriparesis", "condition/quadriparesis"),
    ("contractures", "condition/contracture"),
    ("arthralgia", "condition/arthralgia"),
    ("myalgia", "condition/myalgia"),
    ("muscle weakness", "condition/muscle-weakness"),
    ("myopathy", "condition/myopathy"),
    ("elevated creatine kinase", "condition/elevated-creatine-kinase"),
    ("elevated creatinine kinase", "condition/elevated-creatine-kinase"),
    ("Elevation of creatinine kinase", "condition/elevated-creatine-kinase"),
    ("disorders of neuromuscular transmission", "condition/neuromuscular-junction-disease"),
]


def test_seed_names_every_drug_and_condition(seed_claims):
    found = {pair for claim in seed_claims for pair in slugs(claim.mentions)}
    missing = [pair for pair in SEED_MENTIONS if pair not in found]
    assert not missing


def test_seed_offsets_point_at_the_surface(seed_claims):
    total = 0
    for claim in seed_claims:
        previous_end = 0
        for mention in claim.mentions:
            assert claim.text[mention.start:mention.end] == mention.surface
            assert mention.start >= previous_end  # in order, never overlapping
            previous_end = mention.end
            total += 1
    assert total >= 55


def test_seed_steroid_sparing_is_not_a_corticosteroid(seed_claims):
    claim = next(c for c in seed_claims if "steroid-sparing" in c.text)
    assert ("steroid-sparing agents", "drug/immunosuppressants") in slugs(claim.mentions)
    assert "drug/corticosteroids" not in [s for _, s in slugs(claim.mentions)]


def test_longest_match_wins(vocabulary):
    text = "The diagnosis of immune-mediated necrotizing myopathy (IMNM) rests on biopsy."
    assert slugs(vocabulary.find(text)) == [
        ("immune-mediated necrotizing myopathy", "condition/immune-mediated-necrotizing-myopathy"),
        ("IMNM", "condition/immune-mediated-necrotizing-myopathy"),
    ]
    assert slugs(vocabulary.find("Anti-HMGCR myopathy after atorvastatin")) == [
        ("Anti-HMGCR myopathy", "condition/anti-hmgcr-myopathy"), ("atorvastatin", "drug/atorvastatin")]


def test_no_false_hits_on_doses_or_inside_words(vocabulary):
    assert slugs(vocabulary.find("prednisone 1 mg/kg/day, then 40 mg daily")) == [
        ("prednisone", "drug/prednisone")]
    assert vocabulary.find("CK 4000 U/L; creatinine normal; imnm; ivig; tb; Mg 2.1 mg/dL") == []
    # Whole words only: labels inside longer words are not mentions.
    assert vocabulary.find("nystatins, steroidogenesis, myositisx, prednisones2, MGH, TBD") == []
    assert slugs(vocabulary.find("patients with MG and TB")) == [
        ("MG", "condition/myasthenia-gravis"), ("TB", "condition/tuberculosis")]


def test_case_plural_and_hyphen_variants(vocabulary):
    text = ("PREDNISONE; Statins and a statin; myopathies; immune mediated necrotizing myopathy; "
            "statin\u2013induced myopathy; Crohn\u2019s disease; IVIg; non depolarizing neuromuscular "
            "blocking agents")
    assert slugs(vocabulary.find(text)) == [
        ("PREDNISONE", "drug/prednisone"),
        ("Statins", "drug/statins"),
        ("statin", "drug/statins"),
        ("myopathies", "condition/myopathy"),
        ("immune mediated necrotizing myopathy", "condition/immune-mediated-necrotizing-myopathy"),
        ("statin\u2013induced myopathy", "condition/statin-associated-myopathy"),
        ("Crohn\u2019s disease", "condition/crohns-disease"),
        ("IVIg", "drug/ivig"),
        ("non depolarizing neuromuscular blocking agents",
         "drug/nondepolarizing-neuromuscular-blocking-agents"),
    ]


def test_offsets_survive_characters_that_change_length_when_lower_cased(vocabulary):
    text = "\u0130stanbul patients, \u1e9e and Lipitor\nwith rhabdomyolysis"
    mentions = vocabulary.find(text)
    assert [text[m.start:m.end] for m in mentions] == ["Lipitor", "rhabdomyolysis"]
    assert [m.surface for m in mentions] == ["Lipitor", "rhabdomyolysis"]


def test_empty_text_has_no_mentions(vocabulary):
    assert vocabulary.find("") == []


# --- user vocabularies ----------------------------------------------------------------------

def test_user_tsv_adds_synonyms_and_concepts():
    vocabulary = Vocabulary.from_files([DATA / "user-vocabulary.tsv"])
    text = "Solu-Medrol was given for juvenile dermatomyositis (JDM); eculizumab later."
    assert slugs(vocabulary.find(text)) == [
        ("Solu-Medrol", "drug/methylprednisolone"),
        ("juvenile dermatomyositis", "condition/juvenile-dermatomyositis"),
        ("JDM", "condition/juvenile-dermatomyositis"),
        ("eculizumab", "drug/eculizumab"),
    ]
    jdm = vocabulary.concept(f"{ID}condition/juvenile-dermatomyositis")
    assert jdm == (f"{ID}condition/juvenile-dermatomyositis", "juvenile dermatomyositis", "condition",
                   (f"{ID}condition/dermatomyositis",))
    assert vocabulary.concept(f"{ID}drug/methylprednisolone").pref_label == "methylprednisolone"
    # The shared default is untouched by a user's additions.
    assert f"{ID}drug/eculizumab" not in Vocabulary.default()


def test_user_skos_file(tmp_path):
    path = tmp_path / "mine.ttl"
    path.write_text("""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix cg: <https://w3id.org/claimgraph/ns#> .
        <https://example.org/vocab/eculizumab> a skos:Concept, cg:Drug ;
            skos:prefLabel "eculizumab"@en ; skos:altLabel "Soliris" .
        <https://example.org/vocab/gnemyopathy> a skos:Concept, cg:Condition ;
            skos:prefLabel "GNE myopathy"@en ;
            skos:broader <https://w3id.org/claimgraph/id/condition/distal-myopathy> .
    """, encoding="utf-8")
    vocabulary = Vocabulary.from_files([path])
    assert slugs(vocabulary.find("Soliris is not used in GNE myopathy.")) == [
        ("Soliris", "https://example.org/vocab/eculizumab"),
        ("GNE myopathy", "https://example.org/vocab/gnemyopathy"),
    ]
    concept = vocabulary.concept("https://example.org/vocab/gnemyopathy")
    assert concept.kind == "condition" and concept.broader == (f"{ID}condition/distal-myopathy",)


def test_later_file_wins_a_label_collision_and_says_so(tmp_path):
    path = tmp_path / "override.tsv"
    path.write_text("label\tconcept\tkind\nmyositis\tmy-myositis\tcondition\n", encoding="utf-8")
    vocabulary = Vocabulary.from_files([path])
    assert slugs(vocabulary.find("myositis")) == [("myositis", "condition/my-myositis")]
    assert any("myositis" in w and "my-myositis" in w for w in vocabulary.warnings)


@pytest.mark.parametrize("content,line,message", [
    ("concept\tlabel\tkind\n", 1, "header"),
    ("# comment\n\nlabel\tconcept\tkind\nfoo\tbar\tdisease\n", 4, "kind must be"),
    ("label\tconcept\tkind\nfoo\tBad Slug!\tdrug\n", 2, "neither an IRI nor a slug"),
    ("label\tconcept\tkind\nfoo\tbar\n", 2, "3 or 4 tab-separated fields"),
    ("label\tconcept\tkind\n\tbar\tdrug\n", 2, "empty label"),
    ("label\tconcept\tkind\nfoo\thttps://w3id.org/claimgraph/id/drug/prednisone\tcondition\n", 2,
     "already a drug"),
])
def test_tsv_errors_name_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LoaderError) as caught:
        Vocabulary.from_files([path])
    assert caught.value.line == line
    assert str(path) in str(caught.value) and f"line {line}" in str(caught.value)
    assert message in caught.value.message


def test_rdf_errors_name_file_and_place(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
                      '<http://x/a> skos:prefLabel "open\n', encoding="utf-8")
    with pytest.raises(LoaderError) as caught:
        Vocabulary.from_files([broken])
    assert caught.value.line == 2 and str(broken) in str(caught.value)

    kindless = tmp_path / "kindless.ttl"
    kindless.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
                        '<http://x/a> a skos:Concept ; skos:prefLabel "thing" .\n', encoding="utf-8")
    with pytest.raises(LoaderError, match="no kind") as caught:
        Vocabulary.from_files([kindless])
    assert caught.value.place == "concept <http://x/a>"

    with pytest.raises(LoaderError, match="unknown vocabulary file type"):
        Vocabulary.from_files([tmp_path / "words.docx"])
    with pytest.raises(LoaderError, match="cannot read"):
        Vocabulary.from_files([tmp_path / "missing.tsv"])
