"""Marker -> source maps: `load --refs FILE ARTICLE` and the <article>.refs.yaml sidecar."""

from __future__ import annotations

import shutil
from pathlib import Path

import subprocess
import sys
from dataclasses import dataclass

REPO = Path(__file__).resolve().parents[1]
GUIDELINE = REPO / "examples/guidelines/asco-2021-irae.yaml"
QUERY = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX cito: <http://purl.org/spar/cito/>
SELECT ?claim ?level WHERE {
  ?claim cito:cites <https://w3id.org/claimgraph/id/source/doi/10.1200/jco.21.01440> ;
         cg:strongestEvidenceLevel ?level }"""

UNRESOLVED_FINDINGS = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a cg:Finding ; cg:findingCode "UNRESOLVED_SOURCE" }"""


@dataclass
class Run:
    exit_code: int
    output: str


def run(*args) -> Run:
    """One `claimgraph` run in its own process, as a user runs it (each opens and closes the store)."""
    done = subprocess.run([sys.executable, "-m", "claimgraph", *map(str, args)], capture_output=True,
                          text=True, timeout=60)
    return Run(done.returncode, done.stdout + done.stderr)


def test_sidecar_ties_the_seed_guideline_marker_to_the_asco_record(tmp_path, shared):
    article = tmp_path / "seed.txt"
    shutil.copy(shared / "data/seeds/myopathy-necrosis.txt", article)
    (tmp_path / "seed.refs.yaml").write_text(
        f'"1": {{record: {GUIDELINE}}}\n"7": {{doi: not-a-doi}}\n', encoding="utf-8")
    store = tmp_path / "store"
    result = run("--store", store, "load", str(tmp_path))  # the sidecar is not an input
    assert "markers mapped to sources: 1" in result.output
    assert "marker 7" in result.output and "not a DOI" in result.output  # one bad marker, reported alone
    query = run("--store", store, "query", QUERY, "--format", "csv")
    rows = query.output.strip().splitlines()[1:]
    assert rows and all(row.endswith("#GuidelineEvidence") for row in rows)


def test_refs_option_after_the_article_was_loaded_without_it(tmp_path, shared):
    refs = tmp_path / "map.yaml"
    refs.write_text(f'"1": {{record: {GUIDELINE}}}\n', encoding="utf-8")
    store = tmp_path / "store"
    seed = str(shared / "data/seeds/myopathy-necrosis.txt")
    assert run("--store", store, "load", seed).exit_code == 0
    result = run("--store", store, "load", "--refs", str(refs), seed)
    assert result.exit_code == 0, result.output
    query = run("--store", store, "query", QUERY, "--format", "csv")
    assert len(query.output.strip().splitlines()) > 1
    # derived data follows the mapping at once: source 1 is no longer an unresolved-source finding
    unresolved = run("--store", store, "query", UNRESOLVED_FINDINGS, "--format", "csv")
    assert unresolved.output.split() == ["n", "5"], unresolved.output
    two = run("--store", store, "load", "--refs", str(refs), seed, str(GUIDELINE))
    assert two.exit_code == 2 and "exactly one ARTICLE" in two.output
