"""Issue 17 item 10: files that are not answer articles are refused with a message saying what
they look like (the rule is in loaders/answer_pages.py and README's input-formats list)."""

from __future__ import annotations

import pytest

from claimgraph.loaders import read_file

from conftest import REPO, SEED

# Shapes written for this test after CFF 1.2's required keys and a typical GitHub Actions workflow.
CFF = """# This CITATION.cff file was generated with cffinit.
cff-version: 1.2.0
title: Myopathy answers
message: >-
  If you use this software, please cite it using the metadata from this file. It
  describes how muscle disease answers were collected.
type: software
authors:
  - given-names: Ada
    family-names: Example
doi: 10.5281/zenodo.1234567
"""
WORKFLOW = """name: Tests

# Both push and pull_request events run the suite, so that a broken change is seen early.
on:
  push:
    branches: [main]
  pull_request:

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          python -m pip install -e '.[test]'
          pytest -q
"""
PLAIN_YAML = ("description: The store keeps every answer article and the sources it cites.\n"
              "server:\n  port: 8080\n  host: localhost\nstore: /var/lib/claimgraph\n")
NO_SENTENCE = "Statin myopathy\n\nFrom the Research\n\n  • CK 1\n  • biopsy 2\n  • anti-HMGCR\n"


@pytest.mark.parametrize("name, content, expected", [
    ("CITATION.cff", CFF, "looks like a CITATION.cff file"),
    ("tests.yml", WORKFLOW, "looks like a CI workflow"),
    ("settings.yaml", PLAIN_YAML, "looks like a YAML file"),
    ("notes.txt", NO_SENTENCE, "not an answer article: none of its 3 pieces of text is a sentence"),
])
def test_non_articles_are_refused_saying_what_they_look_like(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert not result.ok and not result.articles
    assert expected in result.errors[0].message and str(path) in str(result.errors[0])


def test_the_projects_own_licence_is_refused():
    result = read_file(REPO / "LICENSE")
    assert not result.articles
    assert result.errors[0].message == ("looks like a software licence ('Permission is hereby granted'), "
                                        "not an answer article")


def test_a_workflow_whose_comments_look_like_markdown_headings_is_refused(tmp_path):
    path = tmp_path / "workflow.yml"
    path.write_text("# Run the tests\n\n" + WORKFLOW, encoding="utf-8")
    result = read_file(path)
    assert not result.ok and "CI workflow" in result.errors[0].message


def test_answer_articles_still_load(shared):
    for path in (SEED, shared / "data" / "real-world" / "articles-md" / "aliemcards__anaphylaxis.md"):
        result = read_file(path)
        assert result.ok and result.articles[0].claims, result.errors
