"""What an unresolved reference may be: candidates from the loaded records, scored, with a reason.

Pure functions over plain data (``Reference`` and ``Pool``, read by the package's
``__init__``); nothing here touches a store. Three matchers, one per kind of record:

* **drug labels** -- the longest near-verbatim run of words the citing section shares
  with a label section. Scraped answers paste label text ("From the FDA Drug Label"),
  and a run of a dozen words in the same order does not happen by chance. The drugs
  the article names narrow it: a label whose drug is named, or is in a class named
  (corticosteroids -> dexamethasone, through the vocabulary's skos:broader), ranks
  above one whose drug is not.
* **guidelines** -- the organisation the article names (the same organisation node, or
  its name or short name in the citing text) and the topic: the share of the
  guideline's title and recommendation terms found in the claims that cite it.
* **studies** -- BM25 (k1 1.2, b 0.75) of the citing claims' words against each
  record's title, abstract, MeSH headings and keywords, normalised by the score a
  document holding every query word would get, so one threshold serves any query;
  shown with the record's best matching sentence.

Precision over recall: below ``THRESHOLD`` (or without the minimum evidence of its
kind) nothing is suggested, and the reference keeps a sentence saying what was
compared. A candidate of another kind than the article's section implies keeps
``KIND_MISMATCH`` of its score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

THRESHOLD = 0.5  # below this no candidate is suggested
TOP = 3  # candidates kept per reference
KIND_MISMATCH = 0.6  # score factor when the candidate's kind is not the one the article's section implies
MIN_QUOTE_WORDS = 12  # a label section must share a run this long (near-verbatim) with the citing text
MIN_STUDY_TERMS = 3  # distinct query words a study must match
BM25_K1, BM25_B = 1.2, 0.75
_SHINGLE = 5  # words: quote runs are found from shared 5-word sequences, then extended

# Words that say nothing about what a text is about; the rest are "terms".
_STOP = set("""a about above after again against all also an and any are as at be because been before being
below between both but by can could did do does doing down during each either few for from further had has
have having he her here hers him his how i if in into is it its itself just may me might more most much must
my no nor not now of off on once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your however therefore often well include includes including
such use used using based common essential note one two three several various many new update""".split())
# Words of every medical text: kept out of topic and BM25 terms.
_GENERIC = set("""patient patients treatment treated treat treating therapy therapies management managing
clinical study studies guideline guidelines recommendation recommendations practice condition conditions
disease diseases effect effects case cases result results outcome outcomes day days week weeks year years
dose doses high low level levels""".split())
_WORD = re.compile(r"[A-Za-z0-9]+")


def words(text: str) -> list[tuple[str, int, int]]:
    """(lower-cased word, start, end) of every word of ``text``."""
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text or "")]


def stem(word: str) -> str:
    """A light stemmer: enough to meet "myopathies"/"myopathy", "treated"/"treat"."""
    for suffix, keep in (("ies", "y"), ("es", "e"), ("s", ""), ("ed", ""), ("ing", "")):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """The content terms of a text, stemmed, in order (repeats kept)."""
    out = []
    for word, _, _ in words(text):
        if len(word) < 3 or word in _STOP or word.isdigit():
            continue
        term = stem(word)
        if term not in _GENERIC and word not in _GENERIC:
            out.append(term)
    return out


def surface(text: str) -> dict[str, str]:
    """Stemmed term -> the word as first written in ``text``: reasons show words, not stems."""
    out: dict[str, str] = {}
    for word, _, _ in words(text):
        out.setdefault(stem(word), word)
    return out


# -- what is compared ---------------------------------------------------------------
@dataclass
class Reference:
    """An unresolved reference as its current article version cites it."""

    source: str  # the unresolved source node
    label: str  # its marker ("2")
    version: str
    kind: str | None  # "guideline" | "drug-label" | "study": what the citing section implies
    org: str | None  # the organisation node the article names for it
    claims: list[str]  # the text of the claims citing it
    section_titles: list[str]  # the sections they are in
    section_text: str  # every claim of those sections, in order
    drugs: set[str] = field(default_factory=set)  # drug concepts the citing sections name


@dataclass
class LabelSection:
    label: str
    version: str
    section: str
    text: str
    heading: str  # "“PRECAUTIONS › Neuro-psychiatric” (LOINC 42232-9 PRECAUTIONS SECTION)"
    names: set[str]  # generic and product names, lower-cased
    _plain: list | None = None

    @property
    def plain(self) -> list[str]:
        """The section's words, lower-cased (``findall`` in C: offsets only for a match, ``words``)."""
        if self._plain is None:
            self._plain = [w.lower() for w in _WORD.findall(self.text)]
        return self._plain


@dataclass
class Guideline:
    source: str
    title: str
    org: str | None
    org_names: set[str]
    text: str  # title and recommendations


@dataclass
class Study:
    source: str
    title: str
    text: str  # title, abstract, headings


@dataclass
class Pool:
    labels: list[LabelSection] = field(default_factory=list)
    guidelines: list[Guideline] = field(default_factory=list)
    studies: list[Study] = field(default_factory=list)
    drug_classes: dict[str, set[str]] = field(default_factory=dict)  # drug name -> its concept and classes
    drug_names: dict[str, str] = field(default_factory=dict)  # drug concept -> preferred label
    _bm25: "BM25 | None" = None
    _shingles: dict | None = None

    @property
    def shingles(self) -> dict[tuple[str, ...], list[tuple[int, int]]]:
        """Each run of ``_SHINGLE`` words of any label section -> [(section number, word number)]:
        built once for all references, so a quote costs a lookup per word, not per section."""
        if self._shingles is None:
            self._shingles = {}
            for i, section in enumerate(self.labels):
                plain = section.plain
                for j in range(len(plain) - _SHINGLE + 1):
                    self._shingles.setdefault(tuple(plain[j:j + _SHINGLE]), []).append((i, j))
        return self._shingles

    @property
    def bm25(self) -> "BM25":
        if self._bm25 is None:
            self._bm25 = BM25([terms(s.text) for s in self.studies])
        return self._bm25


@dataclass
class Candidate:
    source: str  # the record-described candidate node
    kind: str
    score: float
    basis: str  # "quote" | "organisation and topic" | "BM25"
    reason: str
    passage: str | None = None
    where: str | None = None  # the label section (IRI) the passage is in


def compared(pool: Pool, ref: Reference) -> str:
    """The sentence saying what was compared for ``ref`` (kept also when nothing matched)."""
    sections = len(pool.labels)
    labels = len({s.label for s in pool.labels})
    parts = [f"{labels} drug label{'s' if labels != 1 else ''} ({sections} sections) searched for a quote of "
             f"the text under {_quoted(ref.section_titles)}",
             f"{len(pool.guidelines)} guideline record{'s' if len(pool.guidelines) != 1 else ''} compared by "
             "organisation and topic",
             f"{len(pool.studies)} study record{'s' if len(pool.studies) != 1 else ''} ranked by BM25 against "
             f"the {len(ref.claims)} citing claim{'s' if len(ref.claims) != 1 else ''}"]
    return "; ".join(parts) + f" (nothing under a score of {THRESHOLD:.2f} is suggested)."


def _quoted(titles: list[str]) -> str:
    return ", ".join(f"“{t}”" for t in titles) or "the citing claims"


def candidates(pool: Pool, ref: Reference, rejected: set[str] = frozenset()) -> list[Candidate]:
    """The best ``TOP`` candidates for ``ref`` at or over the threshold, best first."""
    found = [*label_candidates(pool, ref), *guideline_candidates(pool, ref), *study_candidates(pool, ref)]
    best: dict[str, Candidate] = {}
    for cand in found:
        if ref.kind and cand.kind != ref.kind:
            cand.score *= KIND_MISMATCH
            cand.reason += f" The article cites it in a {ref.kind.replace('-', ' ')} section, so it counts less."
        cand.score = round(min(cand.score, 1.0), 2)
        if cand.score < THRESHOLD or cand.source in rejected:
            continue
        if cand.source not in best or cand.score > best[cand.source].score:
            best[cand.source] = cand
    return sorted(best.values(), key=lambda c: (-c.score, c.source))[:TOP]


# -- drug labels --------------------------------------------------------------------
def shared_runs(q: list[str], pool: Pool) -> dict[int, tuple[int, int, int]]:
    """Label section number -> (length in words, start word, end word) of the longest run of
    words the quote ``q`` and that section share in order. A run bridges a differing word
    ("creatine" for "creatinine"; up to three in a run), so near-verbatim quotes count whole."""
    best: dict[int, tuple[int, int, int]] = {}
    for i in range(len(q) - _SHINGLE + 1):
        for n, j in pool.shingles.get(tuple(q[i:i + _SHINGLE]), ()):
            plain = pool.labels[n].plain
            a, b, run, skips = i, j, 0, 0
            while a < len(q) and b < len(plain):
                if q[a] == plain[b]:
                    run += 1
                elif skips < 3 and a + 1 < len(q) and b + 1 < len(plain) and q[a + 1] == plain[b + 1]:
                    skips += 1  # one word differs, the next agree again
                else:
                    break
                a, b = a + 1, b + 1
            if run > best.get(n, (0,))[0]:
                best[n] = (run, j, b)
    return best


def label_candidates(pool: Pool, ref: Reference) -> list[Candidate]:
    quote = [w.lower() for w in _WORD.findall(ref.section_text)]
    by_label: dict[str, Candidate] = {}
    for n, (run, start, end) in sorted(shared_runs(quote, pool).items()):
        if run < MIN_QUOTE_WORDS:
            continue
        section = pool.labels[n]
        spans = words(section.text)
        passage = section.text[spans[start][1]:spans[end - 1][2]]
        narrowed = _narrowing(pool, ref, section.names)
        score = 0.7 + 0.25 * min(run, 60) / 60 + (0.05 if narrowed else 0.0)
        reason = (f"{run} words of the text under {_quoted(ref.section_titles)} appear, in the same order, in "
                  f"the label's section {section.heading}.")
        if narrowed:
            reason += f" {narrowed}"
        cand = Candidate(section.label, "drug-label", score, "quote", reason, passage, section.section)
        if section.label not in by_label or cand.score > by_label[section.label].score:
            by_label[section.label] = cand
    return list(by_label.values())


def _narrowing(pool: Pool, ref: Reference, names: set[str]) -> str | None:
    """How the drugs the article names point at this label's drug, or None."""
    for name in sorted(names):
        concepts = pool.drug_classes.get(name, set())
        named = sorted(concepts & ref.drugs)
        if named:
            said = ", ".join(pool.drug_names.get(c, c) for c in named)
            return (f"The article names {said}; the label's drug, {name}, is "
                    f"{'named' if said.casefold() == name else 'of that class'} in the vocabulary.")
    return None


# -- guidelines ---------------------------------------------------------------------
def guideline_candidates(pool: Pool, ref: Reference) -> list[Candidate]:
    citing = " ".join(ref.claims)
    citing_terms = set(terms(citing))
    out = []
    for g in pool.guidelines:
        named = _names_organisation(g, ref, citing + " " + ref.section_text)
        topic_terms = sorted(set(terms(g.text)))
        shared = [t for t in topic_terms if t in citing_terms]
        topic = len(shared) / len(topic_terms) if topic_terms else 0.0
        if named and shared:
            score = 0.6 + 0.4 * min(1.0, 2 * topic)
            reason = (f"The article names {named} for this reference, the guideline's publisher; "
                      f"{len(shared)} of the {len(topic_terms)} terms of its title and recommendations appear "
                      f"in the citing claims ({_shown(shared, g.text)}).")
        elif topic >= 0.6 and len(shared) >= 4:
            score = 0.8 * topic
            reason = (f"{len(shared)} of the {len(topic_terms)} terms of the guideline's title and recommendations "
                      f"appear in the citing claims ({_shown(shared, g.text)}); the article names no publisher.")
        else:
            continue
        out.append(Candidate(g.source, "guideline", score, "organisation and topic", reason,
                             _best_sentence(g.text, citing_terms)))
    return out


def _shown(found: list[str], text: str, limit: int = 8) -> str:
    written = surface(text)
    shown = [written.get(t, t) for t in found[:limit]]
    return ", ".join(shown) + (", …" if len(found) > limit else "")


def _names_organisation(g: Guideline, ref: Reference, text: str) -> str | None:
    if g.org and ref.org == g.org:
        return min(g.org_names, key=len, default=g.org) if g.org_names else g.org
    for name in sorted(g.org_names, key=len, reverse=True):
        flags = 0 if name.isupper() else re.IGNORECASE  # "ASCO" as written; full names in any case
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text, flags):
            return name
    return None


# -- studies ------------------------------------------------------------------------
class BM25:
    """Okapi BM25 over a fixed list of documents (lists of terms)."""

    def __init__(self, docs: list[list[str]]):
        self.docs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.average = (sum(self.lengths) / len(docs)) if docs else 0.0
        frequency = Counter(t for d in self.docs for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
        self.n = n

    def idf_of(self, term: str) -> float:
        return self.idf.get(term, math.log(1 + (self.n + 0.5) / 0.5))

    def score(self, query: list[str], i: int) -> tuple[float, list[str]]:
        """(score normalised to 0..1, the query terms matched) of document ``i``."""
        doc, length = self.docs[i], self.lengths[i]
        total, ceiling, matched = 0.0, 0.0, []
        for term in dict.fromkeys(query):
            idf = self.idf_of(term)
            ceiling += idf * (BM25_K1 + 1)
            tf = doc.get(term, 0)
            if tf:
                matched.append(term)
                norm = BM25_K1 * (1 - BM25_B + BM25_B * length / (self.average or 1))
                total += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return (total / ceiling if ceiling else 0.0), matched


def study_candidates(pool: Pool, ref: Reference) -> list[Candidate]:
    if not pool.studies:
        return []
    query = terms(" ".join(ref.claims))
    out = []
    for i, study in enumerate(pool.studies):
        normalised, matched = pool.bm25.score(query, i)
        if len(matched) < MIN_STUDY_TERMS:
            continue
        score = min(1.0, 1.6 * normalised)
        reason = (f"BM25 of the {len(ref.claims)} citing claim{'s' if len(ref.claims) != 1 else ''} against "
                  f"the record's title, abstract and headings: {normalised:.2f} of the most a record could "
                  f"score; {len(matched)} of {len(set(query))} words match ({_shown(matched, study.text)}).")
        out.append(Candidate(study.source, "study", score, "BM25", reason,
                             _best_sentence(study.text, set(query))))
    return out


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def _best_sentence(text: str, wanted: set[str]) -> str | None:
    """The sentence of ``text`` sharing the most terms with ``wanted``."""
    best, best_count = None, 0
    for sentence in _SENTENCE.split(text or ""):
        count = len(set(terms(sentence)) & wanted)
        if count > best_count:
            best, best_count = sentence.strip(), count
    if best and len(best) > 400:
        best = best[:399].rstrip() + "…"
    return best
