"""Markdown read by markdown-it-py (issue 17 items 5 and 11): inline HTML and entities never
reach claims, and a file with several reference lists that reuse numbers is cited list by list."""

from __future__ import annotations

import pytest

from claimgraph.loaders import read_file

# Written after the shape of CitationSculptor's multi-section fixture (tests/fixtures/
# format_v5_multi_section.md): each section ends with its own footnote list, numbered from 1.
TWO_LISTS = """# Arrhythmogenic cardiomyopathy: genes and sport

## Genetics

Genetic testing is central to the diagnosis[^1]. Relatives should be screened too[^2].

### Citations

[^1]: James CA, et al. Reappraisal of genes associated with ARVC. Circ Genom Precis Med. 2021. https://pubmed.ncbi.nlm.nih.gov/33831308/
[^2]: Corrado D, et al. Diagnosis of arrhythmogenic cardiomyopathy: the Padua criteria. Int J Cardiol. 2020. https://pubmed.ncbi.nlm.nih.gov/32561223/

---

## Treatment

Treatment depends on severity[^1]. Competitive sport is usually restricted[^2].

### References

[^1]: Towbin JA, et al. 2019 HRS expert consensus statement on ARVC. Heart Rhythm. 2019. https://pubmed.ncbi.nlm.nih.gov/31078652/
[^2]: Pelliccia A, et al. 2020 ESC Guidelines on sports cardiology. Eur Heart J. 2021. https://pubmed.ncbi.nlm.nih.gov/32860412/
"""


def _read(tmp_path, content, name="answer.md"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return read_file(path)


def test_each_section_cites_its_own_list(tmp_path):
    result = _read(tmp_path, TWO_LISTS)
    assert result.ok, result.errors
    article = result.articles[0]
    cited = {claim.text: [article.reference(label).source.identifiers.pmid for label in claim.cited_labels]
             for claim in article.claims}
    assert cited == {"Genetic testing is central to the diagnosis.": ["33831308"],
                     "Relatives should be screened too.": ["32561223"],
                     "Treatment depends on severity.": ["31078652"],
                     "Competitive sport is usually restricted.": ["32860412"]}
    assert [ref.number for ref in article.references] == ["1", "2", "2.1", "2.2"]
    assert article.warnings == ["2 reference lists reuse the same numbers (lines 9, 20): each marker cites the "
                                "list after it, and list 2 on is labelled 2.1, 2.2, ..."]


def test_two_lists_validate_once_stored(tmp_path, load_paths, store):
    from claimgraph.graph.rdf.validation import validate_store

    path = tmp_path / "two-lists.md"
    path.write_text(TWO_LISTS, encoding="utf-8")
    [outcome] = load_paths(path)
    assert outcome.ok, outcome.errors
    report = validate_store(store)
    assert report.conforms, report.text()


def test_markers_after_the_last_of_such_lists_are_refused_as_ambiguous(tmp_path):
    content = TWO_LISTS + "\n## Outlook\n\nGene therapy is being tried[^1].\n"
    result = _read(tmp_path, content)
    assert not result.ok and not result.articles
    error = result.errors[0]
    assert error.message.startswith("ambiguous citations: 2 reference lists reuse the same numbers")
    assert error.line == content.split("\n").index("Gene therapy is being tried[^1].") + 1


def test_lists_that_do_not_share_numbers_are_one_list(tmp_path):
    content = TWO_LISTS.replace("[^1]: Towbin", "[^3]: Towbin").replace("[^2]: Pelliccia", "[^4]: Pelliccia") \
        .replace("severity[^1]", "severity[^3]").replace("restricted[^2]", "restricted[^4]")
    article = _read(tmp_path, content).articles[0]
    assert [ref.number for ref in article.references] == ["1", "2", "3", "4"] and article.warnings == []


def test_inline_html_and_entities_are_not_kept(shared):
    result = read_file(shared / "data" / "real-world" / "articles-md" / "aliemcards__anaphylaxis.md")
    assert result.ok, result.errors
    texts = [claim.text for claim in result.articles[0].claims]
    everything = "\n".join(texts)
    assert "<span" not in everything and "</span>" not in everything and "&lt;" not in everything
    assert "Age 1 mo - 1 yr: SBP < 70 mmHg" in texts
    assert "H1 antagonist (eg. diphenhydramine)" in texts  # "eg." does not end a sentence
    assert [section.heading for section in result.articles[0].sections][:2] == ["Common culprits",
                                                                                 "Organ involvement"]


def test_link_definitions_code_and_tables(tmp_path):
    content = """# Is IVIG safe in pregnancy?

IVIG is considered compatible with pregnancy [1]. Thrombosis is the main risk [2].

```
print("code is not a claim.")
```

| Drug | Risk |
| ---- | ---- |
| IVIG | Thrombosis is listed. |

<div>An HTML block is not a claim.</div>

[1]: https://pubmed.ncbi.nlm.nih.gov/12345678/ "IVIG in pregnancy: a review"
[2]: https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=c6e131fe-e7df-4876-83f7-9156fc4e8228
"""
    article = _read(tmp_path, content).articles[0]
    assert [(claim.text, claim.cited_labels) for claim in article.claims] == [
        ("IVIG is considered compatible with pregnancy.", ["1"]), ("Thrombosis is the main risk.", ["2"])]
    refs = {ref.number: ref for ref in article.references}
    assert refs["1"].source.identifiers.pmid == "12345678" and refs["1"].text.startswith("IVIG in pregnancy")
    assert refs["2"].source.kind == "drug-label"
    assert refs["2"].line == [n for n, line in enumerate(content.split("\n"), 1) if line.startswith("[2]:")][0]


@pytest.mark.parametrize("markdown, expected", [
    ("Steroids &amp; IVIG help most patients [1].", "Steroids & IVIG help most patients."),
    ("Give <b>IV</b> <span class='drug'>methylprednisolone</span> first [1].", "Give IV methylprednisolone first."),
    ("See the ![figure](fig.png) trial *results* `now` [1].", "See the trial results now."),
    ("Use \\[brackets\\] with some care [1].", "Use [brackets] with some care."),
])
def test_inline_markup_is_text(tmp_path, markdown, expected):
    article = _read(tmp_path, f"# Q?\n\n{markdown}\n").articles[0]
    assert article.claims[0].text == expected
