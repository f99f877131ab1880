"""Conditions and drugs named in claim text, linked to SKOS concepts.

``Vocabulary.default()`` reads the curated ``ontology/vocabulary.ttl``;
``Vocabulary.from_files(paths)`` adds a user's own vocabularies on top of it:

* SKOS in any RDF syntax pyoxigraph reads (``.ttl``, ``.nt``, ``.rdf``/``.owl``/``.xml``,
  ``.jsonld``, ``.n3``): concepts with ``skos:prefLabel``/``altLabel``/``hiddenLabel`` and
  ``skos:broader``, typed ``cg:Condition`` or ``cg:Drug`` (or ``schema:MedicalCondition`` /
  ``schema:Drug``, or with an IRI under ``.../id/condition/`` or ``.../id/drug/``);
* a TSV file (``.tsv``): ``#`` comments and blank lines are skipped, the first other line is
  the header ``label<TAB>concept<TAB>kind`` (optionally ``<TAB>broader``), and each row names
  one label of a concept. ``concept`` and ``broader`` are IRIs or slugs (``prednisone`` means
  ``https://w3id.org/claimgraph/id/drug/prednisone``); ``kind`` is ``condition`` or ``drug``.
  A row for a concept that already exists adds a synonym to it.
* a BC5CDR mention table or an SSSOM mapping set (``.tsv``, told apart by their headers): see
  ``vocab_files``; SSSOM mappings are kept in ``Vocabulary.mappings``.

``find(text)`` returns the mentions in ``text``: whole words only, the longest label wins and
mentions never overlap, case-insensitive except for short abbreviations (``MG``, ``IMNM``,
``IVIg``), which must match exactly so that "1 mg/kg" is not myasthenia gravis. Hyphens may be
written as spaces, and a plural or singular of a label's last word matches too.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NamedTuple

import ahocorasick
import pyoxigraph

from . import vocab_files
from .errors import LoaderError
from .records import Mention
from .textio import decode

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CG = "https://w3id.org/claimgraph/ns#"
SCHEMA = "http://schema.org/"
ID_BASE = "https://w3id.org/claimgraph/id/"
KINDS = ("condition", "drug")

_KIND_OF_TYPE = {
    CG + "Condition": "condition", SCHEMA + "MedicalCondition": "condition",
    "https://schema.org/MedicalCondition": "condition",
    CG + "Drug": "drug", SCHEMA + "Drug": "drug", "https://schema.org/Drug": "drug",
}
_RDF_SUFFIXES = {".ttl": pyoxigraph.RdfFormat.TURTLE, ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
                 ".n3": pyoxigraph.RdfFormat.N3, ".rdf": pyoxigraph.RdfFormat.RDF_XML,
                 ".owl": pyoxigraph.RdfFormat.RDF_XML, ".xml": pyoxigraph.RdfFormat.RDF_XML,
                 ".jsonld": pyoxigraph.RdfFormat.JSON_LD}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_TSV_HEADER = ["label", "concept", "kind"]

# Characters folded before matching. Every replacement is one character for one, so offsets
# found in the folded text are offsets in the original.
_FOLD = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2212"}
_FOLD.update({ord(c): "'" for c in "\u2018\u2019\u02bc"})
_FOLD.update({ord(c): " " for c in "\t\n\r\f\v\u00a0\u2009\u202f"})


class Concept(NamedTuple):
    """What other parts of claimgraph need to know of a concept."""

    iri: str
    pref_label: str
    kind: str  # "condition" or "drug"
    broader: tuple[str, ...]  # IRIs of the concept's direct broader concepts


@dataclass
class _Entry:
    iri: str
    kind: str
    pref_label: str
    labels: list[str] = field(default_factory=list)  # every label matched, pref first
    broader: list[str] = field(default_factory=list)
    rank: int = 0  # index of the file that last added labels: later files win collisions


@dataclass(frozen=True)
class _Target:
    iri: str
    exact: str | None  # the label as it must be written, for case-sensitive abbreviations
    rank: int


def _fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (see ``_FOLD``)."""
    folded = text.translate(_FOLD)
    if folded.isascii():
        return folded.lower()
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in folded)


def _is_abbreviation(label: str) -> bool:
    """Short labels with two or more capitals (MG, IMNM, IVIg, sIBM) are matched as written."""
    return len(label) <= 6 and " " not in label and sum(ch.isupper() for ch in label) >= 2


def _number_variants(label: str) -> set[str]:
    """The label with its last word in the other grammatical number, where that is simple."""
    head, _, last = label.rpartition(" ")
    prefix = head + " " if head else ""
    if not (last.isalpha() and last.islower() and len(last) >= 4):
        return set()
    if last.endswith("ies"):
        return {prefix + last[:-3] + "y"}
    if last.endswith(("ss", "is", "us", "os", "x", "z", "ch", "sh")):
        return set()  # "rhabdomyolysis", "lupus": no simple other form
    if last.endswith("s"):
        return {prefix + last[:-1]}
    if last.endswith("y") and last[-2] not in "aeiou":
        return {prefix + last[:-1] + "ies"}
    return {prefix + last + "s"}


def _spelling_variants(label: str) -> set[str]:
    label = " ".join(label.split())
    variants = {label}
    if "-" in label:
        variants.add(label.replace("-", " "))
        # "non-depolarizing" is also written "nondepolarizing"; longer first parts are words
        # of their own ("immune-mediated") and are not glued together.
        variants.add(re.sub(r"\b([A-Za-z]{1,4})-", r"\1", label))
    for variant in list(variants):
        variants |= _number_variants(variant)
    return variants


class Vocabulary:
    """Concepts and their labels, and a matcher over all labels."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._automaton = None
        self._targets: dict[str, list[_Target]] = {}
        self.sources: list[str] = []
        self.warnings: list[str] = []
        self.mappings: list[tuple[str, str, str]] = []  # (subject, SKOS mapping relation, object) IRIs

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def default(cls) -> "Vocabulary":
        """The curated vocabulary shipped with claimgraph (built once, then shared)."""
        return _default_vocabulary()

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike], *,
                   include_default: bool = True) -> "Vocabulary":
        """The curated vocabulary (unless ``include_default`` is false) plus user files.

        Raises ``LoaderError`` naming the file and line of the first problem.
        """
        vocabulary = cls()
        if include_default:
            vocabulary._load_rdf(default_vocabulary_path(), pyoxigraph.RdfFormat.TURTLE)
        for path in paths:
            vocabulary._load_file(Path(path))
        return vocabulary

    def _load_file(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix == ".tsv":
            text = self._read_text(path)
            if vocab_files.detect(text):  # another project's table: BC5CDR or SSSOM
                return vocab_files.add_table(self, path, text)
            self._load_tsv(path)
        elif suffix in _RDF_SUFFIXES:
            self._load_rdf(path, _RDF_SUFFIXES[suffix])
        else:
            raise LoaderError(str(path), f"unknown vocabulary file type {suffix or '(none)'!r}: "
                              "use .tsv, or SKOS as " + ", ".join(sorted(_RDF_SUFFIXES)))

    def _read_text(self, path: Path) -> str:
        try:
            return decode(path.read_bytes(), str(path))
        except OSError as exc:
            raise LoaderError(str(path), f"cannot read: {exc.strerror or exc}") from None

    def _load_rdf(self, path, rdf_format) -> None:
        rank = len(self.sources)
        self.sources.append(str(path))
        text = self._read_text(Path(path))
        try:
            triples = list(pyoxigraph.parse(text, format=rdf_format))
        except SyntaxError as exc:
            raise LoaderError(str(path), f"not valid {rdf_format.name}: {exc.msg}",
                              line=exc.lineno, column=exc.offset) from None
        pref: dict[str, list[pyoxigraph.Literal]] = {}
        other: dict[str, list[str]] = {}
        broader: dict[str, list[str]] = {}
        kinds: dict[str, set[str]] = {}
        concept_typed: set[str] = set()
        for triple in triples:
            subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
            if not isinstance(subject, pyoxigraph.NamedNode):
                continue
            iri = subject.value
            if predicate == RDF_TYPE:
                if obj.value == SKOS + "Concept":
                    concept_typed.add(iri)
                elif obj.value in _KIND_OF_TYPE:
                    kinds.setdefault(iri, set()).add(_KIND_OF_TYPE[obj.value])
            elif predicate == SKOS + "prefLabel" and isinstance(obj, pyoxigraph.Literal):
                pref.setdefault(iri, []).append(obj)
            elif predicate in (SKOS + "altLabel", SKOS + "hiddenLabel") and isinstance(obj, pyoxigraph.Literal):
                other.setdefault(iri, []).append(obj.value)
            elif predicate == SKOS + "broader" and isinstance(obj, pyoxigraph.NamedNode):
                broader.setdefault(iri, []).append(obj.value)
            elif predicate == SKOS + "narrower" and isinstance(obj, pyoxigraph.NamedNode):
                broader.setdefault(obj.value, []).append(iri)
        # Labels of a known concept count untyped too (a user's synonyms of a curated concept).
        relabelled = (set(pref) | set(other)) & self._entries.keys()
        for iri in sorted(concept_typed | set(kinds) | relabelled):
            kind = self._kind_of(iri, kinds.get(iri, set()), path)
            labels = [lit.value for lit in sorted(pref.get(iri, []), key=_label_preference)]
            labels += sorted(other.get(iri, []))
            if not labels and iri not in self._entries:
                raise LoaderError(str(path), "concept has no skos:prefLabel or skos:altLabel",
                                  place=f"concept <{iri}>")
            self._add(iri, kind, labels, broader.get(iri, []), rank, path, f"concept <{iri}>")

    def _kind_of(self, iri: str, kinds: set[str], path) -> str:
        if len(kinds) > 1:
            raise LoaderError(str(path), "concept is typed both as a condition and as a drug",
                              place=f"concept <{iri}>")
        if kinds:
            return kinds.pop()
        for kind in KINDS:
            if iri.startswith(f"{ID_BASE}{kind}/"):
                return kind
        if iri in self._entries:
            return self._entries[iri].kind
        raise LoaderError(str(path), "concept has no kind: type it cg:Condition or cg:Drug",
                          place=f"concept <{iri}>")

    def _load_tsv(self, path: Path) -> None:
        rank = len(self.sources)
        self.sources.append(str(path))
        header_seen = False
        for number, line in enumerate(self._read_text(path).splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [part.strip() for part in line.split("\t")]
            if not header_seen:
                if [f.lower() for f in fields[:3]] != _TSV_HEADER or len(fields) > 4:
                    raise LoaderError(str(path), "expected the header line "
                                      "'label<TAB>concept<TAB>kind' (optionally '<TAB>broader')",
                                      line=number)
                header_seen = True
                continue
            if len(fields) not in (3, 4):
                raise LoaderError(str(path), f"expected 3 or 4 tab-separated fields, found {len(fields)}",
                                  line=number)
            label, concept, kind = fields[:3]
            if not label:
                raise LoaderError(str(path), "empty label", line=number)
            if kind not in KINDS:
                raise LoaderError(str(path), f"kind must be 'condition' or 'drug', not {kind!r}", line=number)
            iri = self._tsv_iri(concept, kind, path, number)
            broader = [self._tsv_iri(fields[3], kind, path, number)] if len(fields) == 4 and fields[3] else []
            self._add(iri, kind, [label], broader, rank, path, f"line {number}", line=number)
        if not header_seen:
            raise LoaderError(str(path), "no header line 'label<TAB>concept<TAB>kind'")

    @staticmethod
    def _tsv_iri(value: str, kind: str, path: Path, number: int) -> str:
        if value.startswith(("http://", "https://", "urn:")):
            if any(ch.isspace() or ch in '<>"{}|\\^`' for ch in value):
                raise LoaderError(str(path), f"not a valid IRI: {value!r}", line=number)
            return value
        if _SLUG.match(value):
            return f"{ID_BASE}{kind}/{value}"
        raise LoaderError(str(path), f"concept {value!r} is neither an IRI nor a slug "
                          "(lower-case letters, digits and hyphens)", line=number)

    def _add(self, iri, kind, labels, broader, rank, path, place, *, line=None) -> None:
        entry = self._entries.get(iri)
        if entry is None:
            entry = self._entries[iri] = _Entry(iri=iri, kind=kind, pref_label=labels[0])
        elif entry.kind != kind:
            raise LoaderError(str(path), f"<{iri}> is already a {entry.kind}, not a {kind}",
                              place=place, line=line)
        entry.labels.extend(label for label in labels if label not in entry.labels)
        entry.broader.extend(b for b in broader if b not in entry.broader and b != iri)
        entry.rank = rank
        self._automaton = None  # rebuilt on the next find()

    # -- reading ----------------------------------------------------------------------------

    @property
    def concepts(self) -> list[Concept]:
        """Every concept, conditions first, each group by preferred label."""
        return sorted((self._concept(e) for e in self._entries.values()),
                      key=lambda c: (KINDS.index(c.kind), c.pref_label.lower(), c.iri))

    def concept(self, iri: str) -> Concept | None:
        entry = self._entries.get(iri)
        return self._concept(entry) if entry else None

    def labels(self, iri: str) -> list[str]:
        """Every label of a concept, the preferred one first."""
        entry = self._entries.get(iri)
        return list(entry.labels) if entry else []

    @staticmethod
    def _concept(entry: _Entry) -> Concept:
        return Concept(entry.iri, entry.pref_label, entry.kind, tuple(entry.broader))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, iri: object) -> bool:
        return iri in self._entries

    # -- matching ---------------------------------------------------------------------------

    def _build(self) -> None:
        targets: dict[str, list[_Target]] = {}
        for entry in self._entries.values():
            for label in entry.labels:
                if _is_abbreviation(label):
                    forms = {label: label}
                else:
                    forms = {variant: None for variant in _spelling_variants(label)}
                for form, exact in forms.items():
                    key = _fold(form)
                    bucket = targets.setdefault(key, [])
                    target = _Target(entry.iri, exact, entry.rank)
                    if target not in bucket:
                        bucket.append(target)
        self.warnings = [
            f"label {key!r} names several concepts: " + ", ".join(sorted({t.iri for t in bucket}))
            for key, bucket in sorted(targets.items())
            if len({t.iri for t in bucket if t.exact is None}) > 1
        ]
        automaton = ahocorasick.Automaton()
        for key in targets:
            automaton.add_word(key, key)
        automaton.make_automaton()
        self._targets, self._automaton = targets, automaton

    def find(self, text: str) -> list[Mention]:
        """Mentions of the vocabulary's concepts in ``text``, in text order."""
        if not text or not self._entries:
            return []
        if self._automaton is None:
            self._build()
        folded = _fold(text)
        candidates: list[tuple[int, int, str]] = []
        for last, key in self._automaton.iter(folded):
            start, end = last - len(key) + 1, last + 1
            if not _whole_word(folded, start, end):
                continue
            iri = self._choose(self._targets[key], text[start:end])
            if iri:
                candidates.append((start, end, iri))
        # Longest first, then leftmost; a mention never overlaps one already taken.
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        taken: list[tuple[int, int, str]] = []
        for start, end, iri in candidates:
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, iri))
        taken.sort()
        return [Mention(concept=iri, surface=text[start:end], start=start, end=end)
                for start, end, iri in taken]

    @staticmethod
    def _choose(targets: list[_Target], surface: str) -> str | None:
        fitting = [t for t in targets if t.exact is None or t.exact == surface]
        if not fitting:
            return None
        # Exact abbreviations beat case-folded labels; later files beat earlier ones.
        best = max(fitting, key=lambda t: (t.exact is not None, t.rank, t.iri))
        return best.iri


def _whole_word(folded: str, start: int, end: int) -> bool:
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not (before.isalnum() or after.isalnum())


def _label_preference(literal: pyoxigraph.Literal) -> tuple[int, str]:
    language = (literal.language or "").lower()
    order = 0 if language in ("en", "en-us", "en-gb") else 1 if not language else 2
    return order, literal.value


def default_vocabulary_path() -> Path:
    """Where the curated ``vocabulary.ttl`` is installed."""
    return Path(str(importlib.resources.files("claimgraph.ontology").joinpath("vocabulary.ttl")))


@functools.lru_cache(maxsize=1)
def _default_vocabulary() -> Vocabulary:
    vocabulary = Vocabulary.from_files([], include_default=True)
    vocabulary._build()  # now, so that threads sharing it never build the matcher concurrently
    return vocabulary
