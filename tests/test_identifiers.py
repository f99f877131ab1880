"""Identifier normalisation and extraction from reference text and URLs."""

from __future__ import annotations

import pytest

from claimgraph.loaders.identifiers import (extract_identifiers, normalise_doi, normalise_pmcid,
                                            normalise_pmid, normalise_setid)


@pytest.mark.parametrize("raw", [
    "10.1200/JCO.21.01440", "https://doi.org/10.1200/JCO.21.01440", "http://dx.doi.org/10.1200/jco.21.01440",
    "doi:10.1200/JCO.21.01440.", "DOI: 10.1200/JCO.21.01440;", "doi.org/10.1200/JCO.21.01440",
])
def test_normalise_doi(raw):
    assert normalise_doi(raw) == "10.1200/jco.21.01440"


def test_doi_keeps_balanced_parentheses():
    assert normalise_doi("(doi:10.1016/S0140-6736(20)30183-5).") == "10.1016/s0140-6736(20)30183-5"


@pytest.mark.parametrize("raw", ["", "11.1200/abc", "10.12/abc", "10.1200", "doi:", "https://example.org/x"])
def test_normalise_doi_rejects_what_is_not_a_doi(raw):
    with pytest.raises(ValueError):
        normalise_doi(raw)


@pytest.mark.parametrize("raw, expected", [("34724392", "34724392"), ("PMID: 34724392", "34724392"),
                                           (" 0123 ", "123"), (34724392, "34724392")])
def test_normalise_pmid(raw, expected):
    assert normalise_pmid(raw) == expected


@pytest.mark.parametrize("raw", ["PMC123", "abc", "0", "1234567890"])
def test_normalise_pmid_rejects(raw):
    with pytest.raises(ValueError):
        normalise_pmid(raw)


@pytest.mark.parametrize("raw", ["PMC3159433", "pmc3159433", "3159433", "PMCID: PMC3159433"])
def test_normalise_pmcid(raw):
    assert normalise_pmcid(raw) == "PMC3159433"


def test_normalise_setid():
    assert normalise_setid("C6E131FE-E7DF-4876-83F7-9156FC4E8228") == "c6e131fe-e7df-4876-83f7-9156fc4e8228"
    with pytest.raises(ValueError):
        normalise_setid("c6e131fe-e7df-4876")
    with pytest.raises(ValueError):
        normalise_pmcid("PMCX")


def test_extract_from_urls():
    found = extract_identifiers(
        "See https://pubmed.ncbi.nlm.nih.gov/34724392/ and https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3159433/ "
        "and https://doi.org/10.1200/JCO.21.01440, or "
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=C6E131FE-e7df-4876-83f7-9156fc4e8228.")
    assert (found.doi, found.pmid, found.pmcid, found.setid, found.url) == (
        "10.1200/jco.21.01440", "34724392", "PMC3159433", "c6e131fe-e7df-4876-83f7-9156fc4e8228", None)


def test_extract_from_plain_text():
    found = extract_identifiers("J Clin Oncol. 2021;39(36):4073-4126. PMID: 34724392. PMCID: PMC123.")
    assert (found.pmid, found.pmcid, found.doi) == ("34724392", "PMC123", None)
    assert extract_identifiers("https://pmc.ncbi.nlm.nih.gov/articles/PMC77/").pmcid == "PMC77"
    assert extract_identifiers("ncbi.nlm.nih.gov/pubmed/123").pmid == "123"


def test_url_only_when_nothing_better():
    assert extract_identifiers("Read https://example.org/guide.").url == "https://example.org/guide"
    assert extract_identifiers("https://example.org/a doi:10.1000/x").url is None
    assert not extract_identifiers("No identifiers at all, 2021; 39: 12.").any()
