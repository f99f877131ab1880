"""The HTML answer loader: the seed saved as HTML, markup markers, reference lists, safety."""

from __future__ import annotations

import pytest

from claimgraph.loaders import read_file

from conftest import DATA, SEED


def _claims(path):
    result = read_file(path)
    assert result.ok, result.errors
    return result, [(claim.text, claim.cited_labels) for claim in result.articles[0].claims]


def test_seed_html_gives_the_same_claims_as_the_scraped_text():
    html, html_claims = _claims(DATA / "seed.html")
    _, text_claims = _claims(SEED)
    assert html.format == "html"
    assert html_claims == text_claims
    article = html.articles[0]
    assert article.updated == "2025-03-12"
    assert [s.heading for s in article.sections] == [
        "From the Guidelines", "From the FDA Drug Label", "From the Research",
        "Diagnosis of Muscular Necrosis (Myopathy)", "Treatment of Muscular Necrosis (Myopathy)"]
    assert [(s.level, s.parent) for s in article.sections][3:] == [(2, 2), (2, 2)]
    assert {ref.number: ref.source.kind for ref in article.references} == {
        "1": "guideline", "2": "drug-label", "3": "study", "4": "study", "5": "study", "6": "study"}
    assert article.reference("1").source.organisation.short_name == "ASCO"


def test_seed_html_offsets_are_into_the_extracted_block_text():
    result, _ = _claims(DATA / "seed.html")
    article = result.articles[0]
    for claim in article.claims:
        assert article.blocks[claim.block].text[claim.start:claim.end] == claim.original
        for marker in claim.markers:
            assert claim.original[marker.start:marker.end] == marker.label
    texts = " ".join(block.text for block in article.blocks)
    for chrome in ("analytics", "Home", "Clinician", "Personalize", "Disclaimer", "rights reserved",
                   "Medical Advisory Board", "Approved"):
        assert chrome not in texts


PAGE = """<!DOCTYPE html>
<html><head><link rel="canonical" href="https://answers.example.org/q/statin-myopathy"></head>
<body><h1>Can statins cause necrotizing myopathy?</h1>
<h2>From the Research</h2>
<p>Statins can trigger anti-HMGCR myopathy<sup>1</sup>, which needs immunotherapy
<a href="#ref-2">2</a>. The label warns about it<sup>[3]</sup>. Dosing was 40 mg<sup>4</sup>.</p>
<h2>References</h2>
<ol>
 <li id="ref-1">Mammen AL, Chung T, Christopher-Stine L, et al. Autoantibodies against
   3-hydroxy-3-methylglutaryl-coenzyme A reductase in patients with statin-associated autoimmune
   myopathy. Arthritis Rheum. 2011;63(3):713-21. <a href="https://doi.org/10.1002/art.30156">doi</a></li>
 <li id="ref-2">Schneider BJ, Naidoo J, Santomasso BD, et al. Management of Immune-Related Adverse Events
   in Patients Treated With Immune Checkpoint Inhibitor Therapy: ASCO Guideline Update. J Clin Oncol.
   2021;39(36):4073-4126. PMID: 34724392</li>
 <li id="ref-3">LIPITOR (atorvastatin calcium) tablets, prescribing information.
   <a href="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=c6e131fe-e7df-4876-83f7-9156fc4e8228">DailyMed</a></li>
</ol></body></html>
"""


def test_reference_list_markup_markers_and_canonical_url(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = read_file(path)
    assert result.ok, result.errors
    article = result.articles[0]
    assert article.key_text == article.url == "https://answers.example.org/q/statin-myopathy"
    assert [c.cited_labels for c in article.claims] == [["1", "2"], ["3"], ["4"]]
    assert article.claims[0].text == "Statins can trigger anti-HMGCR myopathy, which needs immunotherapy."
    assert article.has_reference_list
    refs = {ref.number: ref for ref in article.references}
    assert refs["1"].source.identifiers.doi == "10.1002/art.30156"
    assert refs["1"].source.kind == "study" and refs["1"].source.year == 2011
    assert refs["2"].source.kind == "guideline" and refs["2"].source.identifiers.pmid == "34724392"
    assert refs["3"].source.kind == "drug-label"
    assert refs["3"].source.identifiers.setid == "c6e131fe-e7df-4876-83f7-9156fc4e8228"
    assert refs["1"].line is not None
    assert article.warnings == ["marker 4 points to no entry of the reference list"]


def test_external_entities_are_not_resolved(tmp_path):
    path = tmp_path / "entity.html"
    path.write_text('<!DOCTYPE html [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
                    "<html><body><h1>Is this safe?</h1><p>It is safe &leak; here 1.</p></body></html>",
                    encoding="utf-8")
    result = read_file(path)
    assert result.format == "html"
    assert "root:" not in " ".join(b.text for a in result.articles for b in a.blocks)


@pytest.mark.parametrize("content, message", [
    ("<html><body><p>No heading here, just text.</p></body></html>", "no title"),
    ("<html><body><h1>A question?</h1><nav><p>Menu item.</p></nav></body></html>", "no claims"),
])
def test_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.html"
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert result.format == "html" and not result.ok
    assert message in result.errors[0].message and str(path) in str(result.errors[0])
