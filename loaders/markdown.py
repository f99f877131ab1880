"""Answers of LLM answer tools written in Markdown, parsed by markdown-it-py (CommonMark).

"# Title" (or the first line), "##"/"###" section headings, paragraphs, list items,
citation markers in brackets ("[1]", "[1, 2]", "[1][3]", "[1-3]", "[^1]"), and numbered
reference lists ("1. Author. Title. Journal. 2021. doi:...", "[1] ...", "[^1]: ..." lines,
or link definitions "[1]: https://..."). Inline formatting, inline HTML (``<span
class="drug">``) and images are left out of block text and entities are decoded (``&lt;`` is
"<"); a link whose text is a marker ("[1](https://...)") stays a marker. Code, HTML blocks
(comments among them) and tables are not prose. YAML front matter is skipped.

A file may hold several reference lists (one per section, numbers starting again at 1):
``AnswerPageBuilder`` resolves each marker to the list of its own part of the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from . import FileResult
from .answer_pages import AnswerPageBuilder, looks_like_prose, non_article_reason
from .errors import LoaderError
from .sentences import find_bracket_markers

FORMAT = "markdown"

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_REFERENCES_WORD = re.compile(r"^(?:#{1,6}\s*|\*\*)?(?:references|sources|citations|bibliography)\b",
                              re.IGNORECASE | re.MULTILINE)
_MARKER_LINK_TEXT = re.compile(r"\^?\d{1,4}(?:\s*[,–-]\s*\d{1,4})*")
# A line that starts a reference entry: "[1] ...", "[^1]: ...", "1. ..." (list items are found by the parser).
_ENTRY_LINE = re.compile(r"^\s*\[\^?\d{1,4}\]:?\s+\S")
_MAX_TITLE = 300
_MAX_BOLD_HEADING = 80


def _without_comments(text: str) -> str:
    """HTML comments blanked for sniffing (the parser drops them when reading).

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


def render_inline(children, *, keep_urls: bool = False) -> str:
    """Plain text of an inline token list; a link whose text is a marker becomes "[1]".

    ``keep_urls``: a reference entry keeps the address of each link ("Title https://...")."""
    pieces: list[str] = []
    link: list | None = None  # [href, start index in pieces] while inside a link
    for token in children or []:
        kind = token.type
        if kind in ("text", "code_inline"):
            pieces.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif kind == "link_open":
            link = [token.attrGet("href") or "", len(pieces)]
        elif kind == "link_close" and link is not None:
            shown = "".join(pieces[link[1]:]).strip()
            if _MARKER_LINK_TEXT.fullmatch(shown) and not keep_urls:
                pieces[link[1]:] = [f"[{shown}]"]
            elif keep_urls and link[0].startswith(("http://", "https://")) and link[0] != shown:
                pieces.append(f" {link[0]}")
            link = None
        # html_inline (tags, comments), images, emphasis markers: not text
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def _line_inline(line: str) -> list:
    """Inline tokens of one source line (for titles and entries written line by line)."""
    tokens = _MD.parseInline(line)
    return tokens[0].children if tokens else []


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
    return 0


class _Reader:
    """Walks markdown-it's block tokens and reports them to the page builder."""

    def __init__(self, builder: AnswerPageBuilder, lines: list[str], offset: int):
        self.builder, self.lines, self.offset = builder, lines, offset
        self.list_items: list[str] = []  # info ("1", "3") of the open list items, innermost last
        self.top_depth = 2

    def line(self, token) -> int | None:
        return token.map[0] + 1 + self.offset if token.map else None

    def heading(self, tag: str, inline) -> None:
        level = max(1, int(tag[1]) - self.top_depth + 1)
        self.builder.heading(render_inline(inline.children), line=self.line(inline), level=level)

    def paragraph(self, inline, kind: str) -> None:
        children = inline.children or []
        if kind == "paragraph" and _is_bold_heading(children):
            self.builder.heading(render_inline(children).rstrip(":"), line=self.line(inline), level=None)
            return
        source = self.lines[inline.map[0]:inline.map[1]] if inline.map else []
        if self.builder.in_references or (source and _ENTRY_LINE.match(source[0])):
            # by source line: "[3] ..." right under "2. ..." continues item 2 for the parser
            self.entries(source, inline.map[0])
        else:
            text = render_inline(children)
            self.builder.block(kind, text, find_bracket_markers(text), line=self.line(inline))

    def entries(self, source: list[str], first: int) -> None:
        """Reference entries written line by line: a line starting "[1]", "[^1]:" or "1." begins one."""
        current: list | None = None  # [line number, pieces]
        for index, line in enumerate(source):
            if current is None or _ENTRY_LINE.match(line) or re.match(r"^\s*\d{1,4}[.)]\s", line):
                if current:
                    self._entry(*current)
                current = [first + index + 1 + self.offset, [line.strip()]]
            elif line.strip():
                current[1].append(line.strip())
        if current:
            self._entry(*current)

    def _entry(self, line: int, pieces: list[str]) -> None:
        raw = re.sub(r"^\s*[-*+]\s+", "", " ".join(pieces))  # a bulleted entry
        # "[^1]: text" is one entry; the parser would read "[^1]" as link text without a target
        marker = re.match(r"^\s*\[(\^?\d{1,4})\]:?\s*", raw)
        rest = raw[marker.end():] if marker else raw
        text = render_inline(_line_inline(rest), keep_urls=True)
        self.builder.reference_entry(text, line=line, number=marker.group(1).lstrip("^") if marker else None)


def _is_bold_heading(children) -> bool:
    """"**References**" or "**Common culprits**:" alone: a heading written in bold."""
    kinds = [token.type for token in children if token.type != "text" or token.content.strip() not in ("", ":")]
    return (len(kinds) >= 3 and kinds[0] == "strong_open" and kinds[-1] == "strong_close"
            and kinds.count("strong_open") == 1 and 0 < len(render_inline(children)) <= _MAX_BOLD_HEADING)


def _title(builder: AnswerPageBuilder, tokens: list, lines: list[str], offset: int, path: str) -> int | None:
    """Set the title: the first "# " heading wherever it is, else the first line of the first
    paragraph. Returns the index of the title's heading token, or None (then the rest of that
    first paragraph is content and the caller re-reads it)."""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            builder.set_title(render_inline(tokens[index + 1].children), tokens[index + 1].map[0] + 1 + offset)
            return index
    first = next((token for token in tokens if token.type in ("paragraph_open", "heading_open",
                                                               "bullet_list_open", "ordered_list_open")), None)
    if first is None:
        raise LoaderError(path, "no title: the file has no text")
    line = first.map[0]
    if first.type != "paragraph_open" or len(lines[line].strip()) > _MAX_TITLE:
        raise LoaderError(path, "no title: expected '# Title' or the question on the first line",
                          line=line + 1 + offset)
    builder.set_title(render_inline(_line_inline(lines[line].strip())), line + 1 + offset)
    return None


def read(text: str, path: str, sha256: str) -> FileResult:
    all_lines = text.split("\n")
    offset = _front_matter_end(all_lines)
    lines = all_lines[offset:]
    body = "\n".join(lines)
    if reason := non_article_reason(body):
        raise LoaderError(path, reason)
    env: dict = {}
    tokens = _MD.parse(body, env)
    builder = AnswerPageBuilder(path, FORMAT, sha256)
    title_index = _title(builder, tokens, lines, offset, path)
    reader = _Reader(builder, lines, offset)
    depths = [int(token.tag[1]) for index, token in enumerate(tokens)
              if token.type == "heading_open" and index != title_index]
    reader.top_depth = min(depths) if depths else 2
    skip_first_line = title_index is None
    index = title_index or 0  # a note above the "# " title is not the answer
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if index == title_index:
            index += 3
            continue
        if kind == "heading_open":
            reader.heading(token.tag, tokens[index + 1])
            index += 3
            continue
        if kind == "list_item_open":
            reader.list_items.append(token.info or "")
        elif kind == "list_item_close":
            reader.list_items.pop()
        elif kind == "paragraph_open":
            inline = tokens[index + 1]
            if skip_first_line:  # the title was this paragraph's first line
                skip_first_line = False
                rest = lines[inline.map[0] + 1:inline.map[1]]
                if rest:
                    inline.children = _line_inline("\n".join(rest))
                    inline.map = [inline.map[0] + 1, inline.map[1]]
                else:
                    index += 3
                    continue
            reader.paragraph(inline, "list-item" if reader.list_items else "paragraph")
            index += 3
            continue
        elif kind in ("fence", "code_block", "html_block", "table_open"):
            if kind == "table_open":
                while tokens[index].type != "table_close":
                    index += 1
        index += 1
    for label, definition in env.get("references", {}).items():
        number = label.lstrip("^")
        if number.isdigit():
            entry = " ".join(part for part in (definition.get("title"), definition.get("href")) if part)
            line = definition["map"][0] + 1 + offset if definition.get("map") else None
            builder.reference_entry(entry, line=line, number=number)
    article = builder.build()
    return FileResult(path=path, format=FORMAT, sha256=sha256, articles=[article],
                      warnings=list(article.warnings))
