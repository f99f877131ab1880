"""The ExpertQA JSONL loader on the real 51-answer medicine file, and on damaged copies."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from claimgraph.loaders import expertqa, read_file

from conftest import SEED, SHARED

EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"
ASPECTS = {"support", "correctness", "reliability", "informativeness", "worthiness"}


@pytest.fixture(scope="module")
def lines():
    return EXPERTQA.read_bytes().split(b"\n")


@pytest.fixture(scope="module")
def result(vocabulary):
    return read_file(EXPERTQA, vocabulary)


def test_sniffed_and_every_answer_loads(result, lines):
    assert result.format == "expertqa" and result.ok, result.errors
    rows = [json.loads(line) for line in lines if line.strip()]
    expected = [(n, system) for n, row in enumerate(rows, 1) for system in row["answers"]]
    assert len(result.articles) == len(expected) == 51
    assert [(int(a.locator.split()[1]), a.extra["system"]) for a in result.articles] == expected


def test_article_identity_is_stable(result, lines):
    first = result.articles[0]
    row = json.loads(lines[0])
    system = next(iter(row["answers"]))
    assert first.title == row["question"]
    assert first.key_text == f"expertqa:{system}:{row['question']}"
    assert first.content_sha256 == hashlib.sha256(lines[0]).hexdigest()
    assert first.source_format == "expertqa" and first.locator == "line 1"
    assert first.extra["annotator"] == row["answers"][system]["annotator_id"]
    assert first.extra["specific_field"] == row["metadata"]["specific_field"]
    again = read_file(EXPERTQA)
    assert [a.content_sha256 for a in again.articles] == [a.content_sha256 for a in result.articles]
    assert len({a.key_text for a in result.articles}) == 51


def test_claims_and_judgments_are_all_kept(result, lines):
    rows = [json.loads(line) for line in lines if line.strip()]
    claim_counts = [len(answer["claims"]) for row in rows for answer in row["answers"].values()]
    assert [len(a.claims) for a in result.articles] == claim_counts
    assert sum(claim_counts) == 247
    for article in result.articles:
        for claim in article.claims:
            assert ASPECTS <= {j.aspect for j in claim.judgments}
            assert all(j.annotator == article.extra["annotator"] for j in claim.judgments)
    support = Counter(j.value for a in result.articles for c in a.claims for j in c.judgments
                      if j.aspect == "support")
    assert support == Counter({"Complete": 142, "Incomplete": 47, "Missing": 31, "Partial": 15, "N/A": 12})
    notes = [j.note for a in result.articles for c in a.claims for j in c.judgments if j.note]
    assert len(notes) == 24
    with_evidence = [j for a in result.articles for c in a.claims for j in c.judgments
                     if j.aspect == "support" and j.evidence]
    assert len(with_evidence) > 200


def test_claims_are_aligned_to_the_answer_text(result):
    located = unlocated = 0
    for article in result.articles:
        for claim in article.claims:
            block = article.blocks[claim.block].text
            if claim.start is None:
                unlocated += 1
                continue
            located += 1
            assert block[claim.start:claim.end] == claim.original
            for marker in claim.markers:
                assert claim.original[marker.start:marker.end] == marker.label
            assert "[" not in claim.text and "**" not in claim.text
    # The dataset's claims that run across a list's paragraphs keep no offsets, with a warning.
    assert located >= 230 and unlocated == sum("runs across paragraphs" in w for w in result.warnings)


def test_markers_and_references(result):
    article = result.articles[0]
    assert [c.cited_labels for c in article.claims] == [["1"], ["2"], ["3"], ["4"]]
    assert [r.number for r in article.references] == ["1", "2", "3", "4"]
    assert article.references[0].text == "[1] https://bodytomy.com/white-blood-cells-vs-red-blood-cells"
    assert article.references[0].source.identifiers.url.startswith("https://bodytomy.com/")
    assert article.references[0].source.kind is None  # a web page says nothing of its kind
    assert article.has_reference_list and article.references[0].line == 1
    pubmed = [r.source for a in result.articles for r in a.references
              if "pubmed.ncbi.nlm.nih.gov/18499363" in (r.text or "")]
    assert pubmed and pubmed[0].identifiers.pmid == "18499363" and pubmed[0].kind == "study"
    assert pubmed[0].identifiers.url == "https://pubmed.ncbi.nlm.nih.gov/18499363/"
    doi = [r.source for a in result.articles for r in a.references if "nejm.org/doi" in (r.text or "")]
    assert doi and doi[0].identifiers.doi == "10.1056/nejmoa1800389" and doi[0].kind == "study"


def test_mentions_are_linked(result):
    found = {(m.surface.lower(), m.concept.rsplit("/", 1)[1])
             for a in result.articles for c in a.claims for m in c.mentions}
    assert ("dermatomyositis", "dermatomyositis") in found
    assert ("myocardial infarction", "myocardial-infarction") in found


def test_a_bad_line_is_reported_and_the_rest_load(tmp_path, lines):
    damaged = list(lines[:20])
    damaged[10] = damaged[10][: len(damaged[10]) // 2]  # line 11 cut off mid-way
    damaged[14] = b'{"question": "What is IMNM?", "metadata": {}}'  # line 15: no answers
    path = tmp_path / "truncated.jsonl"
    path.write_bytes(b"\n".join(damaged) + b"\n")
    result = read_file(path)
    assert result.format == "expertqa"
    assert [(e.line, e.path) for e in result.errors] == [(11, str(path)), (15, str(path))]
    assert "line 11" in str(result.errors[0]) and "not a JSON object" in str(result.errors[0])
    assert "missing field 'answers'" in str(result.errors[1])
    assert len(result.articles) == 18
    assert {a.locator for a in result.articles} == {f"line {n}" for n in range(1, 21)} - {"line 11", "line 15"}


def test_a_bad_answer_or_claim_names_its_place(tmp_path, lines):
    row = json.loads(lines[0])
    system = next(iter(row["answers"]))
    broken = json.loads(lines[0])
    broken["answers"][system]["claims"][1] = {"support": "Complete"}
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    result = read_file(path)
    assert len(result.articles) == 1 and len(result.errors) == 1
    assert result.errors[0].place == f"line 2, answer {system!r}"
    assert "claim 2 has no 'claim_string'" in result.errors[0].message


def test_a_claim_not_in_the_answer_is_kept_with_a_warning(tmp_path, lines):
    row = json.loads(lines[0])
    system = next(iter(row["answers"]))
    row["answers"][system]["claims"][0]["claim_string"] = "Blood is blue in the veins [1]."
    path = tmp_path / "moved.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = read_file(path)
    claim = result.articles[0].claims[0]
    assert claim.text == "Blood is blue in the veins." and claim.start is None
    assert claim.cited_labels == ["1"]
    assert any("claim 1 is not in the answer text" in w for w in result.warnings)


def test_sniff_only_claims_expertqa_rows():
    assert expertqa.sniff(SEED.read_text(encoding="utf-8"), SEED) == 0
    assert expertqa.sniff('{"title": "x", "answers": {}}\n', Path("x.jsonl")) == 0
    assert expertqa.sniff('{"question": "q", "answers": {"s": {}}}\n', Path("x.jsonl")) == 95
