"""Bytes to text, with errors that say where a file stops being text."""

from __future__ import annotations

import codecs
import hashlib

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
