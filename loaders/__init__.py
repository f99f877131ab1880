"""Loaders: files in, plain records out (see ``records``). No store, no web.

Every input format is a module with three names:

``FORMAT``
    its name ("text", "html", "pubmed-xml", ...), shown in summaries;
``sniff(text, path) -> int``
    how sure it is, 0..100, that ``text`` is its format (content first, the
    file's suffix only as a tie-breaker);
``read(text, path, sha256) -> FileResult``
    the records, with one ``LoaderError`` per bad record.

``read_file`` decodes, picks the format by content, reads, and never raises.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .errors import LoaderError
from .records import Article, SourceRecord
from .textio import MAX_FILE_BYTES, decode, scrub_records, scrub_text, sha256_hex

# Order matters only for equal confidence: the first wins.
FORMAT_MODULES = [
    "expertqa",
    "html",
    "markdown",
    "text",
    # source records (issue 3): each sniffs a distinctive header or field set
    "pubmed",
    "medline",
    "ris",
    "bibtex",
    "csljson",
    "spl",
    "openfda",
    "guideline",
    "loinc_table",
]

# Files that are never inputs when a folder is loaded.
_SKIP_SUFFIXES = {".pyc", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".zip", ".gz"}


@dataclass
class FileResult:
    path: str
    format: str | None = None
    sha256: str | None = None
    articles: list[Article] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    errors: list[LoaderError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _format_modules():
    for name in FORMAT_MODULES:
        yield importlib.import_module(f"{__name__}.{name}")


def detect_format(text: str, path: Path):
    """The format module most sure of ``text``, or None."""
    best, best_score = None, 0
    for module in _format_modules():
        score = module.sniff(text, path)
        if score > best_score:
            best, best_score = module, score
    return best


def iter_input_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Expand folders (recursively, sorted, hidden files skipped) into files."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                # marker maps (<article>.refs.yaml) are applied with their article, not read alone
                if (child.is_file() and child.suffix.lower() not in _SKIP_SUFFIXES
                        and not child.name.endswith(".refs.yaml")):
                    yield child
        else:
            yield path


def _record_name(index: int, record) -> str:
    kind = "article" if isinstance(record, Article) else "source record"
    return f"{kind} {record.locator or index + 1}"


def _scrub_parsed(result: FileResult) -> None:
    """Characters a format decoded from its own escapes (JSON \\u001b, HTML &#27;), replaced."""
    for records in (result.articles, result.sources):
        if replaced := scrub_records(records, _record_name):
            result.warnings.append(replaced)


def read_file(path: str | os.PathLike, vocabulary=None, *, format: str | None = None) -> FileResult:
    """Read one file into records. Problems are returned, never raised.

    ``vocabulary`` (a ``claimgraph.loaders.mentions.Vocabulary``) links the
    conditions and drugs each claim names; without it claims get no mentions.
    ``format`` forces a format module by its FORMAT name.
    """
    path = Path(path)
    result = FileResult(path=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoaderError(str(path), f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        data = path.read_bytes()
        result.sha256 = sha256_hex(data)
        text, replaced = scrub_text(decode(data, str(path)))
        if replaced:
            result.warnings.append(replaced)
        if format:
            module = next((m for m in _format_modules() if m.FORMAT == format), None)
            if module is None:
                raise LoaderError(str(path), f"unknown format {format!r}")
        else:
            module = detect_format(text, path)
        if module is None:
            raise LoaderError(str(path), "no recognisable structure: not an answer article, "
                              "reference record or label this version can read")
        result.format = module.FORMAT
        parsed = module.read(text, str(path), result.sha256)
        result.articles, result.sources = parsed.articles, parsed.sources
        result.errors.extend(parsed.errors)
        result.warnings.extend(parsed.warnings)
        _scrub_parsed(result)
    except LoaderError as exc:
        result.errors.append(exc)
    except OSError as exc:
        result.errors.append(LoaderError(str(path), f"cannot read: {exc.strerror or exc}"))
    except RecursionError:
        result.errors.append(LoaderError(str(path), "structure nested too deeply to read"))
    except Exception as exc:  # a loader bug must not take the batch down; say where
        result.errors.append(LoaderError(str(path), f"internal error in {result.format or 'format detection'}"
                                         f" loader: {type(exc).__name__}: {exc}"))
    if vocabulary is not None:
        for article in result.articles:
            for claim in article.claims:
                claim.mentions = vocabulary.find(claim.text)
    return result
