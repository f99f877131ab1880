"""The reference lists of one answer article, and which list each marker cites.

Most articles have one list (or none). Some files hold several -- one per section, each
numbered from 1 again (CitationSculptor's multi-section answers: "## Section A ... ### Citations
[^1]: ... ## Section B ... ### References [^1]: ..."). Read top to bottom, such a file cites
the list that follows the text, so that is the rule: a marker resolves to the first list after
its block. When the lists' numbers do not overlap they are simply one list. When they overlap,
the entries of the second list on are labelled "2.1", "2.2", ... (list, number) and so are the
markers that cite them, so that no label is used twice; markers after the last of such lists
have no list of their own and the file is refused as ambiguous rather than mis-cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LoaderError
from .records import Article, Reference
from .references import parse_reference_entry


@dataclass
class Entry:
    number: str | None
    text: str
    line: int | None


def _label_key(label: str):
    return tuple(int(part) if part.isdigit() else 0 for part in label.split("."))


class ReferenceLists:
    """Entries as a format loader reports them, grouped into the lists of the file."""

    def __init__(self):
        self.lists: list[list[Entry]] = []
        self._open = False  # no content since the last list began: entries still belong to it

    def start_list(self) -> None:
        self.lists.append([])
        self._open = True

    def add(self, number: str | None, text: str, line: int | None, in_references: bool) -> None:
        if not self.lists or not (in_references or self._open):
            self.start_list()
        self.lists[-1].append(Entry(number, text, line))

    def content(self) -> int:
        """Content comes: later entries start a new list. Returns the block's scope."""
        self._open = False
        return len(self.lists)

    def __bool__(self) -> bool:
        return any(self.lists)

    def numbers(self) -> list[int]:
        """Every entry number written as digits, for the range markers may take."""
        return [int(entry.number) for entries in self.lists for entry in entries
                if entry.number and entry.number.isdigit()]

    def resolve(self, article: Article, scopes: list[int], block_lines: list[int | None], path: str) -> None:
        """Fill ``article.references``; relabel markers that cite a later list of reused numbers."""
        numbered = [(index, self._numbered(entries, article.warnings))
                    for index, entries in enumerate(self.lists) if entries]
        article.has_reference_list = True
        numbers = [number for _, entries in numbered for number, _ in entries]
        if len(numbers) == len(set(numbers)):  # one list, or lists that do not share numbers
            article.references = [_reference(number, entry) for _, entries in numbered for number, entry in entries]
            _warn_missing(article, "the reference list")
            return
        ordinal = {index: position for position, (index, _) in enumerate(numbered, start=1)}
        prefix = {index: "" if position == 1 else f"{position}." for index, position in ordinal.items()}
        article.references = [_reference(prefix[index] + number, entry)
                              for index, entries in numbered for number, entry in entries]
        for claim in article.claims:
            target = next((index for index, _ in numbered if index >= scopes[claim.block]), None)
            if target is None and claim.markers:
                raise LoaderError(path, f"ambiguous citations: {len(numbered)} reference lists reuse the "
                                  f"same numbers and this text comes after the last of them, so its "
                                  f"markers ({', '.join(claim.cited_labels)}) could cite either",
                                  line=block_lines[claim.block])
            for marker in claim.markers:
                marker.label = prefix[target] + marker.label
        lines = ", ".join(str(entries[0][1].line) for _, entries in numbered if entries[0][1].line)
        article.warnings.append(
            f"{len(numbered)} reference lists reuse the same numbers (lines {lines}): each marker cites "
            f"the list after it, and list 2 on is labelled 2.1, 2.2, ...")
        _warn_missing(article, "its reference list")

    @staticmethod
    def _numbered(entries: list[Entry], warnings: list[str]) -> list[tuple[str, Entry]]:
        """(number, entry) with unnumbered entries numbered by position, a repeated number dropped."""
        seen: dict[str, int | None] = {}
        kept = []
        for position, entry in enumerate(entries, start=1):
            number = entry.number or str(position)
            if number in seen:
                warnings.append(f"reference entry at line {entry.line} is numbered {number} like the one at "
                                f"line {seen[number]}; kept the first")
                continue
            seen[number] = entry.line
            kept.append((number, entry))
        return kept


def _reference(number: str, entry: Entry) -> Reference:
    return Reference(number=number, text=entry.text, source=parse_reference_entry(entry.text), line=entry.line)


def _warn_missing(article: Article, which: str) -> None:
    missing = sorted({label for claim in article.claims for label in claim.cited_labels
                      if article.reference(label) is None}, key=_label_key)
    for label in missing:
        article.warnings.append(f"marker {label} points to no entry of {which}")
