"""What the server must know about a SPARQL text before the engine runs it.

Decisions are taken on the text as a maintained parser (rdflib's SPARQL grammar)
reads it, never by a hand-written lexer deciding what is a keyword:

- ``uses_service``: does the query or update call SERVICE (federated query, i.e.
  the engine opening a connection to any URL it names)? SPARQL's codepoint
  escapes (``\\u0041``, ``\\U00000041``, spec 19.2) may spell any character, so
  they are decoded first; a text that then has no "service" in it, in any case,
  cannot hold the keyword (nearly every query: a few microseconds). Otherwise
  rdflib parses it and the parse tree is searched for a ``ServiceGraphPattern``.
  A text that mentions "service" and that the parser cannot read is
  ``Unreadable``: the caller refuses it rather than guess.
- ``nesting_depth``: how deeply brackets nest outside strings, IRIs and comments.
  The engine parses and evaluates recursively and overflows its stack (killing
  the process) somewhere past 2 000 nested groups; a limit well below that is
  checked here, before the engine sees the text.
- ``names_dataset``: does a query have its own FROM / FROM NAMED clauses? Only
  then is the engine not told to use the union default graph.
"""

from __future__ import annotations

import functools
import re
import threading

from claimgraph.graph.rdf.namespaces import PREFIXES

MAX_NESTING = 500  # brackets deep; the engine crashed at 2 000-3 000 on an 8 MB stack

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


# rdflib's SPARQL grammar is one pyparsing object per module, with state of its own while it
# parses: two threads parsing at once make each other fail ("Expected SelectQuery, found
# 'ORDER'"). The server parses only texts that mention SERVICE or FROM, so one at a time.
_RDFLIB = threading.Lock()


class Unreadable(ValueError):
    """The parser could not read a text it had to read to decide."""


def decode_escapes(text: str) -> str:
    """The text with every ``\\uXXXX`` / ``\\UXXXXXXXX`` replaced by its character
    (SPARQL 1.1 section 19.2: done on the whole text, before any other parsing)."""
    if "\\" not in text:
        return text

    def character(match: re.Match) -> str:
        code = int(match[1] or match[2], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _ESCAPE.sub(character, text)


def mentions(text: str, word: str) -> bool:
    """Whether ``word`` (lower case) appears in the text in any case or spelling:
    as written, or once its escapes are decoded. Case folding is wider than
    SPARQL's ASCII-only keyword matching, so this never misses a keyword."""
    return word in text.casefold() or word in decode_escapes(text).casefold()


def parse(text: str, *, update: bool):
    """rdflib's parse tree of a query (``update=False``) or an update, fresh each time
    (rdflib's translation changes the tree it is given); ``Unreadable`` when rdflib
    cannot read it (its grammar, its recursion limit)."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    # SPARQL ends a comment at CR as at LF (spec 19.4, EOL); rdflib's grammar only at LF,
    # so "# …\rSERVICE <…> {…}\n" was a comment to rdflib and a SERVICE call to the engine.
    # Elsewhere a CR is whitespace, or (in a long literal) text this check does not read.
    text = text.replace("\r", "\n")
    try:
        with _RDFLIB:
            return parseUpdate(text) if update else parseQuery(text)
    except RecursionError:
        raise Unreadable("the text nests too deeply for the SPARQL parser") from None
    except Exception as exc:  # noqa: BLE001 - pyparsing's errors, ValueError from escapes
        raise Unreadable(str(exc).splitlines()[0][:300]) from None


@functools.lru_cache(maxsize=16)
def translated_update(text: str, base_iri: str | None = None):
    """rdflib's algebra of an update, made once per text: the SERVICE check and
    ``graph.writes`` (which graphs an update writes) both read it, and must not change it.
    ``Unreadable`` when rdflib cannot parse or translate it."""
    from rdflib.plugins.sparql.algebra import translateUpdate

    tree = parse(text, update=True)
    try:
        with _RDFLIB:
            return translateUpdate(tree, base=base_iri, initNs=PREFIXES)
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions (unknown prefix, …)
        raise Unreadable(str(exc).splitlines()[0][:300]) from None


@functools.lru_cache(maxsize=512)
def uses_service(text: str, *, update: bool = False, base_iri: str | None = None) -> bool:
    """True when the query (or update) holds a SERVICE clause; ``Unreadable`` when it
    mentions "service" and the parser cannot tell."""
    if not mentions(text, "service"):
        return False
    if update:
        return _contains(translated_update(text, base_iri).algebra, "ServiceGraphPattern")
    return _contains(parse(text, update=False), "ServiceGraphPattern")


@functools.lru_cache(maxsize=512)  # rdflib takes ~10 ms a parse; endpoints see the same texts again
def names_dataset(text: str) -> bool:
    """True when a query has FROM or FROM NAMED clauses (False when it cannot be read:
    the engine will then report the syntax error itself)."""
    if not mentions(text, "from"):
        return False
    try:
        tree = parse(text, update=False)
    except Unreadable:
        return False
    return _contains(tree, "DatasetClause")


def _contains(node, name: str) -> bool:
    """Whether a CompValue called ``name`` is anywhere in rdflib's parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == name:
                return True
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, ParseResults)):
            stack.extend(item)
    return False


# Strings (long and short), IRIs and comments, where brackets are not brackets.
# Only used to count nesting: an error here gives a 400 for an absurd query or lets
# the worker crash (it is replaced), never a wrong answer.
_NOT_BRACKETS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                           r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*')
_BRACKET = re.compile(r"[{}()\[\]]")
_OPEN = frozenset("{([")


def nesting_depth(text: str, limit: int | None = None) -> int:
    """The deepest bracket nesting ({, ( and [ together); counting stops past ``limit``."""
    depth = deepest = 0
    limit = len(text) if limit is None else limit
    for match in _BRACKET.finditer(_NOT_BRACKETS.sub(" ", text)):
        if match[0] in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth = max(0, depth - 1)
    return deepest


def too_deep(text: str, limit: int = MAX_NESTING) -> str | None:
    """A message for a text nesting brackets deeper than ``limit``, else None."""
    text = decode_escapes(text)
    if text.count("{") + text.count("(") + text.count("[") <= limit:
        return None  # nearly every query: no need to look further
    if nesting_depth(text, limit) <= limit:
        return None
    return (f"the query nests brackets more than {limit} deep; the engine cannot evaluate "
            "groups or expressions that deep (rewrite the nesting, e.g. as a sequence of patterns)")


# -- syntax errors people can read ----------------------------------------------------
_POSITION = re.compile(r"error at (\d+):(\d+):?\s*")
# A character class in the engine's list of what it expected: ['A' ..= 'Z' | '\u{00C0}'..]
_CHARACTER_CLASS = re.compile(r"\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]")
_UNKNOWN_PREFIX = re.compile(r"Unknown namespace prefix : (\S+)")


def explain_syntax_error(message: str, text: str, *, update: bool = False,
                         prefixes: dict[str, str] | None = None) -> tuple[dict | None, str]:
    """({"line", "column"} or None, a short message) for the engine's syntax error.

    pyoxigraph lists every character class it would have taken (600 characters of
    Unicode ranges); those are left out. "Prefix not found" becomes "prefix foo: is not
    declared", the prefix named by rdflib's translation of the text, with the PREFIX line
    of a known vocabulary spelled alike (``prefixes``: what the server declares anyway)."""
    match = _POSITION.search(message)
    position = {"line": int(match[1]), "column": int(match[2])} if match else None
    detail = message[match.end():] if match else message
    if "Prefix not found" in detail:
        prefix = _undeclared_prefix(text, update, prefixes or {})
        if prefix is not None:
            return position, _prefix_message(prefix, prefixes or {})
        detail = "a prefix used here is not declared"
    elif detail.startswith("expected one of "):
        items = [item.strip() for item in _CHARACTER_CLASS.sub("", detail[len("expected one of "):]).split(", ")]
        kept = [item for item in items if item]
        if len(kept) < len(items):
            kept.append("a name, number or other term")
        detail = "expected one of " + ", ".join(kept)
    if len(detail) > 300:
        detail = detail[:300] + " …"
    return position, detail.strip()


def _undeclared_prefix(text: str, update: bool, prefixes: dict[str, str]) -> str | None:
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate

    try:
        tree = parse(text, update=update)
        # Read before translating: the translation rewrites the tree's prefixed names in place.
        used, declared = _prefixes_in(tree)
        with _RDFLIB:
            (translateUpdate if update else translateQuery)(tree, initNs=prefixes)
    except Unreadable:
        return None
    except Exception as exc:  # noqa: BLE001 - rdflib raises a bare Exception for this
        found = _UNKNOWN_PREFIX.search(str(exc))
        return found[1] if found else None
    # rdflib knows some prefixes (dc:, foaf: …) the engine does not: the parsed tree's
    # prefixed names that neither the text nor the server declares.
    return next((prefix for prefix in used if prefix not in declared and prefix not in prefixes), None)


def _prefixes_in(tree) -> tuple[list[str], set[str]]:
    """(prefixes of the prefixed names in use, in order; prefixes the text declares)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    used: list[str] = []
    declared: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, CompValue):
            prefix = node["prefix"] if "prefix" in node else ""
            if node.name == "pname" and prefix not in used:
                used.append(prefix)
            elif node.name == "PrefixDecl":
                declared.add(prefix)
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple, ParseResults)):
            for value in node:
                walk(value)

    walk(tree)
    return used, declared


def _prefix_message(prefix: str, prefixes: dict[str, str]) -> str:
    import difflib

    message = f"prefix {prefix}: is not declared"
    known = difflib.get_close_matches(prefix.lower(), list(prefixes), n=1, cutoff=0.6)
    if known:
        name = known[0]
        message += f"; did you mean {name}: (PREFIX {name}: <{prefixes[name]}>)?"
    else:
        message += f"; add PREFIX {prefix}: <…> before the query"
    return message
