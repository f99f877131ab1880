"""`claimgraph export sources`: what reference managers read back is what was loaded."""

from __future__ import annotations

import json
from pathlib import Path

import rispy

from claimgraph.graph.exports.source_export import export_sources
from claimgraph.loaders import read_file

REPO = Path(__file__).resolve().parents[1]


def loaded_sources(shared):
    return [shared / "data/pubmed/pubmed7.xml", shared / "data/pubmed/pubmed2.xml",
            shared / "data/citation-formats/example_wos.ris",
            REPO / "examples/guidelines/asco-2021-irae.yaml",
            shared / "data/fda-labels/lipitor-atorvastatin.spl.xml"]


def expected(shared):
    """(title, doi) of every record loaded, as the loaders read them."""
    pairs = set()
    for path in loaded_sources(shared):
        for record in read_file(path).sources:
            pairs.add((record.source.title, record.source.identifiers.doi))
    return pairs


def test_ris_export_round_trips_titles_and_dois(store, load_paths, shared):
    load_paths(*loaded_sources(shared))
    entries = rispy.loads(export_sources(store, "ris"))
    got = {(e["title"], e.get("doi")) for e in entries}
    assert expected(shared) <= got
    guideline = next(e for e in entries if e.get("doi") == "10.1200/jco.21.01440")
    assert guideline["type_of_reference"] == "STAND" and guideline["authors"][0] == "Schneider BJ"


def test_bibtex_and_csl_exports_are_read_back_by_the_loaders(store, load_paths, shared, tmp_path):
    load_paths(*loaded_sources(shared))
    for fmt, name in (("bibtex", "out.bib"), ("csl-json", "out.json")):
        path = tmp_path / name
        path.write_text(export_sources(store, fmt), encoding="utf-8")
        result = read_file(path)
        assert result.ok, [str(e) for e in result.errors]
        got = {(r.source.title, r.source.identifiers.doi) for r in result.sources}
        assert expected(shared) <= got, fmt
        kinds = {r.source.identifiers.doi: r.source.kind for r in result.sources}
        assert kinds["10.1200/jco.21.01440"] == "guideline", fmt
    items = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert any(i.get("PMID") == "29963580" and i["volume"] == "5" for i in items)


def test_export_command_writes_a_file(tmp_path, shared):
    import subprocess
    import sys

    store = tmp_path / "store"
    run = lambda *args: subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), *args],  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    assert run("load", str(shared / "data/pubmed/pubmed7.xml")).returncode == 0
    out = tmp_path / "sources.ris"
    done = run("export", "sources", "--format", "ris", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert [e["doi"] for e in rispy.load(out) if e.get("doi")] == ["10.1117/1.jmi.5.2.026002"]
