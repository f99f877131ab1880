"""Answer articles and other web pages saved as HTML.

The page's title and main text come from trafilatura, a maintained main-content extractor:
navigation, ads, language links, sidebars and footers are its job, not hand-written rules
here. Its output is walked as the page model expects -- headings, paragraphs, list items,
marker runs -- and the chrome every answer page shares is still left to ``answer_pages``.

Citation markers are markup -- <sup>1</sup>, <sup>3,4</sup>, <a href="#ref-1">[1]</a> --
(bracketed "[1]" in the text is accepted too). The reference list is read from the page
itself, not from the extractor's text: the entries that marker links point at, and the lists
under a "References" heading. An entry's number is the label its marker links show, else its
place in its list -- never digits of its id ("cite_note-Census2018_pdc-5" is entry 5 when
its link reads "[5]"). Back-links from an entry to its markers ("^ a b") are left out.

Parsing is lxml's HTML parser with no network access and no huge-tree mode; HTML has no
external entities to resolve. trafilatura gets a copy of that parsed tree.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from pathlib import Path
from urllib.parse import urldefrag

import lxml.etree
import lxml.html

from . import FileResult
from .answer_pages import AnswerPageBuilder, is_references_heading
from .errors import LoaderError
from .sentences import MarkerGroup, find_bracket_markers, labels_from_list
from .textio import Replacements

FORMAT = "html"

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_MARKER_TEXT = re.compile(r"^\s*\[?\s*(\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?)*)"
                          r"\s*\]?\s*$")
# MediaWiki's "[edit]" / "[edit source]" links after every section heading.
_EDIT_LINK = re.compile(r"\s*\[\s*edit(?: source)?\s*\]\s*$", re.IGNORECASE)
# An editorial note set in superscript ("[citation needed]", "[clarification needed]") or the
# page of a cited work (": 207", MediaWiki's {{rp}} after a marker).
_SUPERSCRIPT_NOTE = re.compile(r"^\s*(?:\[[^\]]*[^\d\s,\-–\]][^\]]*\]|:\s*[\w\s,\-–]+)\s*$")
_FURNITURE = ("nav", "aside", "footer", "header", "form")
_DROPPED = ("script", "style", "nav", "footer", "aside", "form", "button", "noscript", "template",
            "iframe", "svg", "select", "dialog")
_NAVIGATION_SHARE = 0.8  # a block whose text is this much link text is navigation, not prose

_HTML_FIRST_TAGS = {"html", "head", "body", "main", "div", "section", "header", "nav", "h1", "h2", "h3",
                    "p", "ul", "ol", "title", "meta", "link", "article"}

# Short answers are pages too: trafilatura's default would set aside extractions under 250
# characters and fall back to a dump of the whole page, navigation included. Its date search
# through the text is off: "updated" comes only from what the page says ("Last updated ...").
# Its defaults otherwise: balanced between precision and recall (precision mode dropped cited
# paragraphs followed by a "References" heading), and compared with its readability and
# jusText fallbacks (alone, its own extractor dropped the headings of short pages).
@functools.lru_cache(maxsize=1)
def _config():
    # trafilatura is imported when a page is read, not when formats are detected: its import
    # took 0.3 s of every `claimgraph load`, HTML or not.
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return config


def sniff(text: str, path: Path) -> int:
    head = re.sub(r"<!--.*?-->|<\?xml[^>]*\?>", "", text[:8192], flags=re.DOTALL).lstrip()
    if re.match(r"<!doctype\s+html\b", head, re.IGNORECASE) or re.search(r"<html[\s>]", head, re.IGNORECASE):
        return 95
    # XML records (PubMed, SPL) start with their own root element or doctype, never with these.
    first = re.match(r"<([a-zA-Z][\w:-]*)[\s/>]", head)
    if first and first.group(1).lower() in _HTML_FIRST_TAGS:
        return 75
    return 0


def _parse(text: str, path: str):
    # An XML declaration with an encoding is refused by lxml for str input; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False, default_doctype=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise LoaderError(path, f"not readable as HTML: {exc}") from None


def _scrub_tree(document) -> str | None:
    """Control characters that character references put in the tree, replaced before anything
    reads it (the extractor discards a page holding them); a warning naming the lines."""
    replacements = Replacements()
    for element in document.iter():
        where = lambda element=element: f"line {element.sourceline}"
        if isinstance(element.text, str) and isinstance(element.tag, str):
            element.text = replacements.replace(element.text, where)
        if isinstance(element.tail, str):
            element.tail = replacements.replace(element.tail, where)
    return replacements.warning()


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _heading_text(text: str) -> str:
    return _EDIT_LINK.sub("", _clean(text))


def _fragment(href: str | None) -> str | None:
    """The in-page target of a link ("#cite_note-5", or "page#cite_note-5" once made absolute)."""
    return urldefrag(href or "").fragment or None


# --- the reference list, from the page as written ------------------------------------------

class _References:
    """Entries of the page's reference list, numbered, and what marker links point at."""

    def __init__(self, document):
        self.entries: list[tuple[str, str, int | None]] = []  # (number, entry text, line)
        self.warnings: list[str] = []
        self.marker_ids: set[str] = set()  # ids on in-text markers, that entries link back to
        by_id = {element.get("id"): element for element in document.iter() if element.get("id")}
        labels: dict[object, list[str]] = {}  # entry element -> labels its marker links show
        for link in document.iter("a"):
            target, match = _fragment(link.get("href")), _MARKER_TEXT.match(link.text_content())
            if not (target and match and target in by_id):
                continue
            entry = next((el for el in by_id[target].iterancestors("li")), None) \
                if by_id[target].tag != "li" else by_id[target]
            entry = entry if entry is not None else by_id[target]
            labels.setdefault(entry, []).extend(label for label, _, _ in labels_from_list(match.group(1)))
            for element in (link, *link.iterancestors("sup")):
                if element.get("id"):
                    self.marker_ids.add(element.get("id"))
        listed = _entries_under_references_headings(document)
        if labels:  # the page links its markers: its reference list is the lists they point into
            cited_lists = {entry.getparent() for entry in labels if entry.tag == "li"}
            listed = [entry for entry in listed if entry.getparent() in cited_lists]
        position = {element: index for index, element in enumerate(document.iter())}
        ordered = sorted(set(listed) | set(labels), key=lambda element: position.get(element, 0))
        seen: dict[str, int | None] = {}
        for element in ordered:
            number = self._number(element, labels.get(element, []))
            text = self._entry_text(element)
            if not text:
                continue
            if number in seen:
                self.warnings.append(f"reference entry at line {element.sourceline} is numbered {number} like "
                                     f"the one at line {seen[number]}; kept the first")
                continue
            seen[number] = element.sourceline
            self.entries.append((number, text, element.sourceline))

    def _number(self, element, labels: list[str]) -> str:
        distinct = list(dict.fromkeys(labels))
        if len(distinct) > 1:
            self.warnings.append(f"reference entry at line {element.sourceline} is cited as "
                                 f"{', '.join(distinct)}; numbered {distinct[0]}")
        if distinct:
            return distinct[0]
        parent = element.getparent()
        if element.tag == "li" and element.get("value", "").isdigit():
            return element.get("value")
        if element.tag == "li" and parent is not None and parent.tag == "ol":
            start = int(parent.get("start")) if (parent.get("start") or "").isdigit() else 1
            return str(start + [child for child in parent if child.tag == "li"].index(element))
        written = re.match(r"\s*\[?(\d{1,4})[.)\]]\s", element.text_content())
        if written:
            return written.group(1)
        return str(len(self.entries) + 1)

    def _entry_text(self, element) -> str:
        """The entry as shown, without back-links to its markers, with the addresses of its links."""
        entry = copy.deepcopy(element)
        for link in list(entry.iter("a")):
            if _fragment(link.get("href")) in self.marker_ids:
                link.drop_tree()
        text = re.sub(r"^[\s^↑]+", "", _clean(entry.text_content()))
        for href in entry.xpath(".//a/@href"):
            if href.startswith(("http://", "https://")) and href not in text:
                text += " " + href
        return text


def _entries_under_references_headings(document) -> list:
    """List items (outermost) after a "References" heading, up to the next heading of its rank,
    inside the element that holds the heading and outside page furniture (nav, aside, footer)."""
    entries, level, container = [], None, None
    for element in document.iter():
        if element.tag in _HEADING_TAGS:
            rank = int(element.tag[1])
            if is_references_heading(_heading_text(element.text_content())):
                level, container = rank, element.getparent()
            elif level is not None and rank <= level:
                level = None
        elif level is not None and element.tag == "li":
            ancestors = list(element.iterancestors())
            if container in ancestors and not any(a.tag == "li" or a.tag in _FURNITURE for a in ancestors):
                entries.append(element)
    return entries


# --- the main text, from trafilatura --------------------------------------------------------

class _BlockText:
    """Text of one block with whitespace collapsed, marker runs recorded as they are added."""

    def __init__(self):
        self.text = ""
        self.groups: list[MarkerGroup] = []
        self.link_chars = 0  # characters of link text other than markers

    def add(self, piece: str | None) -> None:
        if not piece:
            return
        piece = re.sub(r"\s+", " ", piece)
        if not self.text or self.text.endswith(" "):
            piece = piece.lstrip()
        elif self.groups and self.groups[-1].end == len(self.text) and piece[:1].isalnum():
            piece = " " + piece  # the extractor drops the space after a <sup> it unwraps: "[17] codec"
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


def _is_superscript(node) -> bool:
    return node.tag == "sup" or (node.tag == "hi" and "#sup" in (node.get("rend") or ""))


def _marker_spec(node) -> str | None:
    """The label list an element of the extracted text stands for, if it is a citation marker."""
    if _is_superscript(node) or (node.tag in ("a", "ref") and _fragment(node.get("target") or node.get("href"))):
        match = _MARKER_TEXT.match("".join(node.itertext()))
        if match:
            return match.group(1)
    return None


def _walk(node, top, out: _BlockText) -> None:
    if node is not top:
        if node.tag in ("list", "ul", "ol", "table", "graphic", "del"):
            return  # a nested list's items are blocks of their own; tables and images are not prose
        if (spec := _marker_spec(node)) is not None:
            out.add_marker(spec)
            return
        if _is_superscript(node) and _SUPERSCRIPT_NOTE.match("".join(node.itertext())):
            return  # "[citation needed]", ": 207": the editor's note or a page, not the author's text
        if node.tag in ("br", "lb"):
            out.add(" ")
        if node.tag in ("ref", "a"):
            out.link_chars += len(_clean("".join(node.itertext())))
    out.add(node.text)
    for child in node:
        if isinstance(child.tag, str):
            _walk(child, top, out)
        out.add(child.tail)


def block_text(element) -> tuple[str, list[MarkerGroup], float]:
    """Text, marker runs and share of link text of one extracted block."""
    out = _BlockText()
    _walk(element, element, out)
    text = out.text.rstrip()
    groups = list(out.groups)
    taken = [(group.start, group.end) for group in groups]
    for group in find_bracket_markers(text):
        if not any(start < group.end and group.start < end for start, end in taken):
            # "[3]" typed as text is a marker only within the range the page's markup shows:
            # "Encyclopedia of Mathematics [1994]" is a year
            groups.append(dataclasses.replace(group, tentative=True))
    plain = len(re.sub(r"\s", "", text)) or 1
    return text, sorted(groups, key=lambda group: group.start), out.link_chars / plain


def _prepared_for_extraction(document):
    """A copy of the page for the extractor: HTML5's furniture elements gone (so that its
    whole-page fallback for very short pages cannot bring menus back), and marker links
    turned into plain superscripts -- to the extractor a paragraph with a few short links
    reads as a link list, and "[1]" links made it drop short cited paragraphs."""
    page = copy.deepcopy(document)
    for element in page.xpath("|".join(f"//{tag}" for tag in _DROPPED)):
        element.drop_tree()
    for link in list(page.iter("a")):
        if _fragment(link.get("href")) and _MARKER_TEXT.match(link.text_content()):
            if any(True for _ in link.iterancestors("sup")):
                link.drop_tag()
            else:
                link.attrib.clear()
                link.tag = "sup"
    return page


def _main_content(document):
    """trafilatura's reading of the page: (title or None, body element or None)."""
    from trafilatura import bare_extraction

    extracted = bare_extraction(_prepared_for_extraction(document), include_formatting=True,
                                include_links=True, include_tables=False, include_images=False,
                                include_comments=False, with_metadata=True, config=_config())
    if extracted is None:
        return None, None
    return extracted.title, extracted.body


def _title(document, extracted_title: str | None, main_headings: list[str]) -> tuple[str | None, int | None]:
    """The extractor's title (meta data and headings weighed), unless the page's own title --
    og:title or <title>, with or without a " | Site" tail -- is a heading of the main text and
    the extractor's is not: a site's section name in the first <h1> ("Allergies Health Center")
    is not what the article is called. Without either: the first <h1>, else <title>."""
    h1 = document.find(".//h1")
    declared = [value for value in document.xpath("//meta[@property='og:title']/@content") if value.strip()]
    declared += [element.text_content() for element in document.iterfind(".//title") if element.text_content()]
    inside = {heading.casefold() for heading in main_headings}
    candidates = [_clean(part) for value in declared
                  for part in (value, re.split(r"\s+[|\-–—:]\s+", value)[0])]
    if extracted_title and _clean(extracted_title).casefold() not in inside:
        extracted_title = next((c for c in candidates if c.casefold() in inside), extracted_title)
    if extracted_title and extracted_title.strip():
        line = h1.sourceline if h1 is not None and _clean(h1.text_content()) == _clean(extracted_title) else None
        return _clean(extracted_title), line
    for element in (h1, document.find(".//title")):
        if element is not None and element.text_content().strip():
            return _clean(element.text_content()), element.sourceline
    return None, None


def read(text: str, path: str, sha256: str) -> FileResult:
    document = _parse(text, path)
    replaced = _scrub_tree(document)
    builder = AnswerPageBuilder(path, FORMAT, sha256)
    canonical = [href for href in document.xpath("//link[@rel='canonical']/@href")
                 if href.startswith(("http://", "https://"))]
    builder.url = canonical[0] if canonical else None
    body = document.find("body") if document.find("body") is not None else document
    builder.note_text(body.text_content())
    references = _References(document)
    extracted_title, main = _main_content(document)
    blocks = [] if main is None else [el for el in main.iter("head", "p", "item")
                                      if not any(a.tag in ("p", "item") for a in el.iterancestors())]
    title, title_line = _title(document, extracted_title,
                               [_heading_text("".join(el.itertext())) for el in blocks if el.tag == "head"])
    if title:
        builder.set_title(title, title_line)
    heads = [el for el in blocks if el.tag == "head" and _heading_text("".join(el.itertext())) != title]
    depths = [int(rend[1]) for el in heads if re.fullmatch(r"h[1-6]", rend := el.get("rend") or "h2")]
    top_depth = min(depths) if depths else 2
    for element in blocks:
        if element.tag == "head":
            heading = _heading_text("".join(element.itertext()))
            if heading and heading != title:
                rend = element.get("rend") or "h2"
                depth = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else top_depth
                builder.heading(heading, level=max(1, depth - top_depth + 1))
            continue
        if builder.in_references:
            continue  # the entries are read from the page itself (see _References)
        content, groups, link_share = block_text(element)
        if link_share >= _NAVIGATION_SHARE:
            continue
        builder.block("list-item" if element.tag == "item" else "paragraph", content, groups)
    for number, entry, line in references.entries:
        builder.reference_entry(entry, line=line, number=number)
    article = builder.build()
    article.warnings[:0] = references.warnings + ([replaced] if replaced else [])
    return FileResult(path=path, format=FORMAT, sha256=sha256, articles=[article],
                      warnings=list(article.warnings))
