"""Parsing one reference-list entry into a Source, and organisations named in text."""

from __future__ import annotations

import pytest

from claimgraph.loaders.records import Organisation
from claimgraph.loaders.references import find_organisation, parse_reference_entry, split_entry_number


def test_vancouver_guideline_entry():
    source = parse_reference_entry(
        "1. Schneider BJ, Naidoo J, Santomasso BD, et al. Management of Immune-Related Adverse Events in "
        "Patients Treated With Immune Checkpoint Inhibitor Therapy: ASCO Guideline Update. J Clin Oncol. "
        "2021;39(36):4073-4126. doi:10.1200/JCO.21.01440")
    assert source.kind == "guideline" and "Guideline" in source.kind_basis
    assert source.authors == ["Schneider BJ", "Naidoo J", "Santomasso BD"]
    assert source.title.startswith("Management of Immune-Related") and source.title.endswith("Update")
    assert (source.journal, source.year) == ("J Clin Oncol", 2021)
    assert source.identifiers.doi == "10.1200/jco.21.01440"
    assert source.organisation == Organisation("American Society of Clinical Oncology", "ASCO")


def test_apa_study_entry():
    source = parse_reference_entry(
        "Pinal-Fernandez, I., Casal-Dominguez, M., & Mammen, A. L. (2018). Immune-mediated necrotizing "
        "myopathy. Current Rheumatology Reports, 20(4), 21. https://doi.org/10.1007/s11926-018-0732-6")
    assert source.kind == "study"
    assert source.authors == ["Pinal-Fernandez, I.", "Casal-Dominguez, M.", "Mammen, A. L."]
    assert (source.title, source.journal, source.year) == (
        "Immune-mediated necrotizing myopathy", "Current Rheumatology Reports", 2018)
    assert source.identifiers.doi == "10.1007/s11926-018-0732-6"


@pytest.mark.parametrize("entry", [
    "LIPITOR (atorvastatin calcium) tablets. Prescribing information. Pfizer; 2014.",
    "Prednisone tablets, USP. Package insert. 2019.",
    "DailyMed - SOLU-MEDROL (methylprednisolone sodium succinate) injection.",
    "Drug label, setid=c6e131fe-e7df-4876-83f7-9156fc4e8228",
    "FDA label for methylprednisolone. 2020.",
])
def test_drug_label_entries(entry):
    source = parse_reference_entry(entry)
    assert source.kind == "drug-label" and source.journal is None


@pytest.mark.parametrize("entry, organisation", [
    ("American College of Rheumatology. Position on steroid-sparing agents. 2020.", "ACR"),
    ("National Comprehensive Cancer Network. Management of immunotherapy-related toxicities. 2024.", "NCCN"),
    ("Smith J. Practice Guideline: myositis. Neurology. 2019.", None),
])
def test_guideline_entries(entry, organisation):
    source = parse_reference_entry(entry)
    assert source.kind == "guideline"
    assert (source.organisation.short_name if source.organisation else None) == organisation


def test_plain_study_and_bare_url():
    source = parse_reference_entry("[3] Allenbach Y, Benveniste O. Acute and chronic immune-mediated "
                                   "necrotising myopathies. Curr Opin Neurol. 2013;26(5):554-60. PMID: 23995274")
    assert (source.kind, source.identifiers.pmid, source.year) == ("study", "23995274", 2013)
    bare = parse_reference_entry("https://example.org/immune-myopathy")
    assert bare.identifiers.url == "https://example.org/immune-myopathy" and bare.title is None


@pytest.mark.parametrize("line, expected", [
    ("1. Smith J. Title.", ("1", "Smith J. Title.")), ("[12] Smith J.", ("12", "Smith J.")),
    ("3) Smith", ("3", "Smith")), ("Smith J. Title.", (None, "Smith J. Title.")),
])
def test_split_entry_number(line, expected):
    assert split_entry_number(line) == expected


def test_find_organisation():
    hit = find_organisation("as recommended by the American Society of Clinical Oncology clinical practice guideline")
    assert hit[0] == Organisation("American Society of Clinical Oncology", "ASCO")
    assert find_organisation("From the FDA Drug Label")[0].short_name == "FDA"
    assert find_organisation("per the British Society for Rheumatology guideline")[0] == Organisation(
        "British Society for Rheumatology", "BSR")
    assert find_organisation("Steroids help most patients.") is None
