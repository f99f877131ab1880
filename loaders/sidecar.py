"""Marker -> source maps for an article: which record each citation number stands for.

An article that cites "1", "2" ... without identifiers (the seed has no reference
list) can be tied to real records with a sidecar file, either given as
``claimgraph load --refs FILE ARTICLE`` or placed next to the article as
``<article file name>.refs.yaml`` (``seed.txt.refs.yaml``) or ``<stem>.refs.yaml``
(``seed.refs.yaml``), which ``claimgraph load`` then applies on every load::

    # marker: what it cites
    "1": {record: ../guidelines/asco-2021-irae.yaml}   # a record file, path relative to this file
    "2": {setid: 2e5f4f5e-...}                          # or identifiers: doi, pmid, pmcid, setid
    "3": {doi: 10.1016/j.example.2020.01.001}
    "4": "PMID: 12345678"                               # or one string holding an identifier

A marker mapped here replaces what the article knows of that reference only if
the article has no identifier for it; an entry that is not a mapping or names
no usable identifier is an error for that marker alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import LoaderError
from .identifiers import extract_identifiers, normalise_doi, normalise_pmcid, normalise_pmid, normalise_setid
from .records import Identifiers

SIDECAR_SUFFIX = ".refs.yaml"


@dataclass
class MarkerTarget:
    label: str
    identifiers: Identifiers | None = None  # when the marker names identifiers
    record_path: Path | None = None  # when the marker names a record file


@dataclass
class MarkerMap:
    path: str
    targets: list[MarkerTarget] = field(default_factory=list)
    errors: list[LoaderError] = field(default_factory=list)


def sidecar_for(article_path: str | Path) -> Path | None:
    """The sidecar next to an article, if there is one."""
    article_path = Path(article_path)
    for candidate in (article_path.with_name(article_path.name + SIDECAR_SUFFIX),
                      article_path.with_name(article_path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file() and candidate != article_path:
            return candidate
    return None


def is_sidecar(path: str | Path) -> bool:
    return Path(path).name.endswith(SIDECAR_SUFFIX)


_NORMALISERS = {"doi": normalise_doi, "pmid": normalise_pmid, "pmcid": normalise_pmcid, "setid": normalise_setid}


def read_marker_map(path: str | Path) -> MarkerMap:
    """Read a sidecar; raises ``LoaderError`` only when the file as a whole is unusable."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoaderError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LoaderError(str(path), f"malformed YAML: {getattr(exc, 'problem', None) or exc}",
                          line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise LoaderError(str(path), "a marker map is a mapping of marker numbers to sources")
    result = MarkerMap(path=str(path))
    for label, value in data.items():
        place = f"marker {label}"
        try:
            result.targets.append(_target(str(label).strip(), value, path, place))
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def _target(label: str, value, path: Path, place: str) -> MarkerTarget:
    if isinstance(value, str):
        ids = extract_identifiers(value)
        if not (ids.doi or ids.pmid or ids.pmcid or ids.setid):
            raise LoaderError(str(path), f"no DOI, PMID, PMCID or SetID in {value!r}", place=place)
        ids.url = None
        return MarkerTarget(label, identifiers=ids)
    if not isinstance(value, dict):
        raise LoaderError(str(path), "expected a mapping (record: FILE, or doi/pmid/pmcid/setid)", place=place)
    if value.get("record"):
        record = (path.parent / str(value["record"])).resolve()
        if not record.is_file():
            raise LoaderError(str(path), f"record file not found: {value['record']}", place=place)
        return MarkerTarget(label, record_path=record)
    ids = Identifiers()
    for name, normalise in _NORMALISERS.items():
        if value.get(name):
            try:
                setattr(ids, name, normalise(str(value[name])))
            except ValueError as exc:
                raise LoaderError(str(path), str(exc), place=place) from None
    if not (ids.doi or ids.pmid or ids.pmcid or ids.setid):
        raise LoaderError(str(path), "names no record and no identifier", place=place)
    return MarkerTarget(label, identifiers=ids)
