"""What the article loaders make of real third-party files (issue 17): one row per file.

    python -m bench.real_world_text [FOLDER ...]   (default: the article folders of
                                                    ../shared/data/real-world)

Per file: format, records stored, claims, markers resolved / dangling, duplicate reference
labels, errors (tracebacks -- "internal error" -- counted apart), warnings, and for web pages
the share of the page's visible text that did not become block text ("chrome lost": menus,
cookie banners, reference lists, related links). With ``--validate`` the files are also loaded
into a throw-away store and checked against the SHACL shapes. Reads files only; no timings.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAIMGRAPH_SHARED", REPO.parent / "shared"))
FOLDERS = ["articles-html", "articles-md", "expertqa", "other"]


def _visible_text_chars(path: Path) -> int:
    import lxml.html

    parser = lxml.html.HTMLParser(remove_comments=True, no_network=True)
    document = lxml.html.parse(str(path), parser=parser).getroot()
    for element in document.xpath("//script|//style|//noscript|//template|//head"):
        element.drop_tree()
    return len(re.sub(r"\s+", "", document.text_content()))


def row(path: Path) -> dict:
    from claimgraph.loaders import read_file

    result = read_file(path)
    markers = dangling = duplicates = 0
    for article in result.articles:
        labels = Counter(ref.number for ref in article.references)
        duplicates += sum(count - 1 for count in labels.values())
        for claim in article.claims:
            for marker in claim.markers:
                markers += 1
                dangling += article.reference(marker.label) is None
    kept = sum(len(re.sub(r"\s+", "", block.text)) for article in result.articles for block in article.blocks)
    lost = None
    if result.format == "html":
        page = _visible_text_chars(path)
        lost = 1 - kept / page if page else None
    return {"file": f"{path.parent.name}/{path.name}", "format": result.format or "-",
            "records": len(result.articles) + len(result.sources),
            "claims": sum(len(article.claims) for article in result.articles),
            "markers": markers, "resolved": markers - dangling, "dangling": dangling,
            "duplicates": duplicates,
            "tracebacks": sum("internal error" in error.message for error in result.errors),
            "errors": len(result.errors), "warnings": len(result.warnings), "chrome_lost": lost,
            "first_error": result.errors[0].message[:90] if result.errors else ""}


def validate(paths: list[Path]) -> str:
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.store import ClaimStore
    from claimgraph.graph.rdf.validation import validate_store
    from claimgraph.loaders import read_file
    from claimgraph.loaders.mentions import Vocabulary

    with tempfile.TemporaryDirectory() as folder:
        store = ClaimStore(Path(folder) / "store")
        store.ensure_static_graphs()
        vocabulary = Vocabulary.default()
        for path in paths:
            ingest(store, read_file(path, vocabulary))
        report = validate_store(store)
        return "conforms" if report.conforms else report.text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--validate", action="store_true", help="load into a throw-away store and validate")
    args = parser.parse_args(argv)
    folders = args.folders or [SHARED / "data" / "real-world" / name for name in FOLDERS]
    paths = [path for folder in folders for path in sorted(folder.iterdir()) if path.is_file()]
    columns = ["file", "format", "records", "claims", "resolved", "dangling", "duplicates", "tracebacks",
               "errors", "warnings", "chrome_lost", "first_error"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for path in paths:
        values = row(path)
        values["chrome_lost"] = "-" if values["chrome_lost"] is None else f"{values['chrome_lost']:.0%}"
        print("| " + " | ".join(str(values[column]) for column in columns) + " |")
    if args.validate:
        print(f"\nvalidate: {validate(paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
