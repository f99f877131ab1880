"""Vocabulary files of other projects that ``load --vocab`` reads besides SKOS and claimgraph's TSV.

* **BC5CDR mention tables** (``mesh_id<TAB>type<TAB>mention<TAB>count``): surface forms that
  the BioCreative V CDR annotators linked to MeSH. Each row is one label of the MeSH
  concept; ``Chemical`` is read as a drug, ``Disease`` as a condition. Rows whose ID is
  ``-1`` (no concept) or several IDs joined by ``|`` name no one concept and are counted
  in a warning.
* **SSSOM mapping sets** (the standard TSV for mappings between vocabularies): an optional
  YAML header in ``#`` lines (``curie_map``, ``mapping_set_id``, ``license`` ...), then a
  table with ``subject_id``, ``predicate_id``, ``object_id`` and optional labels and
  ``mapping_justification``. CURIEs are expanded with the file's ``curie_map`` and, for
  prefixes it does not define, the usual OBO / SKOS / MeSH ones below; any other prefix is
  expanded through the Bioregistry resolver (``https://bioregistry.io/PREFIX:ID``) and
  named in a warning. Mapping predicates are SKOS mapping
  relations (and ``owl:equivalentClass``, read as ``skos:exactMatch``).

Both are read into plain rows here, then added to a ``mentions.Vocabulary`` by ``add_table``.
"""

from __future__ import annotations

import csv
import functools
import io
from typing import NamedTuple

import yaml

from .errors import LoaderError

SKOS = "http://www.w3.org/2004/02/skos/core#"
MESH = "http://id.nlm.nih.gov/mesh/"
BC5CDR_HEADER = ["mesh_id", "type", "mention"]
BC5CDR_KINDS = {"chemical": "drug", "disease": "condition"}
# Prefixes used without a curie_map entry in published mapping sets (biomappings, OBO).
DEFAULT_PREFIXES = {
    "skos": SKOS, "owl": "http://www.w3.org/2002/07/owl#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": "https://w3id.org/semapv/vocab/", "orcid": "https://orcid.org/", "mesh": MESH,
    "chebi": "http://purl.obolibrary.org/obo/CHEBI_", "doid": "http://purl.obolibrary.org/obo/DOID_",
    "mondo": "http://purl.obolibrary.org/obo/MONDO_", "hp": "http://purl.obolibrary.org/obo/HP_",
    "ncit": "http://purl.obolibrary.org/obo/NCIT_", "efo": "http://www.ebi.ac.uk/efo/EFO_",
    "vo": "http://purl.obolibrary.org/obo/VO_", "umls": "https://uts.nlm.nih.gov/uts/umls/concept/",
    "rxnorm": "http://purl.bioontology.org/ontology/RXNORM/",
}
MAPPING_PREDICATES = {SKOS + name for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                               "relatedMatch")}
_AS_EXACT = {"http://www.w3.org/2002/07/owl#equivalentClass"}


class Label(NamedTuple):
    concept: str  # IRI
    kind: str  # "condition" or "drug"
    label: str
    line: int
    count: int = 0  # how often annotators saw it (BC5CDR): the most frequent is the preferred label


class Mapping(NamedTuple):
    subject: str  # IRI
    predicate: str  # a SKOS mapping relation's IRI
    object: str
    subject_label: str | None
    object_label: str | None
    line: int


def detect(text: str) -> str | None:
    """"bc5cdr", "sssom" or None (claimgraph's own TSV, or something else) from the header."""
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            if line.lstrip("# ").startswith(("curie_map", "mapping_set_id")):
                return "sssom"
            continue
        columns = [c.strip().lower() for c in line.split("\t")]
        if columns[:3] == BC5CDR_HEADER:
            return "bc5cdr"
        if {"subject_id", "predicate_id", "object_id"} <= set(columns):
            return "sssom"
        return None
    return None


def _table(text: str) -> tuple[int, list[str]]:
    """Line number of the header (after ``#`` lines) and the lines from it on."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), len(lines))
    return start + 1, lines[start:]


def read_bc5cdr(text: str, path: str, warnings: list[str]) -> list[Label]:
    first, lines = _table(text)
    labels, no_concept, several = [], 0, 0
    for offset, row in enumerate(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
        number = first + offset
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise LoaderError(path, f"expected mesh_id, type and mention, found {len(row)} fields", line=number)
        mesh_id, kind, mention = (cell.strip() for cell in row[:3])
        if kind.lower() not in BC5CDR_KINDS:
            raise LoaderError(path, f"type must be Chemical or Disease, not {kind!r}", line=number)
        if mesh_id in ("", "-1"):
            no_concept += 1
            continue
        if "|" in mesh_id:
            several += 1
            continue
        if not mesh_id[:1].isalpha() or not mesh_id[1:].isdigit() or not mention:
            raise LoaderError(path, f"not a MeSH ID and a mention: {mesh_id!r}, {mention!r}", line=number)
        count = int(row[3]) if len(row) > 3 and row[3].strip().isdigit() else 0
        labels.append(Label(MESH + mesh_id, BC5CDR_KINDS[kind.lower()], mention, number, count))
    labels.sort(key=lambda label: (label.concept, -label.count, label.line))
    if no_concept or several:
        warnings.append(f"{path}: {no_concept} mentions with no MeSH ID (-1) and {several} linked to "
                        "several IDs at once ('|') name no one concept: not added")
    return labels


def read_sssom(text: str, path: str, warnings: list[str]) -> list[Mapping]:
    meta = _sssom_metadata(text, path, warnings)
    prefixes = {**DEFAULT_PREFIXES, **{str(k).lower(): str(v) for k, v in (meta.get("curie_map") or {}).items()}}
    first, lines = _table(text)
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = {"subject_id", "predicate_id", "object_id"} - set(reader.fieldnames or [])
    if missing:
        raise LoaderError(path, f"SSSOM table has no {', '.join(sorted(missing))} column", line=first)
    mappings, unknown_prefixes, other_predicates = [], {}, {}
    for offset, row in enumerate(reader, start=1):
        number = first + offset
        ids = [(row.get(column) or "").strip() for column in ("subject_id", "predicate_id", "object_id")]
        if not all(ids):
            raise LoaderError(path, "SSSOM row needs subject_id, predicate_id and object_id", line=number)
        expanded = []
        for curie in ids:
            iri = _expand(curie, prefixes)
            if iri is None:
                if ":" not in curie.strip(":"):
                    raise LoaderError(path, f"not a CURIE or an IRI: {curie!r}", line=number)
                prefix = curie.split(":", 1)[0]
                unknown_prefixes[prefix] = unknown_prefixes.get(prefix, 0) + 1
                iri = f"https://bioregistry.io/{curie}"
            expanded.append(iri)
        subject, predicate, obj = expanded
        predicate = SKOS + "exactMatch" if predicate in _AS_EXACT else predicate
        if predicate not in MAPPING_PREDICATES:
            other_predicates[ids[1]] = other_predicates.get(ids[1], 0) + 1
            continue
        mappings.append(Mapping(subject, predicate, obj, (row.get("subject_label") or "").strip() or None,
                                (row.get("object_label") or "").strip() or None, number))
    if unknown_prefixes:
        warnings.append(f"{path}: prefixes the curie_map does not define, expanded through the Bioregistry "
                        "resolver (https://bioregistry.io/PREFIX:ID): " + ", ".join(
                            f"{p} ({n})" for p, n in sorted(unknown_prefixes.items())))
    if other_predicates:
        warnings.append(f"{path}: rows whose predicate is not a SKOS mapping relation, not read: " + ", ".join(
            f"{p} ({n})" for p, n in sorted(other_predicates.items())))
    return mappings


def _sssom_metadata(text: str, path: str, warnings: list[str]) -> dict:
    """The YAML header: the ``#`` lines before the table, without their ``#``."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:])
    if not header:
        return {}
    try:
        meta = yaml.safe_load("\n".join(header))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        warnings.append(f"{path}: the '#' lines before the table are not SSSOM's YAML metadata; read as comments")
        return {}
    if meta.get("curie_map") is not None and not isinstance(meta.get("curie_map"), dict):
        raise LoaderError(path, "SSSOM curie_map must map prefixes to IRIs", line=1)
    return meta


def _expand(curie: str, prefixes: dict[str, str]) -> str | None:
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, sep, local = curie.partition(":")
    base = prefixes.get(prefix.lower()) if sep else None
    return base + local if base and local else None


@functools.lru_cache(maxsize=1)
def curated_matches() -> dict[str, str]:
    """External IRI -> claimgraph concept, from the curated vocabulary's ``skos:exactMatch``."""
    import pyoxigraph

    from .mentions import default_vocabulary_path

    matches: dict[str, str] = {}
    with open(default_vocabulary_path(), "rb") as handle:
        for triple in pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE):
            if triple.predicate.value == SKOS + "exactMatch" and isinstance(triple.object, pyoxigraph.NamedNode):
                matches.setdefault(triple.object.value, triple.subject.value)
    return matches


# -- what the tables add to a vocabulary (``mentions.Vocabulary`` calls ``add_table``) -------------
def add_table(vocabulary, path, text: str) -> None:
    """Add a BC5CDR table's labels, or an SSSOM set's mappings and exact-match labels, to ``vocabulary``.

    A MeSH ID or mapped IRI that the curated vocabulary maps with ``skos:exactMatch`` adds its
    labels to that concept; other BC5CDR MeSH IDs become concepts of their own."""
    (_add_bc5cdr if detect(text) == "bc5cdr" else _add_sssom)(vocabulary, path, text)


def default():
    from .mentions import Vocabulary

    return Vocabulary.default()


def _known(vocabulary, iri: str) -> tuple[str, str] | None:
    """(concept IRI, kind) of a concept ``iri`` is, or is the curated exact match of."""
    iri = curated_matches().get(iri, iri)
    entry = vocabulary._entries.get(iri) or default()._entries.get(iri)
    return (iri, entry.kind) if entry else None


def _add_bc5cdr(vocabulary, path, text: str) -> None:
    rank = len(vocabulary.sources)
    vocabulary.sources.append(str(path))
    rows = read_bc5cdr(text, str(path), vocabulary.warnings)
    curated = default()
    merged = taken = 0
    for row in rows:
        found = curated.find(row.label)
        if (row.concept not in curated_matches() and found
                and found[0].surface == row.label):
            # The curated vocabulary already links this very surface form (often under the
            # newer MeSH descriptor): an older ID must not take it over.
            taken += 1
            continue
        known = _known(vocabulary, row.concept)
        iri, kind = known or (row.concept, row.kind)
        merged += row.concept in curated_matches()
        vocabulary._add(iri, kind, [row.label], [], rank, path, f"line {row.line}", line=row.line)
    vocabulary.warnings.append(f"{path}: {len(rows)} BC5CDR mentions read: {merged} added to concepts the "
                               f"curated vocabulary maps to the same MeSH ID, {taken} left to the curated concept "
                               "that already has that label, the others as MeSH concepts")


def _add_sssom(vocabulary, path, text: str) -> None:
    rank = len(vocabulary.sources)
    vocabulary.sources.append(str(path))
    mappings = read_sssom(text, str(path), vocabulary.warnings)
    labelled = 0
    for m in mappings:
        vocabulary.mappings.append((m.subject, m.predicate, m.object))
        if m.predicate != SKOS + "exactMatch":
            continue
        for side, other_label in ((m.subject, m.object_label), (m.object, m.subject_label)):
            known = _known(vocabulary, side)
            if known and other_label:
                vocabulary._add(known[0], known[1], [other_label], [], rank, path, f"line {m.line}",
                                line=m.line)
                labelled += 1
    vocabulary.warnings.append(f"{path}: {len(mappings)} SSSOM mappings kept; {labelled} labels added to "
                               "concepts of the vocabulary they map")

