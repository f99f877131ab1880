"""The scraped-text answer loader on the seed and on small hand-made snippets."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from claimgraph.loaders import read_file
from claimgraph.loaders.records import Organisation
from claimgraph.loaders.sentences import claims_from_block, find_numeric_markers
from claimgraph.loaders.textio import sha256_hex

from conftest import SEED


@pytest.fixture(scope="module")
def seed():
    result = read_file(SEED)
    assert result.ok, result.errors
    assert result.format == "text"
    return result.articles[0], result


def _top_heading(article, claim):
    index = article.blocks[claim.block].section
    while article.sections[index].parent is not None:
        index = article.sections[index].parent
    return article.sections[index].heading


def test_seed_title_date_and_identity(seed):
    article, result = seed
    assert article.title == "What is the diagnosis and treatment for muscular necrosis (myopathy)?"
    assert article.updated == "2025-03-12"
    assert article.key_text == "what is the diagnosis and treatment for muscular necrosis (myopathy)?"
    assert article.content_sha256 == result.sha256 == sha256_hex(SEED.read_bytes())
    assert article.source_format == "text"


def test_seed_sections(seed):
    article, _ = seed
    assert [(s.heading, s.level, s.kind, s.parent) for s in article.sections] == [
        ("From the Guidelines", 1, "guideline", None),
        ("From the FDA Drug Label", 1, "drug-label", None),
        ("From the Research", 1, "research", None),
        ("Diagnosis of Muscular Necrosis (Myopathy)", 2, "research", 2),
        ("Treatment of Muscular Necrosis (Myopathy)", 2, "research", 2),
    ]
    kinds = Counter(block.kind for block in article.blocks)
    assert kinds == {"paragraph": 2, "list-item": 15}


def test_seed_claims_and_markers(seed):
    article, _ = seed
    assert len(article.claims) == 25
    assert sum(1 for claim in article.claims if not claim.markers) == 10
    assert Counter(_top_heading(article, c) for c in article.claims) == {
        "From the Guidelines": 11, "From the FDA Drug Label": 6, "From the Research": 8}
    cites = Counter(label for claim in article.claims for label in claim.cited_labels)
    assert cites == {"1": 6, "2": 1, "3": 3, "4": 5, "5": 4, "6": 3}
    # the last Guidelines bullet is three sentences, the first one cited
    last_bullet = [c for c in article.claims if c.block == 5]
    assert [c.cited_labels for c in last_bullet] == [["1"], [], []]
    assert article.claims[0].text.endswith("clinical practice guideline.")
    research = [c for c in article.claims if c.cited_labels == ["3", "4", "6", "5"]]
    assert len(research) == 1 and research[0].original.endswith("rituximab 3, 4, 6, 5.")


def test_seed_offsets_are_consistent(seed):
    article, _ = seed
    for claim in article.claims:
        block = article.blocks[claim.block].text
        assert block[claim.start:claim.end] == claim.original
        for marker in claim.markers:
            assert claim.original[marker.start:marker.end] == marker.label
        assert not any(ch.isdigit() for ch in claim.text[-3:]), claim.text


def test_seed_has_no_chrome_or_lead_in_claims(seed):
    article, _ = seed
    everything = " ".join(block.text for block in article.blocks)
    for chrome in ("Medical Advisory Board", "Educational purpose", "Review Status", "editorial policy",
                   "Personalize", "tailor your experience", "best describes you", "Disclaimer",
                   "Dr.Oracle", "follow-up question", "follow up question", "Last updated"):
        assert chrome not in everything
    assert not any(claim.text.endswith(":") for claim in article.claims)
    assert not any("key points to consider" in claim.text for claim in article.claims)


def test_seed_references_are_typed_from_sections(seed):
    article, _ = seed
    assert not article.has_reference_list
    by_number = {ref.number: ref for ref in article.references}
    assert sorted(by_number, key=int) == ["1", "2", "3", "4", "5", "6"]
    assert by_number["1"].source.kind == "guideline"
    assert by_number["1"].source.kind_basis == "cited in section 'From the Guidelines'"
    assert by_number["1"].source.organisation == Organisation("American Society of Clinical Oncology", "ASCO")
    assert by_number["2"].source.kind == "drug-label"
    assert by_number["2"].source.organisation == Organisation("U.S. Food and Drug Administration", "FDA")
    for number in "3456":
        assert by_number[number].source.kind == "study"
        assert by_number[number].source.organisation is None
    for ref in article.references:
        assert ref.text is None and not ref.source.identifiers.any() and ref.source.title is None
    assert article.warnings == []


# --- markers in small snippets ---------------------------------------------------------

def _cited(text: str) -> list[list[str]]:
    return [claim.cited_labels for claim in claims_from_block(text, 0, find_numeric_markers(text))]


@pytest.mark.parametrize("text, expected", [
    ("Muscle weakness is common 1.", [["1"]]),
    ("Biopsy confirms necrosis 3, 4, 5.", [["3", "4", "5"]]),
    ("Several drugs were used 3, 4, 6, 5.", [["3", "4", "6", "5"]]),
    ("Outcomes improve with early care. 1", [["1"]]),
    ("Outcomes improve with early care. 1 Relapse is rare 2.", [["1"], ["2"]]),
    ("Weakness persists for weeks to years 2.", [["2"]]),
    ("Start prednisone 1 mg/kg 2, then taper slowly 3.", [["2", "3"]]),
    ("CK is raised 3, and biopsy shows necrosis 4.", [["3", "4"]]),
    ("Antibodies (SRP) 4; biopsy (HMGCR) 5.", [["4", "5"]]),
])
def test_markers(text, expected):
    assert _cited(text) == expected


@pytest.mark.parametrize("text", [
    "Give prednisone 1 mg/kg daily.",
    "Symptoms settle within 2-5 days.",
    "Rituximab is given on days 1 and 15.",
    "Rituximab is given on days 1, 8, and 15.",
    "Look for anti-3-hydroxy-3-methylglutaryl-CoA reductase antibodies.",
    "The association was first described in 2019.",
    "About 40% of patients respond.",
    "It is common in type 2 diabetes.",
    "Stop treatment in grade 3.",
    "The ratio was 2.5.",
    "Response was seen in 3 of 10.",
    "COVID-19.",
])
def test_numbers_that_belong_to_the_text(text):
    assert _cited(text) == [[]]


@pytest.mark.parametrize("text", [
    "Drugs that block transmission (e.g., pancuronium) worsen it.",
    "Steroids, i.e. prednisone, are first line.",
    "Smith et al. reported it first.",
    "IVIG vs. placebo was compared.",
    "Dr. Mammen described it.",
    "Levels rose 2.5 times over baseline.",
    "The U.S. agency approved it.",
])
def test_abbreviations_and_decimals_never_split(text):
    assert len(claims_from_block(text, 0, find_numeric_markers(text))) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab A. 1,2;3 e.g.()\n[]:?-")), max_size=80))
def test_offsets_hold_for_any_text(text):
    for claim in claims_from_block(text, 0, find_numeric_markers(text)):
        assert text[claim.start:claim.end] == claim.original
        for marker in claim.markers:
            assert claim.original[marker.start:marker.end] == marker.label


# --- whole files -------------------------------------------------------------------------

def _read(tmp_path, content, name="answer.txt"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return read_file(path)


def test_no_title_is_an_error_naming_file_and_line(tmp_path):
    result = _read(tmp_path, "\n\n  • A bullet where the question should be 1.\n")
    assert not result.ok and result.format == "text"
    error = result.errors[0]
    assert error.path.endswith("answer.txt") and error.line == 3 and "no title" in error.message


def test_text_without_claims_is_an_error(tmp_path):
    result = _read(tmp_path, "What is myopathy?\n\nPersonalize\n\nFrom the Guidelines\n\n"
                             "Professional Medical Disclaimer\n\nThis is for professionals.\n")
    assert not result.ok
    assert "no claims" in result.errors[0].message and result.errors[0].line is not None


def test_label_cited_from_two_kinds_keeps_the_first_and_warns(tmp_path):
    result = _read(tmp_path, "What helps?\n\nFrom the Guidelines\n\nSteroids help 1.\n\n"
                             "From the Research\n\nSteroids help in trials 1.\n")
    article = result.articles[0]
    assert result.ok and article.reference("1").source.kind == "guideline"
    assert len(article.warnings) == 1 and "marker 1" in article.warnings[0]


def test_reference_list_and_missing_entry_is_a_warning(tmp_path):
    result = _read(tmp_path, "What helps?\n\nURL: https://answers.example.org/q/42\n\n"
                             "From the Research\n\nSteroids help 1. IVIG helps 2.\n\nReferences\n\n"
                             "1. Allenbach Y, Benveniste O. Acute and chronic immune-mediated necrotising "
                             "myopathies. Curr Opin Neurol. 2013;26(5):554-60. PMID: 23995274\n")
    article = result.articles[0]
    assert result.ok and article.has_reference_list
    assert article.key_text == article.url == "https://answers.example.org/q/42"
    ref = article.reference("1")
    assert ref.source.identifiers.pmid == "23995274" and ref.source.year == 2013 and ref.line == 11
    assert article.warnings == ["marker 2 points to no entry of the reference list"]
    assert len(article.claims) == 2


@pytest.mark.parametrize("relative", [
    "citation-formats/example_pubmed.medline.txt", "citation-formats/example_wos.ris",
    "pubmed/pubmed1.xml", "fda-labels/lipitor-atorvastatin.spl.xml", "fda-labels/spl-sections.csv",
    "fda-labels/spl-loinc.csv", "vocabulary/biomappings_positive_subset.sssom.tsv",
    "attributed-qa/expertqa_domain_test_medicine.jsonl",
])
def test_answer_loaders_do_not_claim_other_formats(shared, relative):
    from claimgraph.loaders import html, markdown, text

    path = shared / "data" / relative
    content = path.read_text(encoding="utf-8")
    assert [module.sniff(content, path) for module in (text, html, markdown)] == [0, 0, 0]
