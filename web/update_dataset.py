"""The protocol's ``using-graph-uri`` / ``using-named-graph-uri`` for SPARQL Update.

pyoxigraph's ``Store.update`` takes no dataset, so the parameters become
``USING <iri>`` / ``USING NAMED <iri>`` clauses in front of the ``WHERE`` of
every DELETE/INSERT operation, which is what the protocol says they mean. The
text is scanned token by token (IRIs, strings and comments skipped, braces
counted), never edited by pattern; the IRIs were checked by ``NamedNode`` and
so cannot close the ``<…>`` they are written in. The protocol forbids the
parameters together with USING or WITH in the request: that is a
``DatasetConflict``.
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode


class DatasetConflict(ValueError):
    pass


_TOKEN = re.compile(r'''
    (?P<skip> \#[^\n]*                       # comment
      | """(?:[^"\\]|\\.|"(?!""))*"""        # long strings
      | '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
      | "(?:[^"\\\n]|\\.)*"                  # short strings
      | '(?:[^'\\\n]|\\.)*'
      | <[^<>"{}|^`\\\s]*>                   # IRIs
      | [?$][\w]+ )                          # variables
    | (?P<open>\{) | (?P<close>\}) | (?P<word>[A-Za-z_][\w.-]*:?[\w.-]*)
    ''', re.VERBOSE)


def _top_level_words(text: str):
    """(keyword in upper case, offset) of every word outside braces."""
    depth = 0
    for match in _TOKEN.finditer(text):
        if match["open"]:
            depth += 1
        elif match["close"]:
            depth -= 1
        elif match["word"] and depth == 0:
            yield match["word"].upper(), match.start()


def apply_using(text: str, using: tuple[str, ...] | list[str], using_named: tuple[str, ...] | list[str]) -> str:
    """``text`` with the protocol dataset written in as USING clauses."""
    if not using and not using_named:
        return text
    words = list(_top_level_words(text))
    if any(word in ("USING", "WITH") for word, _ in words):
        raise DatasetConflict("using-graph-uri / using-named-graph-uri cannot be combined with "
                              "USING or WITH in the update itself")
    clause = "".join(f"USING <{NamedNode(iri).value}> " for iri in using)
    clause += "".join(f"USING NAMED <{NamedNode(iri).value}> " for iri in using_named)
    insert_at = [offset for index, (word, offset) in enumerate(words)
                 if word == "WHERE" and (index == 0 or words[index - 1][0] != "DELETE")]
    for offset in reversed(insert_at):
        text = text[:offset] + clause + text[offset:]
    return text
