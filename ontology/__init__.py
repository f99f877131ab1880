"""The bundled ontology, SHACL shapes and curated vocabulary, as files.

``ontology_files()`` are loaded into the ontology graph, ``vocabulary_files()``
into the vocabulary graph; ``shapes_files()`` are what ``claimgraph validate``
checks the data against.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_HERE = resources.files(__name__)


def _path(name: str) -> Path:
    return Path(str(_HERE.joinpath(name)))


def ontology_files() -> list[Path]:
    return sorted(p for p in (_path(n.name) for n in _HERE.iterdir())
                  if p.suffix == ".ttl" and p.name not in {"vocabulary.ttl"}
                  and not p.name.startswith("shapes"))


def vocabulary_files() -> list[Path]:
    path = _path("vocabulary.ttl")
    return [path] if path.is_file() else []


def shapes_files() -> list[Path]:
    return sorted(p for p in (_path(n.name) for n in _HERE.iterdir())
                  if p.suffix == ".ttl" and p.name.startswith("shapes"))
