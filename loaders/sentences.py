"""Sentences and citation markers of one block of text, shared by every article loader.

Loaders differ only in how a marker is written: scraped text uses bare numbers
("... weakness 1." / "... biopsy 3, 4, 5."), Markdown uses brackets ("[1]",
"[1-3]"), HTML uses markup (``<sup>``, ``<a href="#ref-1">``) that the HTML
loader turns into ``MarkerGroup``s itself. Everything after finding the
markers -- splitting into sentences, attaching markers that follow a full stop
to the sentence before, offsets, removing markers from the claim text -- is
here, once.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from .records import CitationMarker, Claim


@dataclass(frozen=True)
class MarkerGroup:
    """One run of markers as written ("3, 4, 5" or "[1-3]"), with its labels.

    ``start``/``end`` span the whole run in the block text (brackets included);
    each label has its own span (a label implied by a range shares the range's span).
    """

    start: int
    end: int
    labels: tuple[tuple[str, int, int], ...]
    # A bare number that may be a marker or part of the text ("every month 5."): kept only
    # when the article's other markers or its reference list reach that far (answer_pages).
    tentative: bool = False


# --- bare-number markers (scraped text) -------------------------------------------------

# Words after which a number is part of the sentence, not a citation: "type 2", "grade 3",
# "day 15", "of 10". Markers follow the last content word of a clause instead.
_NUMBER_TAKING_WORDS = {
    "type", "grade", "stage", "class", "phase", "level", "day", "week", "month", "year", "hour",
    "minute", "cycle", "dose", "step", "line", "visit", "arm", "cohort", "group", "tier", "score",
    "version", "age", "aged", "figure", "fig", "table", "appendix", "chapter", "section", "page",
    "p", "pp", "vol", "volume", "no", "number", "item", "patient", "case", "x", "n", "generation",
}
# Plurals take numbers only in runs ("days 1 and 15", "weeks 4-8"); alone at the end of a
# clause ("... weeks to years 2.") the number is a marker.
_PLURAL_NUMBER_WORDS = {
    "types", "grades", "stages", "classes", "phases", "levels", "days", "weeks", "months", "years",
    "hours", "minutes", "cycles", "doses", "steps", "lines", "visits", "arms", "cohorts", "groups",
    "scores", "ages", "figures", "figs", "tables", "chapters", "sections", "pages", "items",
    "patients", "cases",
}
# Before a number-taking word these say the word has its quantity already: "every month 5.",
# "once a day 3." -- the number after it is not "month 5" but a marker.
_QUANTIFIERS = {"every", "each", "per", "a", "an", "once", "twice", "thrice", "other"}
# A number, with its percent sign, that a marker may follow: "after week 12 4.", "above 10 6.".
_PLAIN_NUMBER = re.compile(r"^[<>≤≥~]?\d+(?:[.,]\d+)*%?$")
# Where a tentative marker must stand: the end of a sentence or of a clause set off by ";".
_SENTENCE_END = re.compile(r"\s*$|[.;!?](?:\s|$)")
_RUN_CONTINUES = re.compile(r"\s*,?\s*(?:and|or|to|through|thru|[-–])(?:\s|\d|$)")
_FUNCTION_WORDS = {
    "a", "an", "the", "of", "in", "on", "at", "to", "and", "or", "nor", "than", "for", "from",
    "by", "with", "without", "between", "about", "approximately", "around", "after", "before",
    "within", "over", "under", "up", "least", "most", "every", "each", "per", "all", "these",
    "those", "were", "was", "are", "is", "be", "been", "being", "had", "have", "has", "only",
    "into", "onto", "until", "till", "vs", "versus", "plus", "minus", "nearly", "almost",
    "roughly", "some", "first", "last", "next", "top", "bottom", "another", "other",
}
_NUMBER = r"[1-9]\d{0,2}(?!\d)"
_NUMBER_RUN = re.compile(rf"(?<![\w.,\-/–+±])(?:{_NUMBER})(?:\s*,\s*{_NUMBER})*")
# What may follow a marker run: end of block, sentence end, or a clause break.
_AFTER_MARKER = re.compile(r"\s*$|[.;:!?](?:\s|$)|,\s|\)")
_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "al", "vs", "dr", "mr", "mrs", "ms", "prof", "fig", "figs", "no", "nos",
    "approx", "etc", "cf", "st", "jr", "sr", "inc", "ltd", "co", "vol", "p", "pp", "ed", "eds",
    "resp", "ca", "viz", "dept", "univ", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "min", "max", "mo", "wk", "wks", "hr", "hrs", "u.s", "a.i",
}


def _previous_token(text: str, index: int) -> str:
    """The whitespace-delimited token ending just before ``index`` (spaces skipped)."""
    end = index
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _word_before_period(text: str, period: int) -> str:
    """The word a full stop ends, lower case, inner dots kept ("e.g", "u.s")."""
    start = period
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:period].lower()


def _is_abbreviation(text: str, period: int) -> bool:
    word = _word_before_period(text, period)
    if word in _ABBREVIATIONS:
        return True
    # Initials and dotted acronyms: "J. Smith", "A.I."
    return len(word) == 1 and word.isalpha() and text[period - 1].isupper()


def _labels_of(text: str, start: int, end: int) -> tuple[tuple[str, int, int], ...]:
    return tuple((m.group(0), start + m.start(), start + m.end())
                 for m in re.finditer(r"\d+", text[start:end]))


def find_numeric_markers(text: str) -> list[MarkerGroup]:
    """Bare-number citation markers of scraped text.

    A run of numbers is a marker when it follows a content word (or a closing
    bracket, or a unit such as "mg/kg") and ends a clause -- "weakness 1.",
    "biopsy 3, 4, 5.", "mg/kg 2, then" -- or when it stands alone after a full
    stop ("... outcomes. 1"). Doses, ranges, years, percentages, "type 2",
    "days 1 and 15" and chemical names never qualify. A number that ends a
    sentence after a number-taking word that has its quantity already ("every
    month 5.") or after another number ("after week 12 4.") is ``tentative``:
    the page model keeps it only within the range the article's markers show.
    """
    groups = []
    for match in _NUMBER_RUN.finditer(text):
        start, end = match.span()
        if start == 0 or not text[start - 1].isspace():
            continue
        token = _previous_token(text, start)
        if not token:
            continue
        if token.endswith((".", "!", "?")) and len(token) > 1:
            # Standing alone after a sentence: "... outcomes. 1" or "... outcomes. 1 It is ..."
            period = len(text[:start].rstrip()) - 1
            rest = text[end:]
            if (token[-2].isalpha() or token[-2] == ")") and not _is_abbreviation(text, period) \
                    and (not rest.strip() or re.match(r"\s+[A-Z]", rest)):
                groups.append(MarkerGroup(start, end, _labels_of(text, start, end)))
            continue
        last, tentative = token[-1], False
        word = re.sub(r"^\W+|\W+$", "", token).lower()
        if _PLAIN_NUMBER.match(token):
            tentative = True  # a second number: the first one ("week 12", "above 10") has it
        elif not (last.isalpha() or last in ")]") or word in _FUNCTION_WORDS:
            continue
        elif word in _NUMBER_TAKING_WORDS:
            before = _previous_token(text, _token_start(text, start)).lower()
            if before not in _QUANTIFIERS:
                continue
            tentative = True  # "every month 5.", "once a day 3."
        elif word in _PLURAL_NUMBER_WORDS and _RUN_CONTINUES.match(text, end):
            continue
        if not (_SENTENCE_END if tentative else _AFTER_MARKER).match(text, end):
            continue
        groups.append(MarkerGroup(start, end, _labels_of(text, start, end), tentative))
    return groups


def _token_start(text: str, index: int) -> int:
    """Where the token ending just before ``index`` (spaces skipped) begins."""
    end = index
    while end > 0 and text[end - 1].isspace():
        end -= 1
    while end > 0 and not text[end - 1].isspace():
        end -= 1
    return end


# --- bracket markers (Markdown answers, also accepted in HTML text) -----------------------

_BRACKET_ITEM = r"\d{1,4}(?:\s*[-–]\s*\d{1,4})?"
_BRACKET_RUN = re.compile(rf"\[\^?({_BRACKET_ITEM}(?:\s*,\s*{_BRACKET_ITEM})*)\](?!\()")
_MAX_RANGE = 50  # "[1-3]" is a range; "[1-3000]" is not a citation


def labels_from_list(spec: str, offset: int = 0) -> tuple[tuple[str, int, int], ...]:
    """Labels of "1, 2", "1-3" or "3,4": ranges expand, each label keeps its own span."""
    labels: list[tuple[str, int, int]] = []
    for item in re.finditer(_BRACKET_ITEM, spec):
        bounds = [int(n) for n in re.findall(r"\d+", item.group(0))]
        span = (offset + item.start(), offset + item.end())
        if len(bounds) == 2 and 0 < bounds[0] <= bounds[1] and bounds[1] - bounds[0] < _MAX_RANGE:
            labels.extend((str(n), *span) for n in range(bounds[0], bounds[1] + 1))
        else:
            labels.extend((str(n), *span) for n in bounds)
    return tuple(labels)


def find_bracket_markers(text: str) -> list[MarkerGroup]:
    """"[1]", "[1, 2]", "[1-3]", "[^4]"; "[1][3]" are two groups."""
    return [MarkerGroup(m.start(), m.end(), labels_from_list(m.group(1), m.start(1)))
            for m in _BRACKET_RUN.finditer(text)]


# --- sentences --------------------------------------------------------------------------

_CLOSERS = "\"'”’)]»"


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _starts_sentence(text: str, index: int) -> bool:
    if index >= len(text):
        return True
    char = text[index]
    return char.isupper() or char.isdigit() or char in "\"'“‘([•*-"


def sentence_spans(text: str, groups: list[MarkerGroup]) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``; markers after a full stop stay with it."""
    inside, starting_at = {}, {}  # lookups by position: a block may hold many thousand markers
    for group in groups:
        starting_at.setdefault(group.start, group)
        for index in range(group.start, group.end):
            inside[index] = group
    spans = []
    start = _skip_spaces(text, 0)
    index = start
    while index < len(text):
        char = text[index]
        if index in inside:
            index = inside[index].end
            continue
        if char in ".!?" and not (char == "." and _is_abbreviation(text, index)):
            end = index + 1
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
            # "... outcomes. 1", "... outcomes.[1]", "... outcomes. [1][2]"
            while (group := starting_at.get(_skip_spaces(text, end))) is not None:
                end = group.end
                if end < len(text) and text[end] == ".":  # "outcomes. 1." written twice
                    end += 1
            after = text[end:end + 1]
            if (not after or after.isspace()) and _starts_sentence(text, _skip_spaces(text, end)):
                spans.append((start, end))
                start = _skip_spaces(text, end)
                index = start
                continue
        index += 1
    tail_end = len(text.rstrip())
    if start < tail_end:
        spans.append((start, tail_end))
    return spans


def strip_markers(text: str, groups: list[MarkerGroup], offset: int = 0) -> str:
    """``text`` without the marker runs and the space before each, spaces tidied."""
    pieces, position = [], 0
    for group in sorted(groups, key=lambda g: g.start):
        start, end = group.start - offset, group.end - offset
        if start < position or end > len(text):
            continue
        pieces.append(text[position:start].rstrip())
        position = end
    pieces.append(text[position:])
    cleaned = re.sub(r"\s+", " ", "".join(pieces)).strip()
    cleaned = re.sub(r"\s+([,;:.!?)])", r"\1", cleaned)
    return re.sub(r"([.!?])\.$", r"\1", cleaned)  # "outcomes.[1]." -> "outcomes."


def claims_from_block(text: str, block_index: int, groups: list[MarkerGroup], *,
                      introduces_list: bool = False) -> list[Claim]:
    """Every sentence of a block as a Claim, cited or not.

    ``introduces_list``: the block is followed by list items, so a final
    sentence ending in ":" ("Key points include:") is a lead-in, not a claim.
    """
    spans = sentence_spans(text, groups)
    if introduces_list and spans and text[spans[-1][0]:spans[-1][1]].rstrip().endswith(":"):
        spans = spans[:-1]
    claims = []
    ordered = sorted(groups, key=lambda g: g.start)
    starts = [g.start for g in ordered]
    for start, end in spans:
        # Only the groups starting inside the span, found by bisection: a scan of every
        # group per sentence made blocks of many cited sentences quadratic.
        first, last = bisect_left(starts, start), bisect_left(starts, end)
        mine = [g for g in ordered[first:last] if g.end <= end]
        plain = strip_markers(text[start:end], mine, offset=start)
        if not any(char.isalpha() for char in plain):
            continue  # a stray marker or punctuation is not a statement
        markers = [CitationMarker(label, label_start - start, label_end - start)
                   for group in mine for label, label_start, label_end in group.labels]
        claims.append(Claim(text=plain, original=text[start:end], block=block_index,
                            markers=markers, start=start, end=end))
    return claims
