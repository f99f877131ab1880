"""ExpertQA JSON Lines: expert-annotated answers, their claims and human judgments.

Each line is one question with one or more system answers (``answers: {system: {...}}``).
Every (line, system) pair becomes one Article: its paragraphs are the blocks, the claims
are the dataset's own ``claim_string``s found again in the answer text, the attribution
list is the reference list, and the experts' ratings of each claim are kept as Judgments.
A bad line is one LoaderError naming that line; the other lines still load.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from . import FileResult
from .errors import LoaderError
from .identifiers import extract_identifiers, find_urls
from .records import Article, Block, CitationMarker, Claim, Judgment, Reference, Source
from .references import split_entry_number
from .sentences import find_bracket_markers, strip_markers
from .textio import sha256_hex

FORMAT = "expertqa"

# Claim fields kept as judgments, in this order. ``support`` also carries the evidence
# passages the annotator saw and the reason given when support was missing.
_ASPECTS = ("support", "correctness", "reliability", "informativeness", "worthiness")
# Question- and answer-level fields worth keeping on the article (all short strings).
_METADATA_FIELDS = ("question_type", "field", "specific_field")
_ANSWER_FIELDS = ("usefulness", "annotation_time")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Markdown emphasis and list bullets that the dataset's claim splitter left in claims.
_EMPHASIS = re.compile(r"\*\*|__")
_BULLET_EDGES = re.compile(r"^[-*•]\s+|\s+[-*•]$")
# An answer cut off inside its last marker ("... a solo treatment. [" in the dataset).
_CUT_MARKER = re.compile(r"\s*\[\d{0,4}$")


def sniff(text: str, path: Path) -> int:
    first = next((line for line in text.splitlines() if line.strip()), "").strip()
    if not first.startswith("{"):
        return 0
    try:
        row = json.loads(first)
    except ValueError:
        # A damaged first line of what still looks like ExpertQA: read it and report the line.
        return 50 if '"question"' in first and '"answers"' in first else 0
    if isinstance(row, dict) and "question" in row and isinstance(row.get("answers"), dict):
        return 95
    return 0


def read(text: str, path: str, sha256: str) -> FileResult:
    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    unanswered: list[int] = []  # rows of a question with no answer yet ("answers": {})
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            row = _parse_row(line, path, number)
        except LoaderError as exc:
            result.errors.append(exc)
            continue
        if not row["answers"]:
            unanswered.append(number)
            continue
        for system, answer in row["answers"].items():
            try:
                article = _article(row, system, answer, line, path, number)
            except LoaderError as exc:
                result.errors.append(exc)
                continue
            result.articles.append(article)
            result.warnings.extend(f"line {number}, answer {system}: {w}" for w in article.warnings)
    if unanswered:
        message = (f"{len(unanswered)} question(s) with no answer to load ('answers' is empty), "
                   f"{_lines(unanswered)}")
        if result.articles or result.errors:
            result.warnings.append(message)
        else:  # a file of questions only (ExpertQA's question-collection rounds): nothing to store
            result.errors.append(LoaderError(path, f"no answers: {message}; nothing to store"))
    if not result.articles and not result.errors:
        result.errors.append(LoaderError(path, "no ExpertQA rows in the file"))
    return result


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10])) + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}"


def _parse_row(line: str, path: str, number: int) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoaderError(path, f"not a JSON object: {exc.msg}", line=number, column=exc.colno) from None
    if not isinstance(row, dict):
        raise LoaderError(path, "not a JSON object", line=number)
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise LoaderError(path, "missing field 'question' (the question the answers address)", line=number)
    if "answers" not in row:
        raise LoaderError(path, "missing field 'answers' (an object of system name -> answer)", line=number)
    if not isinstance(row["answers"], dict):
        raise LoaderError(path, "'answers' should be an object of system name -> answer, not "
                          f"{type(row['answers']).__name__}", line=number)
    return row


def _article(row: dict, system: str, answer, line: str, path: str, number: int) -> Article:
    place = f"line {number}, answer {system!r}"
    if not isinstance(answer, dict) or not isinstance(answer.get("answer_string"), str):
        raise LoaderError(path, "answer has no 'answer_string'", line=number, place=place)
    for name in ("attribution", "claims"):
        if not isinstance(answer.get(name, []), list):
            raise LoaderError(path, f"'{name}' should be a list", line=number, place=place)
    question = row["question"].strip()
    annotator = _text(answer.get("annotator_id")) or _text(row.get("annotator_id"))
    article = Article(
        title=question,
        key_text=f"expertqa:{system}:{question}",
        content_sha256=sha256_hex(line.encode("utf-8")),
        source_path=path,
        source_format=FORMAT,
        locator=f"line {number}",
        extra=_extra(row, system, answer, annotator),
    )
    answer_text = answer["answer_string"]
    spans = _paragraph_spans(answer_text)
    article.blocks = [Block(kind="paragraph", text=answer_text[s:e]) for s, e in spans]
    article.references = _references(answer.get("attribution", []), number, article.warnings)
    article.has_reference_list = bool(answer.get("attribution"))
    cursor = 0
    for index, raw in enumerate(answer.get("claims", []), 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("claim_string"), str):
            raise LoaderError(path, f"claim {index} has no 'claim_string'", line=number, place=place)
        claim, cursor = _claim(raw, index, answer_text, spans, cursor, article.warnings)
        if claim is None:
            continue
        claim.judgments = _judgments(raw, annotator)
        article.claims.append(claim)
    return article


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value or None


def _extra(row: dict, system: str, answer: dict, annotator: str | None) -> dict[str, str]:
    extra = {"system": system}
    if annotator:
        extra["annotator"] = annotator
    metadata = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    for name in _METADATA_FIELDS:
        if value := _text(metadata.get(name)):
            extra[name] = value
    for name in _ANSWER_FIELDS:
        if value := _text(answer.get(name)):
            extra[name] = value
    return extra


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph (text between blank lines), surrounding space trimmed."""
    spans, position = [], 0
    for match in list(_PARAGRAPH_BREAK.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        chunk = text[position:end]
        start = position + len(chunk) - len(chunk.lstrip())
        stop = position + len(chunk.rstrip())
        if stop > start:
            spans.append((start, stop))
        position = match.end() if match else len(text)
    return spans


def _locate(claim: str, answer: str, cursor: int) -> tuple[int, int] | None:
    """Where ``claim`` is in ``answer``, allowing for different whitespace (the dataset's claims
    join lines with spaces); claims come in answer order, so look after ``cursor`` first."""
    words = claim.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(map(re.escape, words)))
    match = pattern.search(answer, cursor) or pattern.search(answer)
    return (match.start(), match.end()) if match else None


def _claim(raw: dict, index: int, answer: str, spans: list[tuple[int, int]], cursor: int,
           warnings: list[str]) -> tuple[Claim | None, int]:
    claim_string = raw["claim_string"]
    if not claim_string.strip():
        warnings.append(f"claim {index} is empty; skipped")
        return None, cursor
    found = _locate(claim_string, answer, cursor)
    block, start, end = 0, None, None
    if found is None:
        original = claim_string.strip()
        warnings.append(f"claim {index} is not in the answer text; kept without offsets: "
                        f"{original[:80]!r}")
        # Place it with the paragraph of the claim before it, the best guess there is.
        block = next((i for i, (s, e) in enumerate(spans) if s <= cursor <= e), max(len(spans) - 1, 0))
    else:
        original = answer[found[0]:found[1]]
        cursor = found[1]
        block = next((i for i, (s, e) in enumerate(spans) if s <= found[0] < e), 0)
        block_start, block_end = spans[block] if spans else (0, len(answer))
        if found[1] <= block_end:
            start, end = found[0] - block_start, found[1] - block_start
        else:
            warnings.append(f"claim {index} runs across paragraphs; kept without offsets")
    groups = find_bracket_markers(original)
    markers = [CitationMarker(label, s, e) for group in groups for label, s, e in group.labels]
    text = re.sub(r"\s+", " ", _EMPHASIS.sub("", strip_markers(original, groups))).strip()
    text = _BULLET_EDGES.sub("", _CUT_MARKER.sub("", text))
    return Claim(text=text, original=original, block=block, markers=markers,
                 start=start, end=end), cursor


def _judgments(raw: dict, annotator: str | None) -> list[Judgment]:
    judgments = []
    for aspect in _ASPECTS:
        value = _text(raw.get(aspect))
        if value is None:
            continue
        judgment = Judgment(aspect=aspect, value=value, annotator=annotator)
        if aspect == "support":
            judgment.evidence = _passages(raw.get("evidence"))
            judgment.note = _text(raw.get("reason_missing_support"))
        judgments.append(judgment)
    revised = _text(raw.get("revised_claim"))
    if revised and " ".join(revised.split()) != " ".join(raw["claim_string"].split()):
        # The expert's corrected wording, with the evidence they found for it.
        judgments.append(Judgment(aspect="revised_claim", value=revised, annotator=annotator,
                                  evidence=_passages(raw.get("revised_evidence"))))
    return judgments


def _passages(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [passage.strip() for passage in value if isinstance(passage, str) and passage.strip()]


def _references(attribution: list, line_number: int, warnings: list[str]) -> list[Reference]:
    references: list[Reference] = []
    for entry in attribution:
        if not isinstance(entry, str) or not entry.strip():
            continue
        number, rest = split_entry_number(entry)
        if number is None:
            warnings.append(f"attribution {entry[:60]!r} has no [n] number; skipped")
            continue
        if any(ref.number == number for ref in references):
            warnings.append(f"attribution [{number}] is listed twice; the first is kept")
            continue
        references.append(Reference(number=number, source=_source(rest), text=entry.strip(),
                                    line=line_number))
    return references


def _source(entry: str) -> Source:
    identifiers = extract_identifiers(entry)
    urls = find_urls(entry)
    if urls and not identifiers.url:
        identifiers.url = urls[0]  # kept beside the identifiers: it is what the expert saw
    kind, basis = _kind_from_url(urls[0] if urls else "", identifiers)
    return Source(identifiers=identifiers, kind=kind, kind_basis=basis)


def _kind_from_url(url: str, identifiers) -> tuple[str | None, str | None]:
    """A kind only where the URL itself says what the work is; most web pages stay unknown."""
    host = urlsplit(url).hostname or ""
    if identifiers.setid or host.endswith("dailymed.nlm.nih.gov"):
        return "drug-label", f"attribution URL is a DailyMed label ({host})"
    if identifiers.pmid or identifiers.pmcid:
        return "study", "attribution URL is a PubMed or PMC record"
    if identifiers.doi:
        return "study", "attribution URL contains a DOI"
    return None, None
