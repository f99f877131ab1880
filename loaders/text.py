"""Answer articles as plain text scraped from their web page.

Layout: the question on the first line, page chrome around the content,
paragraphs separated by blank lines, list items as "  • ..." lines, section
headings as short lines of their own, citation markers as bare numbers
("... weakness 1.", "... biopsy 3, 4, 5."). Headings are recognised by shape:
a short line without closing punctuation that either names where evidence
comes from ("From the Guidelines") or is written in title case.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import FileResult
from .answer_pages import (AnswerPageBuilder, is_chrome_heading, is_chrome_text, is_evidence_heading,
                           looks_like_prose, non_article_reason)
from .errors import LoaderError
from .sentences import find_numeric_markers

FORMAT = "text"

_BULLET = re.compile(r"^\s*(?:[•·▪◦‣●\-*–]|\d{1,3}[.)])\s+")
_MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the",
                "to", "vs", "with", "versus", "into"}
_MAX_TITLE = 300


def sniff(text: str, path: Path) -> int:
    head = text.lstrip()[:4096]
    if not head or head[0] in "<{[" or head.startswith(("# ", "---")) or not looks_like_prose(head):
        return 0
    score = 10
    lines = [line.strip() for line in head.splitlines()]
    if any(re.match(r"^from (?:the )?(?:guidelines?|fda|research|drug label)", line, re.IGNORECASE)
           for line in lines):
        score += 40
    if re.search(r"last updated", head, re.IGNORECASE):
        score += 10
    if Path(path).suffix.lower() == ".txt":
        score += 5
    return score


def _is_title_case(line: str) -> bool:
    words = [word.strip("()[]\"'") for word in line.split()]
    words = [word for word in words if word and word[0].isalpha() and word.lower() not in _MINOR_WORDS]
    return bool(words) and sum(word[0].isupper() for word in words) / len(words) >= 0.75


def looks_like_heading(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 120 or len(line.split()) > 14 or _BULLET.match(line):
        return False
    if line.endswith("?"):
        return True  # a question set apart on its own line: "Have a follow-up question?"
    if line[-1] in ".!:;,":
        return False
    return is_evidence_heading(line) or is_chrome_heading(line) or _is_title_case(line)


def _paragraph_groups(lines: list[str], first: int):
    """Runs of non-empty lines from index ``first``: (line number, [lines])."""
    group: list[str] = []
    start = None
    for index in range(first, len(lines)):
        if lines[index].strip():
            if start is None:
                start = index + 1
            group.append(lines[index])
        elif group:
            yield start, group
            group, start = [], None
    if group:
        yield start, group


def _report_group(builder: AnswerPageBuilder, start: int, group: list[str]) -> None:
    # Chrome lines are dropped one by one before lines are joined: a banner block of
    # "Article Review Status / Submitted / Approved" is furniture line by line.
    kept = []
    for offset, line in enumerate(group):
        builder.note_text(line)
        if not is_chrome_text(line):
            kept.append((start + offset, line))
    if len(kept) == 1 and looks_like_heading(kept[0][1]):
        builder.heading(kept[0][1], line=kept[0][0])
        return
    items: list[tuple[str, int, list[str]]] = []  # (kind, line, pieces)
    for number, line in kept:
        bullet = _BULLET.match(line)
        if bullet:
            text = line.strip() if builder.in_references else line[bullet.end():]
            items.append(("list-item", number, [text.strip()]))
        elif items and (line.startswith((" ", "\t")) or items[-1][0] == "paragraph"):
            items[-1][2].append(line.strip())  # a wrapped line continues its item
        else:
            items.append(("paragraph", number, [line.strip()]))
    for kind, number, pieces in items:
        text = " ".join(pieces)
        builder.block(kind, text, find_numeric_markers(text), line=number)


def read(text: str, path: str, sha256: str) -> FileResult:
    if reason := non_article_reason(text):
        raise LoaderError(path, reason)
    lines = text.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise LoaderError(path, "no title: the file has no text")
    title = lines[first].strip()
    if len(title) > _MAX_TITLE or _BULLET.match(title) or is_evidence_heading(title) or is_chrome_text(title):
        raise LoaderError(path, "no title: the first line should be the question the article answers, "
                          f"not {title[:60]!r}", line=first + 1)
    builder = AnswerPageBuilder(path, FORMAT, sha256)
    builder.set_title(title, first + 1)
    for start, group in _paragraph_groups(lines, first + 1):
        _report_group(builder, start, group)
    article = builder.build()
    return FileResult(path=path, format=FORMAT, sha256=sha256, articles=[article],
                      warnings=list(article.warnings))
