"""The page model shared by the text, HTML and Markdown answer loaders.

Each format loader walks its input and reports what it sees -- the title,
headings, paragraphs, list items with their marker runs -- to an
``AnswerPageBuilder``. The builder knows what all answer pages have in
common: page chrome to drop (review banners, personalisation prompts,
disclaimers, "follow-up question" boxes), which section headings say where
the evidence comes from (guidelines, FDA drug label, research), lead-ins that
introduce a list, the optional reference list, and the References to create
when there is none.
"""

from __future__ import annotations

import re
from datetime import datetime

from .errors import LoaderError
from .records import Article, Block, Organisation, Reference, Section, Source
from .reference_lists import ReferenceLists
from .references import find_organisation, split_entry_number
from .sentences import MarkerGroup, claims_from_block

# A paragraph or line that is page furniture, not content.
_CHROME_TEXT = re.compile(
    r"^medical advisory board|reviewed for accuracy by|^educational purpose|pending (?:human |medical )?review"
    r"|^(?:article )?review status$|^(?:submitted|under review|in review|approved|pending|reviewed)$"
    r"|^last (?:updated|reviewed|modified)\b|view editorial policy|^personali[sz]e$"
    r"|tailor your experience|^which best describes you|^(?:share|print|save|bookmark|copy link)"
    r"(?: this(?: article| page| answer)?)?$|^(?:sign in|log in|sign up|subscribe)\b"
    r"|^was this (?:answer |article |page )?helpful",
    re.IGNORECASE)
# A heading whose whole section is page furniture.
_CHROME_HEADING = re.compile(
    r"disclaimer|follow-?up question|^related (?:questions|articles|topics)|^you may also like"
    r"|^see also$|^more from\b|^about (?:the author|us)$|^newsletter|^external links$|^further reading$",
    re.IGNORECASE)
_REFERENCES_HEADING = re.compile(r"^(?:references|sources|citations|bibliography|works cited|footnotes"
                                 r"|literature cited|notes and references|references and notes)\s*:?$",
                                 re.IGNORECASE)
# "URL: https://..." / "Canonical: https://..." -- the page's own address, not content.
_CANONICAL_LINE = re.compile(r"^(?:canonical(?: url)?|url|source url|page url)\s*:\s*(https?://\S+)$", re.IGNORECASE)
_SECTION_KINDS = [
    ("guideline", re.compile(r"guideline|recommendation", re.IGNORECASE)),
    ("drug-label", re.compile(r"drug label|\bFDA\b|prescribing information|package insert|\blabel\b",
                              re.IGNORECASE)),
    ("research", re.compile(r"research|stud(?:y|ies)|literature|evidence|trials?\b", re.IGNORECASE)),
]
_SOURCE_KIND_OF_SECTION = {"guideline": "guideline", "drug-label": "drug-label", "research": "study"}
_UPDATED = re.compile(
    r"last (?:updated|reviewed|modified)\s*:?\s*"
    r"([A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+\.? \d{4}|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE)


def looks_like_prose(text: str) -> bool:
    """Sniffing aid: sentences in lines, not a table (TSV/CSV) or a tagged record (MEDLINE, RIS)."""
    lines = [line for line in text.splitlines()[:300] if line.strip()]
    if not lines:
        return False
    tabbed = sum("\t" in line or bool(re.match(r'^"[^"]*"\s*,|^[^\s,"]+,\S', line)) for line in lines)
    # MEDLINE/RIS ("AU  - "), Web of Science ("AU Smith") tag lines
    tagged = sum(bool(re.match(r"^[A-Z][A-Z0-9]{1,3}\s{0,3}-(?:\s|$)|^[A-Z][A-Z0-9] \S", line))
                 for line in lines)
    if tabbed > len(lines) * 0.2 or tagged > len(lines) * 0.2:
        return False
    return any(len(line.split()) >= 3 and re.search(r"\w[.!?]?[)\]]?(?:\s|$)", line)
               and re.search(r"[a-z]{2,}[,;]? [a-z]{2,}", line) for line in lines)


# --- what is not an answer article (issue 17 item 10) -------------------------------------
#
# The rule, in README's words: an answer article is prose -- a title, then sentences -- so a
# file is refused when (1) it has the shape of YAML (CITATION.cff, CI workflows, configs: every
# line at column 0 is a "key:" line, a comment or a document marker), or (2) it carries the
# grant or warranty wording of a software licence, or (3) none of its claims is a sentence of
# two or more words ending in . ! or ?. Each refusal names what the file looks like.
_YAML_KEY = re.compile(r"^[A-Za-z_][\w.\-]*\s*:(?:\s|$)")
_LICENCE_WORDING = re.compile(
    r"permission is hereby granted|redistribution and use in source and binary forms"
    r"|terms and conditions for use, reproduction,? and distribution|this program is free software"
    r"|everyone is permitted to copy and distribute verbatim copies|licensed under the apache license"
    r"|the software is provided \W?as is\W?|this source code form is subject to the terms of the mozilla",
    re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$")


def non_article_reason(text: str) -> str | None:
    """Why ``text`` is not an answer article (rules 1 and 2 above), or None."""
    top = [line for line in text.splitlines()[:400] if line.strip() and not line[0].isspace()]
    keys = [line for line in top if _YAML_KEY.match(line)]
    if len(keys) >= 2 and all(_YAML_KEY.match(line) or line.startswith(("#", "---", "...", "- "))
                              for line in top):
        what = ("a CITATION.cff file" if any(key.startswith("cff-version") for key in keys) else
                "a CI workflow" if {"on", "jobs"} <= {key.split(":")[0].strip() for key in keys} else
                "a YAML file")
        return f"looks like {what} (every line at the left margin is a 'key:' line), not an answer article"
    if licence := _LICENCE_WORDING.search(text[:20000]):
        return f"looks like a software licence ({licence.group(0)!r}), not an answer article"
    return None


def is_sentence(claim_text: str) -> bool:
    """Rule 3: a claim that reads as a sentence (two or more words, closing punctuation)."""
    return len(claim_text.split()) >= 2 and bool(_SENTENCE.search(claim_text.strip()))


def is_references_heading(text: str) -> bool:
    return bool(_REFERENCES_HEADING.match(text.strip()))


def is_chrome_text(text: str) -> bool:
    return bool(_CHROME_TEXT.search(text.strip()))


def is_chrome_heading(text: str) -> bool:
    """A heading whose section is furniture: a disclaimer, or itself a chrome line ("Personalize")."""
    return bool(_CHROME_HEADING.search(text.strip())) or is_chrome_text(text)


def section_kind(heading: str) -> str | None:
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(heading):
            return kind
    return None


def is_evidence_heading(heading: str) -> bool:
    """A top-level heading that says where evidence comes from ("From the Research")."""
    return bool(re.match(r"^from (?:the )?\w", heading.strip(), re.IGNORECASE)) or \
        section_kind(heading) is not None


def parse_updated(text: str) -> str | None:
    """ISO date of a "Last updated: March 12, 2025" phrase, or None."""
    match = _UPDATED.search(text)
    if not match:
        return None
    value = re.sub(r"[.,]", "", match.group(1))
    for layout in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, layout).date().isoformat()
        except ValueError:
            continue
    return None


def normalise_key(title: str) -> str:
    """What identifies an article across versions when it has no URL."""
    return re.sub(r"\s+", " ", title).strip().lower()


class AnswerPageBuilder:
    """Collects what a format loader reports and builds one Article."""

    def __init__(self, path: str, source_format: str, sha256: str):
        self.path, self.source_format, self.sha256 = path, source_format, sha256
        self.title: str | None = None
        self.title_line: int | None = None
        self.url: str | None = None
        self.updated: str | None = None
        self.sections: list[Section] = []
        self.blocks: list[Block] = []
        self._groups: list[list[MarkerGroup]] = []
        self._lists = ReferenceLists()
        self._scopes: list[int] = []  # per block: how many reference lists began before it
        self._block_lines: list[int | None] = []
        self._in_chrome = False
        self._in_references = False
        self._first_content_line: int | None = None

    # --- what format loaders call ---------------------------------------------------

    @property
    def in_references(self) -> bool:
        """Inside a References section: blocks are entries, numbering kept."""
        return self._in_references

    def set_title(self, title: str, line: int | None) -> None:
        self.title, self.title_line = re.sub(r"\s+", " ", title).strip(), line

    def note_text(self, text: str) -> None:
        """Text outside blocks (a header line, a <time>): only its date is kept."""
        if self.updated is None:
            self.updated = parse_updated(text)

    def heading(self, text: str, line: int | None = None, level: int | None = None) -> None:
        """A heading; ``level`` when the format knows it (1 = section), else inferred."""
        text = re.sub(r"\s+", " ", text).strip()
        self._in_chrome = is_chrome_heading(text)
        self._in_references = is_references_heading(text)
        if self._in_references:
            self._lists.start_list()
        if self._in_chrome or self._in_references or not text:
            return
        if level is None:
            level = 1 if is_evidence_heading(text) or not self._open_top_section() else 2
        parent = next((index for index in range(len(self.sections) - 1, -1, -1)
                       if self.sections[index].level < level), None)
        kind = section_kind(text) or (self.sections[parent].kind if parent is not None else None)
        self.sections.append(Section(heading=text, level=level, kind=kind, parent=parent))

    def block(self, kind: str, text: str, groups: list[MarkerGroup], line: int | None = None) -> None:
        """A paragraph or list item, with the marker runs found in ``text``."""
        if not text.strip():
            return
        self.note_text(text)
        if canonical := _CANONICAL_LINE.match(text.strip()):
            self.url = self.url or canonical.group(1)
            return
        if self._in_chrome or is_chrome_text(text):
            return
        if self._in_references:
            self.reference_entry(text, line)
            return
        if self._first_content_line is None:
            self._first_content_line = line
        self.blocks.append(Block(kind=kind, text=text, section=len(self.sections) - 1 if self.sections else None))
        self._groups.append(groups)
        self._scopes.append(self._lists.content())
        self._block_lines.append(line)

    def reference_entry(self, text: str, line: int | None = None, number: str | None = None) -> None:
        """An entry of a reference list the format found itself."""
        found_number, entry = split_entry_number(text)
        self._lists.add(number or found_number, entry, line, self._in_references)

    # --- building ---------------------------------------------------------------------

    def _open_top_section(self) -> bool:
        return any(section.level == 1 for section in self.sections)

    def _top_section(self, index: int | None) -> Section | None:
        """The level-1 section a block's section belongs to (it carries the kind)."""
        while index is not None and self.sections[index].parent is not None:
            index = self.sections[index].parent
        return self.sections[index] if index is not None else None

    def build(self) -> Article:
        if not self.title:
            raise LoaderError(self.path, "no title: the first line should be the question the article "
                              "answers", line=self.title_line or 1)
        article = Article(title=self.title, key_text=self.url or normalise_key(self.title),
                          content_sha256=self.sha256, source_path=self.path,
                          source_format=self.source_format, updated=self.updated, url=self.url,
                          sections=self.sections, blocks=self.blocks)
        for index, (block, groups) in enumerate(zip(self.blocks, self._confirmed_groups())):
            following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
            introduces_list = (block.kind == "paragraph" and following is not None
                               and following.kind == "list-item" and following.section == block.section)
            article.claims.extend(claims_from_block(block.text, index, groups, introduces_list=introduces_list))
        if not article.claims:
            raise LoaderError(self.path, "the article has text but no claims (no sentence outside "
                              "headings and page chrome)", line=self._first_content_line or self.title_line)
        if not any(is_sentence(claim.text) for claim in article.claims):
            raise LoaderError(self.path, f"not an answer article: none of its {len(article.claims)} "
                              "pieces of text is a sentence (two or more words ending in . ! or ?)",
                              line=self._first_content_line or self.title_line)
        if self._lists:
            self._lists.resolve(article, self._scopes, self._block_lines, self.path)
        else:
            self._references_from_sections(article)
        return article

    def _confirmed_groups(self) -> list[list[MarkerGroup]]:
        """Marker runs per block, tentative ones kept only when the article's sure markers or its
        reference list reach their numbers ("every month 5." with markers 1-6 elsewhere)."""
        known = [int(label) for groups in self._groups for group in groups if not group.tentative
                 for label, _, _ in group.labels] + self._lists.numbers()
        highest = max(known, default=0)
        return [[group for group in groups
                 if not group.tentative or all(0 < int(label) <= highest for label, _, _ in group.labels)]
                for groups in self._groups]

    def _references_from_sections(self, article: Article) -> None:
        """No list: one Reference per label, typed from the section that cites it."""
        for claim in article.claims:
            block = article.blocks[claim.block]
            section = self._top_section(block.section)
            for label in claim.cited_labels:
                kind = _SOURCE_KIND_OF_SECTION.get(section.kind) if section else None
                existing = article.reference(label)
                if existing is not None:
                    if existing.source.kind != kind:
                        where = f"section {section.heading!r}" if section else "text outside sections"
                        article.warnings.append(
                            f"marker {label} is cited from {where} as well as where it was first cited "
                            f"({existing.source.kind_basis}); kept the first")
                    if existing.source.organisation is None:
                        existing.source.organisation = _organisation_named_before(claim, label)
                    continue
                basis = (f"cited in section {section.heading!r}" if section and kind
                         else "no reference list and no section that says what it cites")
                organisation = _organisation_named_before(claim, label) or (
                    _organisation_of_heading(section.heading) if section else None)
                article.references.append(Reference(
                    number=label, text=None,
                    source=Source(kind=kind, kind_basis=basis, organisation=organisation)))


def _organisation_named_before(claim, label: str) -> Organisation | None:
    """An organisation the sentence names before this marker and after any earlier marker:
    "as recommended by the American Society of Clinical Oncology ... guideline 1"."""
    previous_end = 0
    for marker in claim.markers:
        if marker.label == label:
            hit = find_organisation(claim.original[previous_end:marker.start])
            return hit[0] if hit else None
        previous_end = marker.end
    return None


def _organisation_of_heading(heading: str) -> Organisation | None:
    hit = find_organisation(heading)
    return hit[0] if hit else None
