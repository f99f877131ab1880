"""ExpertQA rows of a question with no answer yet ("answers": {}, as in the dataset's
question-collection round r1): reported as "no answer", never as a missing field (issue 17 item 11)."""

from __future__ import annotations

import json

from claimgraph.loaders import read_file

ANSWERED = {"question": "Does IVIG help IMNM?", "answers": {"gpt4": {
    "answer_string": "IVIG helps in refractory cases [1].", "attribution": ["[1] https://pubmed.ncbi.nlm.nih.gov/1/"],
    "claims": [{"claim_string": "IVIG helps in refractory cases [1]."}]}}}


def _row(question: str) -> dict:
    return {"question": question, "annotator_id": "7", "answers": {}, "metadata": {"field": "Medicine"}}


def test_the_real_question_only_file_says_no_answers(shared):
    path = shared / "data" / "real-world" / "expertqa" / "expertqa_r1_data_anon_head25.jsonl"
    result = read_file(path)
    assert result.format == "expertqa" and not result.articles
    [error] = result.errors
    assert "missing field" not in error.message
    assert error.message.startswith("no answers: 25 question(s) with no answer to load ('answers' is empty), "
                                    "lines 1, 2, 3")
    assert "and 15 more" in error.message and "nothing to store" in error.message


def test_unanswered_rows_beside_answered_ones_are_a_warning(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in (_row("What is IMNM?"), ANSWERED, _row("Why?"))) + "\n",
                    encoding="utf-8")
    result = read_file(path)
    assert result.ok and len(result.articles) == 1
    assert result.warnings == ["2 question(s) with no answer to load ('answers' is empty), lines 1, 3"]


def test_answers_of_the_wrong_type_is_still_an_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ANSWERED) + "\n" + json.dumps({"question": "What?", "answers": []}) + "\n",
                    encoding="utf-8")
    result = read_file(path)
    assert len(result.articles) == 1 and result.errors[0].line == 2 and "'answers' should be an object" in result.errors[0].message
