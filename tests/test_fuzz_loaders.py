"""Fuzzing every loader in ``claimgraph.loaders.FORMAT_MODULES`` with hostile and broken input.

Each case ends in a clean result or a ``LoaderError`` naming the file -- never
another exception, a hang (each case has a time limit, enforced by killing the
child process that runs it) or runaway memory (large-file cases measure the
peak resident memory of a fresh child). Loaders added to FORMAT_MODULES are
fuzzed without changes here. The counts of what was tried are printed at the
end of the run (see ``reliability_report``) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import codecs
import importlib
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loader_sandbox import CLEAN, LOADER_ERROR, LoaderSandbox, fresh_run
from reliability_report import reliability  # noqa: F401 - fixture

from claimgraph.loaders import FORMAT_MODULES
from claimgraph.loaders.textio import MAX_FILE_BYTES

from conftest import DATA, SEED, SHARED


def _available_formats() -> list[str]:
    names = []
    for module_name in FORMAT_MODULES:
        try:
            names.append(importlib.import_module(f"claimgraph.loaders.{module_name}").FORMAT)
        except ModuleNotFoundError:  # listed while its author is still writing it
            continue
    return names


FORMATS = _available_formats()
REAL_FILES = sorted(p for p in list((SHARED / "data").rglob("*")) + list(DATA.glob("*")) if p.is_file())
FUZZ_SETTINGS = settings(deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def sandbox():
    box = LoaderSandbox()
    yield box
    box.close()


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture
def check(sandbox, case_dir, reliability):  # noqa: F811 - the imported fixture
    """Write ``data`` to a file, read it in the sandbox, record and judge the outcome."""
    counter = iter(range(10**9))

    def _check(kind: str, data: bytes, *, suffix: str = ".txt", format: str | None = None,
               timeout: float = 10.0, want_text: bool = False):
        path = case_dir / f"{kind}-{next(counter)}{suffix}"
        path.write_bytes(data)
        outcome = sandbox.run(path, format=format, timeout=timeout, want_text=want_text)
        reliability.add(kind, outcome.kind)
        assert outcome.kind in (CLEAN, LOADER_ERROR), \
            f"{kind} ({path.name}, format {format or 'detected'}): {outcome.kind}: {outcome.detail}"
        path.unlink()
        return outcome

    return _check


def _real(name: str) -> bytes:
    return next(p for p in REAL_FILES if p.name == name).read_bytes()


# -- random input ------------------------------------------------------------------------

@FUZZ_SETTINGS
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".txt", ".html", ".md", ".xml", ".jsonl", ""]))
def test_random_bytes(check, data, suffix):
    check("random-bytes", data, suffix=suffix)


@FUZZ_SETTINGS
@given(text=st.text(max_size=3000), format=st.sampled_from(FORMATS))
def test_random_text_in_every_format(check, text, format):
    check("random-text", text.encode("utf-8", "surrogatepass"), format=format)


# Pieces that loaders treat specially, spliced into real files at random places.
_TOKENS = [" 999.", " 0.", " 1, 1, 1.", " 00.", "[999]", "[0]", "[1-999]", "[99999999999]", "[^1]",
           "<sup>999</sup>", "<sup>1-3000</sup>", '<a href="#ref-999">999</a>', "\n\nReferences\n\n",
           "\n1. First entry\n1. Duplicate number\n", "\n\nFrom the Research\n\n", "\n\nFrom the Guidelines\n\n",
           "\n# \n", "\n## \n", "\n\n\n\n", "\ufeff", "\u202e", "\u0000", "e\u0301", "\ud83d\udc89", "&amp;",
           "&#0;", "&#x110000;", "<![CDATA[", "]]>", "<!--", "-->", "<", ">", '"', "{", "}", "[", "]",
           "\r", "\r\n", "\t", "Last updated: February 30, 2025", "•", "  • ", "x" * 5000]


@st.composite
def mutated_real_file(draw):
    path = draw(st.sampled_from(REAL_FILES))
    text = path.read_bytes().decode("utf-8", "replace")
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 8))):
        op = rng.choice(["insert", "delete", "duplicate", "truncate"])
        at = rng.randrange(len(text) + 1)
        if op == "insert":
            text = text[:at] + rng.choice(_TOKENS) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + rng.randrange(1, 400):]
        elif op == "duplicate":
            text = text[:at] + text[at:at + rng.randrange(1, 400)] * rng.randrange(2, 6) + text[at:]
        else:
            text = text[:at]
    return path.suffix, text.encode("utf-8", "surrogatepass")


@settings(FUZZ_SETTINGS, max_examples=150)
@given(case=mutated_real_file(), format=st.none() | st.sampled_from(FORMATS))
def test_mutated_real_files(check, case, format):
    suffix, data = case
    check("mutated-real-file", data, suffix=suffix, format=format)


# JSON values of every shape, for type confusion in JSON Lines rows.
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                  max_size=4),
                     max_leaves=12)


def _json_paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _json_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _json_paths(child, prefix + (index,))


@settings(FUZZ_SETTINGS, max_examples=80)
@given(data=st.data())
def test_json_rows_with_wrong_types(check, data):
    line = _real("expertqa_domain_test_medicine.jsonl").decode().split("\n", 1)[0]
    row = json.loads(line)
    paths = [p for p in _json_paths(row) if p]
    target = data.draw(st.sampled_from(paths))
    replacement = data.draw(_JSON)
    node = row
    for key in target[:-1]:
        node = node[key]
    node[target[-1]] = replacement
    check("json-wrong-types", (json.dumps(row) + "\n" + line + "\n").encode(), suffix=".jsonl")


# -- real files, broken ------------------------------------------------------------------

@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_truncated_real_files(check, path):
    data = path.read_bytes()
    cuts = sorted({1, 2, 3, len(data) // 2, len(data) - 1} | set(random.Random(path.name).sample(
        range(1, max(len(data), 2)), min(15, len(data) - 1))))
    for cut in cuts:
        check("truncated-real-file", data[:cut], suffix=path.suffix)


_ENCODINGS = {
    "utf-16-with-bom": lambda t: t.encode("utf-16"),
    "utf-16-le-no-bom": lambda t: t.encode("utf-16-le"),
    "utf-16-be-no-bom": lambda t: t.encode("utf-16-be"),
    "utf-32-with-bom": lambda t: t.encode("utf-32"),
    "latin-1": lambda t: ("Café µg/kg — " + t).encode("latin-1", "replace"),
    "cp1252": lambda t: ("“quoted” – " + t).encode("cp1252", "replace"),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode(),
    "utf-8-double-bom": lambda t: codecs.BOM_UTF8 * 2 + t.encode(),
    "bom-in-the-middle": lambda t: t[: len(t) // 2].encode() + codecs.BOM_UTF8 + t[len(t) // 2:].encode(),
    "utf-16-bom-then-utf-8": lambda t: codecs.BOM_UTF16_LE + t.encode(),
    "utf-16-odd-length": lambda t: t.encode("utf-16")[:-1],
}


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_wrong_encodings(check, encoding):
    for path in REAL_FILES:
        if path.suffix in (".csv",) or path.stat().st_size > 100_000:
            continue
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:  # already in another encoding (shared/data/real-world has GBK BibTeX)
            continue
        check(f"encoding:{encoding}", _ENCODINGS[encoding](text), suffix=path.suffix)


# -- size and shape ----------------------------------------------------------------------

def _seed_parts() -> tuple[str, str]:
    title, body = SEED.read_text().split("\n", 1)
    return title, body


@pytest.mark.parametrize("shape", ["one-long-line", "long-title", "long-marker-run", "long-word",
                                   "many-blank-lines", "long-bracket-run", "one-long-paragraph-html"])
def test_enormous_lines(check, shape):
    title, body = _seed_parts()
    # Marker runs are kept to ~200 KB: each marker becomes ~10 quads, so a 1 MB run
    # (300 000 markers in one claim) takes a minute to store (docs/reliability.md).
    size = 1_000_000
    data, suffix = {
        "one-long-line": lambda: (title + "\n" + body.replace("\n", " ") * (size // len(body)), ".txt"),
        "long-title": lambda: ("Why " * (size // 4) + "?\n\n" + body, ".txt"),
        "long-marker-run": lambda: (title + "\n\nFrom the Research\n\nMuscle weakness is common "
                                    + ", ".join(str(n % 999 + 1) for n in range(size // 25)) + ".\n", ".txt"),
        "long-word": lambda: (title + "\n\n" + "a" * size + " 1.\n", ".txt"),
        "many-blank-lines": lambda: (title + "\n" * size + body, ".txt"),
        "long-bracket-run": lambda: ("# " + title + "\n\n## From the Research\n\nWeakness is common "
                                     + "[1]" * (size // 15) + ".\n", ".md"),
        "one-long-paragraph-html": lambda: ("<html><body><h1>" + title + "</h1><p>"
                                            + body.replace("\n", " ") * (size // len(body))
                                            + "</p></body></html>", ".html"),
    }[shape]()
    check(f"enormous-line:{shape}", data.encode(), suffix=suffix, timeout=60)


def _large_article(size: int) -> bytes:
    title, body = _seed_parts()
    return (title + "\n" + body * (size // len(body) + 1)).encode()[:size]


def _large_file_case(tmp_path, reliability, size: int, timeout: float):  # noqa: F811
    path = tmp_path / f"large-{size // 1_000_000}mb.txt"
    path.write_bytes(_large_article(size))
    outcome = fresh_run(path, timeout=timeout)
    grown = outcome.peak_rss_mb - outcome.baseline_rss_mb
    kind = f"large-file-{size // 1_000_000}mb"
    reliability.add(kind, outcome.kind)
    reliability.note(f"{kind}: {outcome.kind} in {outcome.seconds:.1f} s, peak memory +{grown:.0f} MB "
                     f"over the loader's {outcome.baseline_rss_mb:.0f} MB baseline")
    assert outcome.kind in (CLEAN, LOADER_ERROR), outcome.detail
    # Memory proportional to the file, with a bounded factor: 5 MB may cost at most ~150 MB.
    assert grown < 30 * size / 1e6 + 64, f"{grown:.0f} MB for a {size / 1e6:.0f} MB file"


def test_large_file_5mb(tmp_path, reliability):  # noqa: F811
    _large_file_case(tmp_path, reliability, 5_000_000, timeout=60)


@pytest.mark.slow
def test_large_file_50mb(tmp_path, reliability):  # noqa: F811
    _large_file_case(tmp_path, reliability, 50_000_000, timeout=600)


def test_file_over_the_size_limit_is_refused_unread(tmp_path, reliability):  # noqa: F811
    from claimgraph.loaders import read_file

    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_FILE_BYTES + 1)
    result = read_file(path)
    reliability.add("over-size-limit", LOADER_ERROR if result.errors else CLEAN)
    assert result.errors and "limit" in str(result.errors[0]) and str(path) in str(result.errors[0])


_NESTED = {
    "divs-100k": ("<html><body><h1>Is it deep?</h1>" + "<div>" * 100_000 + "<p>Weakness occurs 1.</p>"
                  + "</div>" * 100_000 + "</body></html>", ".html"),
    "unclosed-lists-50k": ("<html><body><h1>Is it deep?</h1>" + "<ul><li>Weakness occurs 1." * 50_000, ".html"),
    "nested-sup-20k": ("<html><body><h1>Is it deep?</h1><p>Weakness" + "<sup>" * 20_000 + "1"
                       + "</sup>" * 20_000 + ".</p></body></html>", ".html"),
    "tables-20k": ("<html><body><h1>Is it deep?</h1>" + "<table><tr><td>" * 20_000 + "Weakness 1.", ".html"),
    "comments-and-cdata": ("<html><body><h1>Deep?</h1>" + "<!--" * 10_000 + "<![CDATA[" * 10_000, ".html"),
    "markdown-quotes-50k": ("# Is it deep?\n\n" + ">" * 50_000 + " Weakness occurs [1].\n", ".md"),
    "markdown-lists-2k": ("# Is it deep?\n\n" + "".join("  " * i + "- item [1]\n" for i in range(2_000)), ".md"),
    "json-arrays-100k": ("[" * 100_000 + "]" * 100_000 + "\n", ".jsonl"),
    "json-objects-50k": ('{"a":' * 50_000 + "1" + "}" * 50_000 + "\n", ".jsonl"),
    "xml-elements-100k": ('<?xml version="1.0"?><PubmedArticleSet>' + "<PubmedArticle>" * 100_000
                          + "</PubmedArticle>" * 100_000 + "</PubmedArticleSet>", ".xml"),
}


@pytest.mark.parametrize("name", sorted(_NESTED))
def test_deeply_nested_input(check, name):
    text, suffix = _NESTED[name]
    check(f"deeply-nested:{name}", text.encode(), suffix=suffix, timeout=30)
    for format in FORMATS:
        check(f"deeply-nested:{name}", text.encode(), suffix=suffix, format=format, timeout=30)


# -- XML entity attacks --------------------------------------------------------------------

_LAUGHS = ('<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                     for i in range(1, 10)))
_SHELLS = {  # where an entity lands in each XML input the project reads
    "pubmed": ('<!DOCTYPE PubmedArticleSet [{dtd}]><PubmedArticleSet><PubmedArticle><MedlineCitation>'
               '<PMID Version="1">1</PMID><Article><ArticleTitle>{ref}</ArticleTitle><Abstract><AbstractText>'
               '{ref}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>'),
    "spl": ('<!DOCTYPE document [{dtd}]><document xmlns="urn:hl7-org:v3"><setId root="c6e131fe-e7df-4876-83f7-'
            '9156fc4e8228"/><title>{ref}</title><component><structuredBody><component><section><title>{ref}'
            '</title><text><paragraph>{ref}</paragraph></text></section></component></structuredBody>'
            '</component></document>'),
    "html": '<!DOCTYPE html [{dtd}]><html><body><h1>{ref}?</h1><p>{ref} causes weakness 1.</p></body></html>',
}


def _entity_cases(secret_path):
    uri = secret_path.as_uri()
    return {
        "billion-laughs": (_LAUGHS, "&lol9;"),
        "quadratic-blowup": ('<!ENTITY big "' + "x" * 100_000 + '">', "&big;" * 2_000),
        "xxe-system-file": (f'<!ENTITY xxe SYSTEM "{uri}">', "&xxe;"),
        "xxe-parameter-entity": (f'<!ENTITY % p SYSTEM "{uri}"> %p;', "&xxe;"),
        "xxe-external-dtd": ("", "&xxe;"),  # the DOCTYPE names an external DTD below
        "xinclude": ("", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{uri}" parse="text"/>'),
    }


@pytest.mark.parametrize("attack", ["billion-laughs", "quadratic-blowup", "xxe-system-file", "xxe-parameter-entity",
                                    "xxe-external-dtd", "xinclude"])
@pytest.mark.parametrize("shell", sorted(_SHELLS))
def test_xml_entity_attacks(check, tmp_path, attack, shell):
    secret = tmp_path / "secret.txt"
    token = "SECRET-TOKEN-7f3a9c"
    secret.write_text(token + "\n")
    dtd_file = tmp_path / "evil.dtd"
    dtd_file.write_text(f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">')
    dtd, ref = _entity_cases(secret)[attack]
    document = '<?xml version="1.0"?>' + _SHELLS[shell].format(dtd=dtd, ref=ref)
    if attack == "xxe-external-dtd":
        root = document.split("<!DOCTYPE ", 1)[1].split(" ", 1)[0]
        document = document.replace(f"<!DOCTYPE {root} []>", f'<!DOCTYPE {root} SYSTEM "{dtd_file.as_uri()}">')
    suffix = ".html" if shell == "html" else ".xml"
    for format in [None] + FORMATS:
        outcome = check(f"xml:{attack}", document.encode(), suffix=suffix, format=format, want_text=True)
        assert token not in outcome.record_text, f"{attack} read a local file into a record ({format})"
        assert "lol" * 1000 not in outcome.record_text, f"{attack} expanded entities ({format})"


# -- markers, sections, references -----------------------------------------------------------

_TITLE = "What is the diagnosis and treatment for muscular necrosis (myopathy)?"
_ARTICLE_SHAPES = {
    "marker-999": f"{_TITLE}\n\nFrom the Research\n\nMuscle weakness is the first sign 999.\n",
    "marker-0": f"{_TITLE}\n\nFrom the Research\n\nMuscle weakness is the first sign 0.\n",
    "markers-only": f"{_TITLE}\n\nFrom the Research\n\n1, 2, 3.\n\n4.\n",
    "empty-sections": f"{_TITLE}\n\nFrom the Guidelines\n\nFrom the FDA Drug Label\n\nFrom the Research\n",
    "title-only": f"{_TITLE}\n",
    "duplicate-references": (f"{_TITLE}\n\nFrom the Research\n\nWeakness is common 1. Pain is common 2.\n\n"
                             "References\n\n1. Smith J. A study. 2020.\n1. Jones K. Another. 2021.\n"
                             "2. Lee M. Third. 2019.\n2. Lee M. Third. 2019.\n"),
    "references-without-claims": f"{_TITLE}\n\nReferences\n\n1. Smith J. A study. 2020.\n",
    "md-marker-999": f"# {_TITLE}\n\n## From the Research\n\nWeakness is common [999].\n",
    "md-empty-sections": f"# {_TITLE}\n\n## From the Guidelines\n\n## From the Research\n\n### \n\n## References\n",
    "md-duplicate-references": (f"# {_TITLE}\n\n## From the Research\n\nWeakness is common [1]. Pain [2].\n\n"
                                "## References\n\n1. Smith J. 2020.\n1. Jones K. 2021.\n[2]: Lee M. 2019.\n"
                                "[2]: Lee M. 2019.\n"),
    "md-marker-never-listed": f"# {_TITLE}\n\n## From the Research\n\nWeakness [7].\n\n## References\n\n1. A.\n",
    "html-marker-999": (f"<html><body><h1>{_TITLE}</h1><h2>From the Research</h2><p>Weakness is common"
                        "<sup>999</sup>.</p></body></html>"),
    "html-empty-sections": f"<html><body><h1>{_TITLE}</h1><h2></h2><h2>From the Research</h2><h3></h3></body></html>",
    "html-duplicate-references": (f"<html><body><h1>{_TITLE}</h1><h2>From the Research</h2><p>Weakness<sup>1"
                                  "</sup>.</p><h2>References</h2><ol><li>Smith J. 2020.</li></ol><ol><li>Jones"
                                  " K. 2021.</li></ol><ol start=\"1\"><li>Again.</li></ol></body></html>"),
    "html-no-title": "<html><body><p>Weakness is common<sup>1</sup>.</p></body></html>",
}


@pytest.mark.parametrize("shape", sorted(_ARTICLE_SHAPES))
def test_marker_and_section_edge_cases(check, shape):
    text = _ARTICLE_SHAPES[shape]
    suffix = ".md" if shape.startswith("md-") else ".html" if shape.startswith("html-") else ".txt"
    check(f"article-shape:{shape}", text.encode(), suffix=suffix)
    for format in FORMATS:
        check(f"article-shape:{shape}", text.encode(), suffix=suffix, format=format)
