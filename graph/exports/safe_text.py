"""Text as each kind of writer can hold it, whatever a loaded file put in it.

Two dangers, each handled here only:

- **XML 1.0 forbids most control characters**, U+FFFE/U+FFFF and lone surrogates.
  One ESC in a claim made the XLSX export and GraphML raise (500 for everyone) and
  GEXF come out malformed. ``xml_text`` replaces each such character by U+FFFD (the
  replacement character), so the output is valid and the place of the bad character
  still shows.
- **Spreadsheets run formulas**: a CSV cell or XLSX text cell beginning with ``=``,
  ``+``, ``-``, ``@``, tab or CR may be taken for a formula when opened
  (``=HYPERLINK(…)``, ``=cmd|…``; OWASP "CSV injection"). ``formula_like`` says so;
  CSV writers prefix such text with an apostrophe (``csv_field``), the XLSX writer
  keeps the text exact and marks the cell as text (graph/exports/tabular.py).
  Numbers are not text: a negative count stays ``-3``. Only tabular downloads do
  this; HTML, JSON and RDF show the text as loaded.
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def formula_like(value) -> bool:
    """True for text a spreadsheet could read as a formula (never for numbers)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_field(value) -> str | int | float:
    """A value as a CSV field: numbers as they are, lists joined by spaces, text that
    a spreadsheet could run prefixed with an apostrophe, lone surrogates replaced
    (UTF-8 cannot encode them)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple, set)):
        value = " ".join(str(v) for v in value)
    text = str(value)
    if _has_surrogate(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return "'" + text if formula_like(text) else text


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= c <= "\udfff" for c in text)
