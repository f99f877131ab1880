"""Identifiers of cited works: normalise one, or find them all in free text.

Normalised forms are what the graph uses to recognise that two citations name
the same work, so every loader goes through these functions:

* DOI: lower case, no resolver prefix (``10.1200/jco.21.01440``);
* PMID: digits without leading zeros;
* PMCID: ``PMC`` followed by digits;
* DailyMed set id: a lower-case UUID.

The ``normalise_*`` functions raise ``ValueError`` for text that is not the
identifier; ``extract_identifiers`` never raises and skips what does not fit.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .records import Identifiers

# A DOI is "10." + registrant digits + "/" + a suffix without spaces.
_DOI_SHAPE = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(
    r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*:\s*|doi\s+)", re.IGNORECASE)
# Characters that end a sentence or a citation rather than belong to a DOI.
_TRAILING = ".,;:'\">]}"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _strip_trailing(value: str) -> str:
    """Drop punctuation after an identifier; keep a ")" only when it closes a "(" inside it."""
    while value:
        last = value[-1]
        if last in _TRAILING:
            value = value[:-1]
        elif last == ")" and value.count("(") < value.count(")"):
            value = value[:-1]
        else:
            break
    return value


def normalise_doi(raw: str) -> str:
    value = unquote(str(raw).strip()).lstrip("([<\"' ")
    value = _DOI_PREFIX.sub("", value).strip()
    value = _strip_trailing(value).lower()
    if not _DOI_SHAPE.fullmatch(value):
        raise ValueError(f"not a DOI: {raw!r} (expected 10.NNNN/suffix)")
    return value


def normalise_pmid(raw: str | int) -> str:
    value = re.sub(r"^\s*PMID\s*:?\s*", "", str(raw), flags=re.IGNORECASE).strip().rstrip(".")
    if not re.fullmatch(r"\d{1,9}", value) or int(value) == 0:
        raise ValueError(f"not a PMID: {raw!r} (expected up to 9 digits)")
    return str(int(value))


def normalise_pmcid(raw: str | int) -> str:
    value = re.sub(r"^\s*PMCID\s*:?\s*", "", str(raw), flags=re.IGNORECASE).strip().rstrip(".")
    match = re.fullmatch(r"(?:PMC)?(\d{1,10})", value, flags=re.IGNORECASE)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a PMCID: {raw!r} (expected PMC followed by digits)")
    return f"PMC{int(match.group(1))}"


def normalise_setid(raw: str) -> str:
    value = str(raw).strip()
    if not _UUID.fullmatch(value):
        raise ValueError(f"not a DailyMed set id: {raw!r} (expected a UUID)")
    return value.lower()


# Where each identifier shows up in references and URLs. Order within a list: most specific first.
_DOI_PATTERNS = [
    re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/[^\s<>\"]+)", re.IGNORECASE),
    re.compile(r"\bdoi\s*:?\s*(10\.\d{4,9}/[^\s<>\"]+)", re.IGNORECASE),
    re.compile(r"(?<![\w.])(10\.\d{4,9}/[^\s<>\"]+)"),
]
_PMID_PATTERNS = [
    re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b", re.IGNORECASE),
    re.compile(r"ncbi\.nlm\.nih\.gov/pubmed/(\d{1,9})\b", re.IGNORECASE),
    re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.IGNORECASE),
]
_PMCID_PATTERNS = [
    re.compile(r"/pmc/articles/(PMC\d{1,10})\b", re.IGNORECASE),
    re.compile(r"pmc\.ncbi\.nlm\.nih\.gov/articles/(PMC\d{1,10})\b", re.IGNORECASE),
    re.compile(r"\bPMCID\s*:?\s*(PMC\d{1,10})\b", re.IGNORECASE),
    re.compile(r"\b(PMC\d{1,10})\b"),
]
_SETID_PATTERNS = [
    re.compile(r"setid=(" + _UUID.pattern + r")", re.IGNORECASE),
    re.compile(r"dailymed\.nlm\.nih\.gov/\S*?(" + _UUID.pattern + r")", re.IGNORECASE),
    re.compile(r"\bset\s*id\s*:?\s*(" + _UUID.pattern + r")", re.IGNORECASE),
]
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


def _first(patterns: list[re.Pattern], text: str, normalise) -> str | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            try:
                return normalise(match.group(1))
            except ValueError:
                continue
    return None


def find_urls(text: str) -> list[str]:
    """The http(s) URLs in ``text``, without punctuation that ends the sentence."""
    return [_strip_trailing(match.group(0)) for match in _URL.finditer(text)]


def extract_identifiers(text: str) -> Identifiers:
    """Every identifier ``text`` names (first of each kind), from plain text and URLs.

    ``url`` is set only when no DOI, PMID, PMCID or set id was found: it is a
    landing page to show, not an identity.
    """
    found = Identifiers(
        doi=_first(_DOI_PATTERNS, text, normalise_doi),
        pmid=_first(_PMID_PATTERNS, text, normalise_pmid),
        pmcid=_first(_PMCID_PATTERNS, text, normalise_pmcid),
        setid=_first(_SETID_PATTERNS, text, normalise_setid),
    )
    if not found.any():
        urls = find_urls(text)
        found.url = urls[0] if urls else None
    return found
