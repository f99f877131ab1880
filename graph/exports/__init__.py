"""Audit exports of a selection of articles: CSV, XLSX, JSON-LD, TriG,
nanopublications and a printable HTML report, each with a manifest.

``export(store, selection, fmt, path)`` writes the export and, beside it,
``<path>.manifest.json``: the selection query itself, when, by which software
version, the SHA-256 of each input file (from the provenance graph) and of the
export. The export's bytes hold no clock time, so the same selection on the
same data gives the same bytes; only the manifest says when.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from pyoxigraph import NamedNode

from claimgraph import __version__
from claimgraph.graph.store import ClaimStore

from .rows import ArticleAudit, article_audit
from .selection import Selection, SelectionError


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    media_type: str


FORMATS = {f.name: f for f in [
    ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    ExportFormat("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ExportFormat("jsonld", "jsonld", "application/ld+json"),
    ExportFormat("trig", "trig", "application/trig"),
    ExportFormat("nanopub", "nanopub.trig", "application/trig"),
    ExportFormat("html", "html", "text/html; charset=utf-8"),
]}

Progress = Callable[[str], None]


class ExportError(ValueError):
    """An export that cannot be made; the message says why."""


class ExportTooLarge(ExportError):
    """The export is over one of its ``ExportLimits``."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class ExportLimits:
    """What one export may take (the server's; the CLI has none): seconds of work,
    bytes written, articles selected. Checked before the export and after each article."""

    seconds: float | None = None
    max_bytes: int | None = None
    max_articles: int | None = None

    def checked(self, progress: "Progress | None", output: BinaryIO) -> "Progress":
        deadline = time.monotonic() + self.seconds if self.seconds else None

        def check(version: str) -> None:
            if progress:
                progress(version)
            if deadline is not None and time.monotonic() > deadline:
                raise ExportTooLarge(f"the export took over {self.seconds:g} s; select fewer articles", timed_out=True)
            if self.max_bytes and output.tell() > self.max_bytes:
                raise ExportTooLarge(f"the export is over {self.max_bytes} bytes; select fewer articles")
        return check


def _audits(store: ClaimStore, versions: list[str], progress: Progress | None) -> Iterator[ArticleAudit]:
    for version in versions:
        yield article_audit(store, version)
        if progress:
            progress(version)


def write_export(store: ClaimStore, versions: list[str], fmt: str, output: BinaryIO,
                 progress: Progress | None = None) -> dict:
    """Write the export's bytes for ``versions``; returns counts for the manifest."""
    from . import rdf, report, tabular

    if fmt == "csv":
        return tabular.write_csv(_audits(store, versions, progress), output)
    if fmt == "xlsx":
        return tabular.write_xlsx(_audits(store, versions, progress), output)
    if fmt == "html":
        return report.write_html(_audits(store, versions, progress), output,
                                 software=f"claimgraph {__version__}")
    if fmt == "nanopub":
        return rdf.write_nanopubs(store, _audits(store, versions, progress), output)
    ticking = _ticking(versions, progress)
    if fmt == "trig":
        return rdf.write_trig(store, ticking, output)
    if fmt == "jsonld":
        return rdf.write_jsonld(store, ticking, output)
    raise ExportError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")


def _ticking(versions: list[str], progress: Progress | None) -> Iterator[str]:
    for version in versions:
        yield version
        if progress:
            progress(version)


def input_files(store: ClaimStore, versions: list[str]) -> list[dict]:
    """Every input file the selected versions (and the source records) came from."""
    files: dict[str, dict] = {}
    rows = [r for v in versions for r in store.select("audit-provenance", version=NamedNode(v))]
    rows += store.select("audit-source-provenance")
    for row in rows:
        files[row["sha256"]] = {"file": row["file_name"], "sha256": row["sha256"]}
    return sorted(files.values(), key=lambda f: (f["file"] or "", f["sha256"]))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def build_manifest(store: ClaimStore, selection: Selection, versions: list[str], fmt: str,
                   path: Path, counts: dict) -> dict:
    return {
        "claimgraph_export": 1,
        "format": fmt,
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "software": {"name": "claimgraph", "version": __version__},
        "selection": {**selection.as_dict(), "query": selection.query(), "versions": versions},
        "inputs": input_files(store, versions),
        "counts": {"articles": len(versions), **counts},
    }


def export(store: ClaimStore, selection: Selection, fmt: str, path: str | os.PathLike,
           progress: Progress | None = None, on_versions: Callable[[int], None] | None = None,
           limits: ExportLimits | None = None) -> dict:
    """Write the export to ``path`` (via a temporary file) and its manifest; returns the manifest.
    ``limits`` stop it with ``ExportTooLarge`` (nothing is left at ``path`` then)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    try:
        versions = [row["version"] for row in selection.versions(store)]
    except SelectionError as exc:
        raise ExportError(str(exc)) from None
    if not versions:
        raise ExportError("the selection matches no article in the store")
    if limits and limits.max_articles and len(versions) > limits.max_articles:
        raise ExportTooLarge(f"the selection has {len(versions)} articles, over the {limits.max_articles} "
                             "an export may take here; select fewer articles")
    if on_versions:
        on_versions(len(versions))
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as output:
            counts = write_export(store, versions, fmt, output, limits.checked(progress, output) if limits else progress)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    manifest = build_manifest(store, selection, versions, fmt, path, counts)
    manifest_path(path).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


__all__ = ["FORMATS", "ExportError", "ExportLimits", "ExportTooLarge", "Selection", "export", "manifest_path",
           "write_export"]
