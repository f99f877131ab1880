"""Answer articles saved as HTML pages.

<h1> is the title, <h2> sections, <h3> sub-sections, <p> paragraphs and <li>
list items are blocks. Citation markers are markup -- <sup>1</sup>,
<sup>3,4</sup>, <a href="#ref-1">1</a> -- (bracketed "[1]" in the text is
accepted too). An optional reference list is the <ol>/<ul> under a
"References" heading. Scripts, styles, navigation, footers, forms and the
page chrome every answer page shares are left out.

Parsing is lxml's HTML parser with no network access and no huge-tree mode;
HTML has no external entities to resolve.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import lxml.html

from . import FileResult
from .answer_pages import AnswerPageBuilder
from .errors import LoaderError
from .sentences import MarkerGroup, find_bracket_markers, labels_from_list

FORMAT = "html"

_DROPPED = ("script", "style", "nav", "footer", "aside", "form", "button", "noscript", "template",
            "iframe", "svg", "select", "dialog")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_MARKER_TEXT = re.compile(r"^\s*\[?\s*(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)"
                          r"\s*\]?\s*$")


_HTML_FIRST_TAGS = {"html", "head", "body", "main", "div", "section", "header", "nav", "h1", "h2", "h3",
                    "p", "ul", "ol", "title", "meta", "link", "article"}


def sniff(text: str, path: Path) -> int:
    head = re.sub(r"<!--.*?-->|<\?xml[^>]*\?>", "", text[:8192], flags=re.DOTALL).lstrip()
    if re.match(r"<!doctype\s+html\b", head, re.IGNORECASE) or re.search(r"<html[\s>]", head, re.IGNORECASE):
        return 95
    # XML records (PubMed, SPL) start with their own root element or doctype, never with these.
    first = re.match(r"<([a-zA-Z][\w:-]*)[\s/>]", head)
    if first and first.group(1).lower() in _HTML_FIRST_TAGS:
        return 75
    return 0


class _BlockText:
    """Text of one block with whitespace collapsed, marker runs recorded as they are added."""

    def __init__(self):
        self.text = ""
        self.groups: list[MarkerGroup] = []

    def add(self, piece: str | None) -> None:
        if not piece:
            return
        piece = re.sub(r"\s+", " ", piece)
        if not self.text or self.text.endswith(" "):
            piece = piece.lstrip()
        self.text += piece

    def add_marker(self, spec: str) -> None:
        labels = ", ".join(label for label, _, _ in labels_from_list(spec))
        last = self.groups[-1] if self.groups else None
        if last is not None and re.fullmatch(r"[\s,]*", self.text[last.end:]):
            # <sup>3</sup><sup>4</sup> or <a>3</a>, <a>4</a>: one run "3, 4"
            self.groups.pop()
            start = last.start
            self.text = self.text[:last.end] + ", " + labels
        else:
            if self.text and not self.text.endswith(" "):
                self.text += " "
            start = len(self.text)
            self.text += labels
        self.groups.append(MarkerGroup(start, len(self.text), labels_from_list(self.text[start:], start)))


def _marker_spec(element) -> str | None:
    """The label list an element stands for, if it is a citation marker."""
    if element.tag == "sup" or (element.tag == "a" and (element.get("href") or "").startswith("#")):
        match = _MARKER_TEXT.match(element.text_content())
        if match:
            return match.group(1)
    return None


def _walk(node, top, out: _BlockText) -> None:
    if node is not top:
        if node.tag in ("ul", "ol"):
            return  # a nested list: its items are blocks of their own
        if (spec := _marker_spec(node)) is not None:
            out.add_marker(spec)
            return
        if node.tag == "br":
            out.add(" ")
    out.add(node.text)
    for child in node:
        if isinstance(child.tag, str):
            _walk(child, top, out)
        out.add(child.tail)


def block_text(element) -> tuple[str, list[MarkerGroup]]:
    out = _BlockText()
    _walk(element, element, out)
    text = out.text.rstrip()
    groups = list(out.groups)
    taken = [(group.start, group.end) for group in groups]
    for group in find_bracket_markers(text):
        if not any(start < group.end and group.start < end for start, end in taken):
            groups.append(group)
    return text, sorted(groups, key=lambda group: group.start)


def _entry_text(element) -> str:
    """A reference entry with the addresses of its links (DOIs and PMIDs often live there)."""
    text = re.sub(r"\s+", " ", element.text_content()).strip()
    for href in element.xpath(".//a/@href"):
        if href.startswith(("http://", "https://")) and href not in text:
            text += " " + href
    return text


def _parse(text: str, path: str):
    # An XML declaration with an encoding is refused by lxml for str input; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False, default_doctype=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise LoaderError(path, f"not readable as HTML: {exc}") from None


def read(text: str, path: str, sha256: str) -> FileResult:
    document = _parse(text, path)
    for element in document.xpath("|".join(f"//{tag}" for tag in _DROPPED)):
        element.drop_tree()
    builder = AnswerPageBuilder(path, FORMAT, sha256)
    canonical = [href for href in document.xpath("//link[@rel='canonical']/@href")
                 if href.startswith(("http://", "https://"))]
    builder.url = canonical[0] if canonical else None
    body = document.find("body") if document.find("body") is not None else document
    builder.note_text(body.text_content())
    h1 = body.find(".//h1")
    title_element = h1 if h1 is not None else document.find(".//title")
    if title_element is not None and title_element.text_content().strip():
        builder.set_title(title_element.text_content(), title_element.sourceline)
    depths = [_HEADINGS[el.tag] for el in body.iter(*_HEADINGS) if el is not h1]
    top_depth = min(depths) if depths else 2
    for element in body.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "li"):
        if element is h1:
            continue
        if element.tag in _HEADINGS:
            builder.heading(element.text_content(), line=element.sourceline,
                            level=max(1, _HEADINGS[element.tag] - top_depth + 1))
            continue
        if any(ancestor.tag in ("p", "li") for ancestor in element.iterancestors()):
            continue  # its text belongs to the enclosing block
        if builder.in_references:
            number = re.search(r"\d+", element.get("id") or "")
            builder.reference_entry(_entry_text(element), line=element.sourceline,
                                    number=number.group(0) if number else None)
            continue
        content, groups = block_text(element)
        builder.block("list-item" if element.tag == "li" else "paragraph", content, groups,
                      line=element.sourceline)
    article = builder.build()
    return FileResult(path=path, format=FORMAT, sha256=sha256, articles=[article],
                      warnings=list(article.warnings))
