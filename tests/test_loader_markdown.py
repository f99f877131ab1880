"""The Markdown answer loader: the seed as an LLM answer, bracket markers, reference lists."""

from __future__ import annotations

from collections import Counter

import pytest

from claimgraph.loaders import read_file
from claimgraph.loaders.sentences import claims_from_block, find_bracket_markers

from conftest import DATA, SEED


def test_seed_markdown_gives_the_same_claims_as_text_and_html():
    results = {path.suffix: read_file(path) for path in (SEED, DATA / "answer.md", DATA / "seed.html")}
    assert {suffix: r.format for suffix, r in results.items()} == {
        ".txt": "text", ".md": "markdown", ".html": "html"}
    claims = {suffix: [(c.text, c.cited_labels) for c in r.articles[0].claims] for suffix, r in results.items()}
    assert claims[".md"] == claims[".txt"] == claims[".html"]
    counts = Counter(label for _, labels in claims[".md"] for label in labels)
    assert counts == {"1": 6, "2": 1, "3": 3, "4": 5, "5": 4, "6": 3}
    article = results[".md"].articles[0]
    assert article.title == "What is the diagnosis and treatment for muscular necrosis (myopathy)?"
    assert [(s.level, s.kind) for s in article.sections] == [
        (1, "guideline"), (1, "drug-label"), (1, "research"), (2, "research"), (2, "research")]


@pytest.mark.parametrize("text, expected", [
    ("Weakness is common [1].", [["1"]]),
    ("Weakness is common [1, 2].", [["1", "2"]]),
    ("Weakness is common [1][3].", [["1", "3"]]),
    ("Weakness is common [1-3].", [["1", "2", "3"]]),
    ("Weakness is common.[2] Biopsy helps [^4].", [["2"], ["4"]]),
    ("Dose is 1 mg/kg [2]. Use 2-5 days.", [["2"], []]),
])
def test_bracket_markers(text, expected):
    claims = claims_from_block(text, 0, find_bracket_markers(text))
    assert [c.cited_labels for c in claims] == expected
    assert all("[" not in c.text for c in claims)


ANSWER = """**Note:** generated answer.

# Does IVIG help in IMNM?

IVIG is **effective** as add-on therapy [1](https://pubmed.ncbi.nlm.nih.gov/99999/). Guidelines
recommend steroids first [2]. Labels warn about thrombosis [3].

Key findings include:

* Early IVIG shortens recovery [1][4].

## References

1. Allenbach Y, Benveniste O. Acute and chronic immune-mediated necrotising myopathies. Curr Opin Neurol. 2013;26(5):554-60. https://pubmed.ncbi.nlm.nih.gov/23995274/
2. Schneider BJ, Naidoo J, et al. Management of immune-related adverse events: ASCO Guideline Update. J Clin Oncol. 2021. doi:10.1200/JCO.21.01440
[3] Immune globulin (human) package insert. [DailyMed](https://dailymed.nlm.nih.gov/dailymed/search.cfm?setid=c6e131fe-e7df-4876-83f7-9156fc4e8228)
"""


def test_answer_with_reference_list(tmp_path):
    path = tmp_path / "ivig.md"
    path.write_text(ANSWER, encoding="utf-8")
    result = read_file(path)
    assert result.format == "markdown" and result.ok, result.errors
    article = result.articles[0]
    assert article.title == "Does IVIG help in IMNM?"
    assert [c.text for c in article.claims] == [
        "IVIG is effective as add-on therapy.", "Guidelines recommend steroids first.",
        "Labels warn about thrombosis.", "Early IVIG shortens recovery."]
    assert [c.cited_labels for c in article.claims] == [["1"], ["2"], ["3"], ["1", "4"]]
    refs = {ref.number: ref.source for ref in article.references}
    assert refs["1"].identifiers.pmid == "23995274" and refs["1"].kind == "study"
    assert refs["2"].identifiers.doi == "10.1200/jco.21.01440" and refs["2"].kind == "guideline"
    assert refs["3"].kind == "drug-label" and refs["3"].identifiers.setid.startswith("c6e131fe")
    assert article.warnings == ["marker 4 points to no entry of the reference list"]


def test_sniffing_prefers_markdown_only_for_markdown(tmp_path):
    from claimgraph.loaders import markdown, text

    md = (DATA / "answer.md").read_text(encoding="utf-8")
    seed = SEED.read_text(encoding="utf-8")
    assert markdown.sniff(md, DATA / "answer.md") > text.sniff(md, DATA / "answer.md")
    assert markdown.sniff(seed, SEED) == 0


def test_markdown_without_title_is_an_error(tmp_path):
    path = tmp_path / "untitled.md"
    path.write_text("## Only a section\n\nSomething is true [1].\n", encoding="utf-8")
    result = read_file(path)
    assert not result.ok and result.errors[0].line == 1 and "no title" in result.errors[0].message
