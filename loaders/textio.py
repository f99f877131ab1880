"""Bytes to text, with errors that say where a file stops being text."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import re

from .errors import LoaderError

MAX_FILE_BYTES = 64 * 1024 * 1024  # larger inputs are refused, not read into memory


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a string index."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def decode(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16/32; refuse the rest.

    Binary files (NUL bytes without a UTF-16 BOM) and invalid UTF-8 get an error that
    names the line and column of the first bad byte, so a user can find it.
    """
    if not data.strip():
        raise LoaderError(path, "file is empty")
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise LoaderError(path, f"invalid {codec.upper()} ({exc.reason})",
                                  place=f"byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        first_nul = data.index(b"\x00")
        raise LoaderError(path, "looks like a binary file (NUL bytes), not text",
                          place=f"byte {first_nul}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line, col = line_col(good, len(good))
        raise LoaderError(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            line=line, column=col) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- characters no record may carry ----------------------------------------------------
#
# C0 and C1 controls other than tab, line feed and carriage return (ESC drives terminals,
# backspace hides text, and XML 1.0 -- hence GEXF, SVG, XLSX -- forbids most of them), DEL,
# lone surrogates (not encodable as UTF-8) and the Unicode noncharacters (U+FDD0..U+FDEF and
# the last two code points of every plane, U+FFFE/U+FFFF among them). In a file's text, before
# any loader has read it, they are dropped: they show nothing, and a marker after "cases\x1b 2"
# should still read as one. In records, after loaders have counted offsets, each is replaced by
# U+FFFD, one code point for one, so that every offset stays right.
REPLACEMENT = "\ufffd"
_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                  0x1B: "ESC", 0x7F: "DEL"}
_PLACES_SHOWN = 5  # a file full of them gets one warning, not one per character


def _describe(char: str) -> str:
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or ("lone surrogate" if 0xD800 <= code <= 0xDFFF else
                                        "control character" if code < 0xA0 else "noncharacter")
    return f"U+{code:04X} ({name})"


class Replacements:
    """Where unsafe characters were: all counted, the first few described.

    ``replace(value, where)`` is for a loader whose parser decodes escapes into a tree of its
    own (HTML's ``&#27;``) and wants the tree clean before reading it further."""

    def __init__(self):
        self.count, self.shown = 0, []

    def add(self, char: str, where) -> None:
        """``where`` is a string or a callable giving one (line and column cost a scan)."""
        self.count += 1
        if len(self.shown) < _PLACES_SHOWN:
            self.shown.append(f"{_describe(char)} at {where() if callable(where) else where}")

    def replace(self, value: str, where) -> str:
        """``value`` with each unsafe character replaced by U+FFFD, one for one."""
        if not _UNSAFE.search(value):
            return value
        for match in _UNSAFE.finditer(value):
            self.add(match.group(0), where)
        return _UNSAFE.sub(REPLACEMENT, value)

    def warning(self, done: str = "replaced", how: str = " with U+FFFD") -> str | None:
        if not self.count:
            return None
        more = f"; and {self.count - len(self.shown)} more" if self.count > len(self.shown) else ""
        return f"{done} {self.count} control or non-text character(s){how}: {'; '.join(self.shown)}{more}"


def scrub_text(text: str) -> tuple[str, str | None]:
    """``text`` without unsafe characters, and a warning naming line and column of each.

    Called by ``read_file`` on every file's decoded text before any loader sees it.
    """
    if not _UNSAFE.search(text):
        return text, None
    places = Replacements()
    for match in _UNSAFE.finditer(text):
        places.add(match.group(0), lambda index=match.start(): "line {}, column {}".format(*line_col(text, index)))
    return _UNSAFE.sub("", text), places.warning("dropped", "")


def scrub_records(records: list, name) -> str | None:
    """Replace unsafe characters in every string field of ``records`` (in place); a warning or None.

    The second pass after ``scrub_text``: escapes that formats decode themselves -- JSON's
    ``\\u001b``, HTML's ``&#27;`` -- only become characters inside the records. ``name(i, record)``
    says which record a place is in ("article 3", "source record line 12").
    """
    places = Replacements()
    for index, record in enumerate(records):
        _scrub(record, name(index, record), places)
    return places.warning()


def _scrub(value, where: str, places: Replacements):
    """``value`` with unsafe characters replaced; containers and dataclasses changed in place."""
    if isinstance(value, str):
        return places.replace(value, where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            old = getattr(value, item.name)
            new = _scrub(old, f"{where}, {item.name}", places)
            if new is not old:
                setattr(value, item.name, new)
    elif isinstance(value, list):
        for index, old in enumerate(value):
            new = _scrub(old, f"{where}[{index + 1}]", places)
            if new is not old:
                value[index] = new
    elif isinstance(value, dict):
        for key, old in list(value.items()):
            new = _scrub(old, f"{where}, {key}", places)
            if new is not old:
                value[key] = new
    elif type(value) is tuple:
        items = tuple(_scrub(item, f"{where}[{index + 1}]", places) for index, item in enumerate(value))
        if any(new is not old for new, old in zip(items, value)):
            return items
    return value
