"""Answers of LLM answer tools written in Markdown.

"# Title" (or the first line), "##"/"###" section headings, paragraphs, "- ",
"* " and "1. " list items, citation markers in brackets ("[1]", "[1, 2]",
"[1][3]", "[1-3]"), and a numbered References list at the end ("1. Author.
Title. Journal. 2021. doi:..." or "[1] ..." lines, often with URLs).
Inline formatting (emphasis, links, code) is removed from block text; a link
whose text is a marker ("[1](https://...)") stays a marker.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import FileResult
from .answer_pages import AnswerPageBuilder, looks_like_prose, non_article_reason
from .errors import LoaderError
from .sentences import find_bracket_markers

FORMAT = "markdown"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_]{1,80}?):?(?:\*\*|__):?\s*$")
_FOOTNOTE_ENTRY = re.compile(r"^\s*\[\^?\d{1,4}\]:?\s+\S")
_REFERENCES_WORD = re.compile(r"^(?:#{1,6}\s*|\*\*)?(?:references|sources|citations|bibliography)\b",
                              re.IGNORECASE | re.MULTILINE)


def _without_comments(text: str) -> str:
    """HTML comments (origin notes, editor hints) blanked, line numbers kept.

    A scan with ``str.find``, not ``re.sub(r"<!--.*?-->")``: with many unclosed
    "<!--" that regex rescans to the end from each one (7 s for 190 KB)."""
    pieces, cursor = [], 0
    while (start := text.find("<!--", cursor)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break  # unclosed: left as written
        pieces += [text[cursor:start], "\n" * text.count("\n", start, end)]
        cursor = end + 3
    pieces.append(text[cursor:])
    return "".join(pieces)


def sniff(text: str, path: Path) -> int:
    text = _without_comments(text)
    head = text.lstrip()[:8192]
    if not head or head[0] in "<{" or not looks_like_prose(head):
        return 0
    first_line = head.split("\n", 1)[0]
    score = 0
    if re.match(r"#\s+\S", first_line):
        score = 70
    elif re.search(r"^#{1,6}\s+\S", head, re.MULTILINE):
        score = 50
    if find_bracket_markers(head) and _REFERENCES_WORD.search(text):
        score = max(score, 60) + 10
    if score and Path(path).suffix.lower() in (".md", ".markdown"):
        score += 5
    return score


def render_inline(markdown: str) -> str:
    """Plain text of inline Markdown; "[1](url)" becomes the marker "[1]"."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown)
    text = re.sub(r"\[(\^?\d{1,4}(?:\s*[,–-]\s*\d{1,4})*)\]\([^)]*\)", r"[\1]", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _entry_text(markdown: str) -> str:
    """A reference entry keeps its URLs: "[Title](https://...)" -> "Title https://..."."""
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"\1 \2", markdown)
    text = re.sub(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _skip_front_matter(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
    return 0


def read(text: str, path: str, sha256: str) -> FileResult:
    lines = _without_comments(text).split("\n")
    builder = AnswerPageBuilder(path, FORMAT, sha256)
    start = _skip_front_matter(lines)
    if reason := non_article_reason("\n".join(lines[start:])):
        raise LoaderError(path, reason)
    headings = [(index, _HEADING.match(line)) for index, line in enumerate(lines) if index >= start]
    headings = [(index, match) for index, match in headings if match]
    first_h1 = next((index for index, match in headings if len(match.group(1)) == 1), None)
    first = first_h1 if first_h1 is not None else next(
        (index for index in range(start, len(lines)) if lines[index].strip()), None)
    if first is None:
        raise LoaderError(path, "no title: the file has no text")
    # The first "# " heading is the title wherever it is; a note above it is not the answer.
    title_match = _HEADING.match(lines[first])
    if title_match and len(title_match.group(1)) == 1:
        builder.set_title(render_inline(title_match.group(2)), first + 1)
    elif not title_match and not _LIST_ITEM.match(lines[first]) and len(lines[first]) <= 300:
        builder.set_title(render_inline(lines[first]), first + 1)
    else:
        raise LoaderError(path, "no title: expected '# Title' or the question on the first line",
                          line=first + 1)
    depths = [len(match.group(1)) for index, match in headings if index != first]
    top_depth = min(depths) if depths else 2

    items: list[list] = []  # [kind, first line number, pieces]

    def flush() -> None:
        for kind, number, pieces in items:
            raw = " ".join(pieces)
            if builder.in_references or kind == "entry":
                builder.reference_entry(_entry_text(raw), line=number)
            else:
                rendered = render_inline(raw)
                builder.block(kind, rendered, find_bracket_markers(rendered), line=number)
        items.clear()

    for index in range(first + 1, len(lines)):
        line, number = lines[index], index + 1
        if not line.strip():
            if items and items[-1][0] == "paragraph":
                flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            builder.heading(render_inline(heading.group(2)), line=number,
                            level=max(1, len(heading.group(1)) - top_depth + 1))
            continue
        bold_heading = _BOLD_HEADING.match(line)
        if bold_heading and not (items and items[-1][0] == "paragraph"):
            flush()  # "**References**" on a line of its own acts as a heading
            builder.heading(bold_heading.group(1), line=number, level=None)
            continue
        if re.fullmatch(r"\s*(?:[-*_]\s*){3,}", line):
            flush()  # a thematic break
            continue
        item = _LIST_ITEM.match(line)
        if _FOOTNOTE_ENTRY.match(line):
            flush() if items and items[-1][0] == "paragraph" else None
            items.append(["entry", number, [line.strip()]])
        elif item:
            if items and items[-1][0] == "paragraph":
                flush()
            kept = line.strip() if builder.in_references else line[item.end():].strip()
            items.append(["list-item", number, [kept]])
        elif items and (line.startswith((" ", "\t")) or items[-1][0] == "paragraph"):
            items[-1][2].append(line.strip())  # a wrapped line continues its item
        else:
            flush()
            items.append(["paragraph", number, [line.strip()]])
    flush()
    article = builder.build()
    return FileResult(path=path, format=FORMAT, sha256=sha256, articles=[article],
                      warnings=list(article.warnings))
