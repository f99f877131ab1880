"""Issue 13 item 7 (the loaders' half): control characters, noncharacters and lone surrogates
never reach a record. ``read_file`` drops them from a file's text (warning with line and
column) and replaces those a format decodes itself (JSON ``\\u001b``, HTML ``&#27;``) with
U+FFFD in the records (warning with the record and field), whatever the loader."""

from __future__ import annotations

import re

import pytest

from claimgraph.loaders import read_file
from claimgraph.loaders.textio import scrub_text

UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _strings(value):
    """Every string inside a record, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _strings(getattr(value, name))


def _clean(result) -> bool:
    return not any(UNSAFE.search(s) for record in result.articles + result.sources for s in _strings(record))


def test_raw_characters_are_dropped_with_line_and_column(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_text("What helps IMNM?\n\nFrom the Research\n\n"
                    "Steroids \x1bhelp\x08 most patients 1. IVIG\uffff works in refractory cases\x85 2.\n",
                    encoding="utf-8")
    result = read_file(path)
    assert result.ok and _clean(result)
    assert [(c.text, c.cited_labels) for c in result.articles[0].claims] == [
        ("Steroids help most patients.", ["1"]), ("IVIG works in refractory cases.", ["2"])]
    [warning] = result.warnings
    assert warning.startswith("dropped 4 control or non-text character(s)")
    assert "U+001B (ESC) at line 5, column 10" in warning and "U+0008 (backspace) at line 5" in warning
    assert "U+FFFF (noncharacter)" in warning and "U+0085" in warning


def test_escaped_characters_are_replaced_in_the_records(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"question": "Is \\u001b it \\ud800 safe?", "answers": {"gpt4": {"answer_string": '
                    '"It is safe \\u0008 [1].", "attribution": ["[1] https://example.org/a"], '
                    '"claims": [{"claim_string": "It is safe \\u0008 [1]."}]}}}\n', encoding="utf-8")
    result = read_file(path)
    assert result.ok and _clean(result)
    article = result.articles[0]
    assert article.title == "Is \ufffd it \ufffd safe?"
    claim = article.claims[0]
    # one code point for one: offsets still point at the same text
    assert article.blocks[claim.block].text[claim.start:claim.end] == claim.original
    [warning] = result.warnings
    assert warning.startswith("replaced 7 control or non-text character(s) with U+FFFD")
    assert "U+001B (ESC) at article line 1, title" in warning and "U+D800 (lone surrogate)" in warning


def test_html_character_references_are_replaced(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><h1>Is &#27;this&#xFFFF; safe?</h1>"
                    "<p>It is safe &#8;here for most adults.</p></body></html>", encoding="utf-8")
    result = read_file(path)
    assert result.ok and _clean(result)
    assert "U+001B (ESC) at line 1" in result.warnings[0] and "U+0008 (backspace) at line 1" in result.warnings[0]


def test_xml_with_a_raw_escape_still_loads(shared, tmp_path):
    """A literal ESC makes XML malformed: dropped before parsing, the record is kept, not refused."""
    original = (shared / "data" / "pubmed" / "pubmed1.xml").read_text(encoding="utf-8")
    damaged = original.replace("<ArticleTitle>", "<ArticleTitle>\x1b[31m", 1)
    path = tmp_path / "pubmed.xml"
    path.write_text(damaged, encoding="utf-8")
    before, after = read_file(shared / "data" / "pubmed" / "pubmed1.xml"), read_file(path)
    assert after.ok and len(after.sources) == len(before.sources) and _clean(after)
    assert after.sources[0].source.title.startswith("[31m")
    assert "U+001B (ESC) at line" in after.warnings[0]


def test_clean_text_is_untouched_and_many_hits_make_one_short_warning():
    assert scrub_text("tab\tnew\nline\r and é ✓ 𝔸") == ("tab\tnew\nline\r and é ✓ 𝔸", None)
    text, warning = scrub_text("\x1b" * 10_000 + "ok")
    assert text == "ok" and "dropped 10000" in warning and "and 9995 more" in warning


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x9f", "\ufdd0", "\ufffe", "\U0010ffff"])
def test_each_kind_is_dropped(char):
    assert scrub_text(f"a{char}b")[0] == "ab"
