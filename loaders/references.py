"""One reference-list entry -> a Source; organisations named in text.

Entries come in the common styles of answer pages: Vancouver/AMA ("Schneider BJ,
Naidoo J, et al. Title. J Clin Oncol. 2021;39(36):4073-4126. doi:..."), APA
("Schneider, B. J., & Naidoo, J. (2021). Title. Journal, 39(36), ..."), or a
bare title/URL. What cannot be recognised is left empty rather than guessed.

The source's kind is read from the entry: a guideline cue ("guideline",
"Practice Guideline", a professional society as author) makes a guideline, a
label cue ("DailyMed", "prescribing information", "package insert", "label",
a set id) a drug label, anything else a study.
"""

from __future__ import annotations

import re

from .identifiers import _URL, extract_identifiers
from .records import Organisation, Source

# Organisations answer pages cite most; others are found by the pattern below.
_KNOWN_ORGANISATIONS = [
    Organisation("American Society of Clinical Oncology", "ASCO"),
    Organisation("U.S. Food and Drug Administration", "FDA"),
    Organisation("National Comprehensive Cancer Network", "NCCN"),
    Organisation("European Society for Medical Oncology", "ESMO"),
    Organisation("Society for Immunotherapy of Cancer", "SITC"),
    Organisation("American College of Rheumatology", "ACR"),
    Organisation("European Alliance of Associations for Rheumatology", "EULAR"),
    Organisation("Infectious Diseases Society of America", "IDSA"),
    Organisation("American Heart Association", "AHA"),
    Organisation("American College of Cardiology", "ACC"),
    Organisation("American Academy of Neurology", "AAN"),
    Organisation("American Diabetes Association", "ADA"),
    Organisation("World Health Organization", "WHO"),
    Organisation("National Institute for Health and Care Excellence", "NICE"),
    Organisation("Centers for Disease Control and Prevention", "CDC"),
    Organisation("European Medicines Agency", "EMA"),
]
_ALIASES = {
    "Food and Drug Administration": "FDA",
    "US Food and Drug Administration": "FDA",
    "United States Food and Drug Administration": "FDA",
    "World Health Organisation": "WHO",
    "European League Against Rheumatism": "EULAR",
}
_BY_SHORT = {org.short_name: org for org in _KNOWN_ORGANISATIONS}
_NAMES = sorted(
    [(org.name, org) for org in _KNOWN_ORGANISATIONS]
    + [(alias, _BY_SHORT[short]) for alias, short in _ALIASES.items()],
    key=lambda pair: -len(pair[0]))
_CAP = r"[A-Z][a-zA-Z'\-]+"
# "American Society of X Y", "British Association for X", "European Academy of X and Y"
_SOCIETY = re.compile(
    rf"\b(?:(?:{_CAP}) ){{1,3}}(?:Society|College|Association|Academy|Federation|Alliance|Council|"
    rf"Board|Network|Institute|Organi[sz]ation|League|Consortium|Group)"
    rf"(?: (?:of|for|on|against) (?:the )?{_CAP}(?: (?:and |of |&amp; |& )?{_CAP}){{0,4}})?")
_SOCIETY_LEADS = {"The", "A", "An", "In", "By", "From", "As", "Per", "And", "Of", "Recommended"}
_MINOR = {"of", "for", "on", "and", "the", "against", "&"}


def _initials(name: str) -> str:
    return "".join(word[0] for word in re.findall(r"[A-Za-z][\w'\-]*", name) if word not in _MINOR)


def find_organisation(text: str) -> tuple[Organisation, int, int] | None:
    """The first organisation ``text`` names, with its span, or None."""
    hits = []
    for name, org in _NAMES:
        for match in re.finditer(re.escape(name), text):
            hits.append((match.start(), -len(name), org, match.end()))
    for org in _KNOWN_ORGANISATIONS:
        for match in re.finditer(rf"(?<![\w-]){re.escape(org.short_name)}(?![\w-])", text):
            hits.append((match.start(), -len(org.short_name), org, match.end()))
    for match in _SOCIETY.finditer(text):
        words = match.group(0).split(" ")
        while words and words[0] in _SOCIETY_LEADS:
            words.pop(0)
        name = " ".join(words)
        if len(words) >= 3:
            start = match.end() - len(name)
            hits.append((start, -len(name), Organisation(name, _initials(name) or None), match.end()))
    if not hits:
        return None
    start, _, org, end = min(hits, key=lambda hit: (hit[0], hit[1]))
    return org, start, end


_LABEL_CUES = re.compile(
    r"dailymed|prescribing information|package insert|\blabel(?:ing)?\b|\bset\s*id\b|setid=|"
    r"highlights of prescribing|accessdata\.fda\.gov|drugs@fda|summary of product characteristics",
    re.IGNORECASE)
_GUIDELINE_CUES = re.compile(
    r"guideline|practice parameter|consensus statement|position statement|recommendations? (?:of|from|for)",
    re.IGNORECASE)


def infer_kind(entry: str, organisation: Organisation | None = None) -> tuple[str, str]:
    """(kind, why) for a reference entry as written."""
    if cue := _LABEL_CUES.search(entry):
        return "drug-label", f"reference entry mentions {cue.group(0)!r}"
    if cue := _GUIDELINE_CUES.search(entry):
        return "guideline", f"reference entry mentions {cue.group(0)!r}"
    if organisation is not None and organisation.short_name != "FDA":
        return "guideline", f"reference entry names the society {organisation.name!r}"
    return "study", "reference entry has no guideline or drug-label cue"


_ENTRY_NUMBER = re.compile(r"^\s*(?:\[(\d{1,4})\]|(\d{1,4})[.)]|\^(\d{1,4}))\s*:?\s+")


def split_entry_number(line: str) -> tuple[str | None, str]:
    """"[1] Smith ..." / "1. Smith ..." -> ("1", "Smith ..."); unnumbered -> (None, line)."""
    match = _ENTRY_NUMBER.match(line)
    if not match:
        return None, line.strip()
    return next(g for g in match.groups() if g), line[match.end():].strip()


_AUTHOR = re.compile(r"^(?:[A-Z][\w'\-]+(?: [A-Z][\w'\-]+)* [A-Z]{1,3}|et al\.?)$")
_IDENTIFIER_TAIL = re.compile(
    r"\b(?:doi\s*:?\s*10\.\S+|PMID\s*:?\s*\d+|PMCID\s*:?\s*PMC\d+|10\.\d{4,9}/\S+|"
    r"Available (?:from|at)\s*:?|Accessed [^.]*\.?|\[(?:Internet|cited [^\]]*)\])", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")


def _segments(text: str) -> list[str]:
    """Split an entry at full stops that end a part ("Title. Journal. 2021;39:1-2.")."""
    parts = re.split(r"(?<=[.?!])\s+(?=[A-Z0-9\[(])", text)
    return [part.strip().rstrip(".").strip() for part in parts if part.strip(" .")]


def _looks_like_authors(segment: str) -> bool:
    names = [name.strip() for name in re.split(r",|;| and | & ", segment) if name.strip()]
    return bool(names) and all(_AUTHOR.match(name) for name in names)


def parse_reference_entry(entry: str) -> Source:
    """A Source from one entry as written (numbering already removed or not)."""
    _, text = split_entry_number(entry)
    organisation_hit = find_organisation(text)
    organisation = organisation_hit[0] if organisation_hit else None
    kind, basis = infer_kind(text, organisation)
    source = Source(identifiers=extract_identifiers(text), kind=kind, kind_basis=basis,
                    organisation=organisation)
    body = _IDENTIFIER_TAIL.sub(" ", _URL.sub(" ", text))
    body = re.sub(r"\s+", " ", body).strip(" .;,")
    if year := _YEAR.search(body):
        source.year = int(year.group(1))
    apa = re.match(r"^(?P<authors>.+?)\s*\((?P<year>\d{4})[a-z]?(?:, [^)]*)?\)\.\s*(?P<rest>.+)$", body)
    if apa:
        source.authors = [name.strip() for name in
                          re.findall(r"([A-Z][\w'\-]+(?: [A-Z][\w'\-]+)*, (?:[A-Z]\.\s?)+)",
                                     apa.group("authors"))]
        rest = _segments(apa.group("rest"))
        if rest:
            source.title = rest[0]
        if len(rest) > 1:
            source.journal = re.split(r",\s*\d", rest[1])[0].strip() or None
        return source
    segments = _segments(body)
    if segments and _looks_like_authors(segments[0]):
        source.authors = [name.strip() for name in re.split(r",|;| and | & ", segments[0])
                          if name.strip() and not name.strip().startswith("et al")]
        segments = segments[1:]
    elif segments and organisation_hit and organisation_hit[1] == 0 and \
            len(segments[0]) <= organisation_hit[2] + 2:
        segments = segments[1:]  # the society is the author: "ASCO. Title. 2021."
    if segments:
        source.title = segments[0]
    if len(segments) > 1 and kind != "drug-label":  # a label's next part is its form, not a journal
        journal = re.split(r"\s*\b(?:19|20)\d{2}\b", segments[1])[0].strip(" .;,")
        if journal and len(journal) <= 120 and not journal[0].isdigit():
            source.journal = journal
    return source
