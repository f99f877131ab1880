"""Keep ontology/README.md and the code in sync: run every SPARQL block it shows.

A block's ``# expect:`` line says what must hold on the seed: ``N rows``,
``at least N rows`` or ``true``/``false`` for ASK.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "ontology" / "README.md"
BLOCK = re.compile(r"```sparql\n(.*?)```", re.S)
EXPECT = re.compile(r"^# expect: (?:(at least) )?(\d+) rows?$|^# expect: (true|false)$", re.M)


def readme_queries():
    text = README.read_text(encoding="utf-8")
    for n, match in enumerate(BLOCK.finditer(text), start=1):
        query = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        yield pytest.param(query, id=f"README.md:{line}")


def test_readme_has_queries():
    assert len(list(readme_queries())) >= 8


@pytest.mark.parametrize("query", list(readme_queries()))
def test_readme_query_runs_on_the_seed(seed_store, query):
    expect = EXPECT.search(query)
    assert expect, "every README query says what to expect with a '# expect:' line"
    result = seed_store.query(query)
    if expect.group(3):
        assert bool(result) is (expect.group(3) == "true")
        return
    rows = list(result)
    wanted = int(expect.group(2))
    if expect.group(1):
        assert len(rows) >= wanted
    else:
        assert len(rows) == wanted
