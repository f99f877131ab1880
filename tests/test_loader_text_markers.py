"""Issue 17 item 12: a bare-number marker right after a number or a schedule ("... 2 g/kg every
month 5.") in scraped text. Minimal articles of the seed's kind: a marker is taken there only at
the end of a sentence, when the word before already has its quantity ("every month", "once a
week") or the number before already has its own, and within the range of the article's other
markers or its reference list. Doses never become markers (tests/test_loader_text.py)."""

from __future__ import annotations

from claimgraph.loaders import read_file

ARTICLE = """What is the treatment for immune-mediated necrotizing myopathy?

From the Guidelines

Corticosteroids are the first-line treatment, started at 1 mg/kg daily 1. Statins should be stopped 2.

From the Research

  • Most patients need more than one immunosuppressant 3, 4, 6.
  • Intravenous immunoglobulin is given at 2 g/kg every month 5.
  • Methotrexate is added once a week 3.
  • Steroids are tapered after week 12 4.
  • IgG trough levels should stay above 10 6.
  • Weakness often peaks at month 5.
  • Rituximab is given on days 1 and 15.
  • Treatment is repeated every month 9.
"""


def _cited(tmp_path, content):
    path = tmp_path / "answer.txt"
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert result.ok, result.errors
    return [(claim.text, claim.cited_labels) for claim in result.articles[0].claims]


def test_markers_after_numbers_and_schedules(tmp_path):
    assert _cited(tmp_path, ARTICLE) == [
        ("Corticosteroids are the first-line treatment, started at 1 mg/kg daily.", ["1"]),
        ("Statins should be stopped.", ["2"]),
        ("Most patients need more than one immunosuppressant.", ["3", "4", "6"]),
        ("Intravenous immunoglobulin is given at 2 g/kg every month.", ["5"]),
        ("Methotrexate is added once a week.", ["3"]),
        ("Steroids are tapered after week 12.", ["4"]),
        ("IgG trough levels should stay above 10.", ["6"]),
        # "at month 5": the month has no quantity of its own, so 5 is the month
        ("Weakness often peaks at month 5.", []),
        ("Rituximab is given on days 1 and 15.", []),
        # 9 is beyond every marker the article has (1-6): part of the text, not a citation
        ("Treatment is repeated every month 9.", []),
    ]


def test_without_other_markers_a_trailing_number_stays_text(tmp_path):
    content = "How is IVIG dosed?\n\nFrom the Research\n\nIntravenous immunoglobulin is given at 2 g/kg every month 5.\n"
    assert _cited(tmp_path, content) == [("Intravenous immunoglobulin is given at 2 g/kg every month 5.", [])]


def test_the_reference_list_gives_the_range(tmp_path):
    content = ("How is IVIG dosed?\n\nFrom the Research\n\nIntravenous immunoglobulin is given at 2 g/kg every "
               "month 2.\n\nReferences\n\n1. Dalakas MC. Immunotherapy of myositis. Nat Rev Neurol. 2011.\n"
               "2. Allenbach Y, et al. Immune-mediated necrotizing myopathy. Neuromuscul Disord. 2018.\n")
    assert _cited(tmp_path, content) == [("Intravenous immunoglobulin is given at 2 g/kg every month.", ["2"])]
