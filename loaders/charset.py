"""Reference-manager exports that are not UTF-8 (Latin-1, Windows-1252, GBK ...).

Older reference managers and Chinese databases (CNKI, Wanfang) export RIS and
BibTeX in a legacy encoding. Text is UTF-8 first (``textio.decode``); only when
that fails, and only for a format that declares ``LEGACY_ENCODINGS`` (its
structure is ASCII, so it is recognised before decoding), the encoding is:

1. the one the file declares (JabRef writes ``% Encoding: windows-1252`` at the top); else
2. the one charset_normalizer finds, when the candidates agree: short files in East
   Asian encodings often fit several (GBK bytes decode as Korean too), and then the
   file is refused with the candidates named rather than stored garbled.

The decoded file carries a warning naming the encoding used.
"""

from __future__ import annotations

import codecs
import re

from .errors import LoaderError
from .textio import decode

# Encodings reference-manager exports are found in; detection chooses among these only.
CANDIDATES = ["cp1252", "latin_1", "iso8859_2", "cp1251", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr"]
# A candidate whose chaos (charset_normalizer's measure of how garbled a decoding looks) is
# within this of the best one's is as plausible as the best.
_PLAUSIBLE = 0.1
_DECLARED = re.compile(rb"\A(?:\xef\xbb\xbf)?%\s*Encoding:\s*([A-Za-z0-9_.:-]+)")


def decode_text(data: bytes, path: str, module_for) -> tuple[str, str | None]:
    """The text and, when it was not UTF-8, a warning naming the encoding used.

    ``module_for(text)`` is the format module the text would be read by (or None)."""
    try:
        return decode(data, path), None
    except LoaderError as utf8_error:
        if not utf8_error.message.startswith("not valid UTF-8"):
            raise
        module = module_for(data.decode("latin-1"))
        if module is None or not getattr(module, "LEGACY_ENCODINGS", False):
            raise
        encoding, how = _encoding(data, path, utf8_error)
    text = data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
    name = codecs.lookup(encoding).name
    return text, (f"{path}: not UTF-8; read as {name} ({how}). Check names with accents or "
                  "non-Latin letters, or save the file as UTF-8")


def _encoding(data: bytes, path: str, utf8_error: LoaderError) -> tuple[str, str]:
    declared = _DECLARED.match(data)
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
            data.decode(name)
        except (LookupError, UnicodeDecodeError) as exc:
            raise LoaderError(path, f"the file declares '% Encoding: {name}' but cannot be read so: {exc}",
                              line=1) from None
        return name, "the encoding the file declares"
    from charset_normalizer import from_bytes

    matches = sorted(from_bytes(data, cp_isolation=CANDIDATES), key=lambda m: m.chaos)
    if not matches:
        raise LoaderError(path, f"{utf8_error.message}; no common legacy encoding fits it either",
                          line=utf8_error.line, column=utf8_error.column)
    best = matches[0]
    rivals = [m for m in matches[1:] if m.chaos - best.chaos <= _PLAUSIBLE and str(m) != str(best)]
    if rivals:
        names = " or ".join(codecs.lookup(m.encoding).name for m in [best] + rivals)
        raise LoaderError(path, f"not UTF-8, and the bytes fit more than one encoding ({names}): "
                          "save the file as UTF-8, or declare its encoding on the first line as "
                          "'% Encoding: NAME' (BibTeX)", line=utf8_error.line, column=utf8_error.column)
    return best.encoding, "detected"
