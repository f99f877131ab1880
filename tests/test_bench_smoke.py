"""The benchmark's correctness gate on a tiny corpus: every query of the mix gives the
same rows on claimgraph's HTTP endpoint, raw pyoxigraph, rdflib and, when it is installed,
Virtuoso (no timings)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gate_passes_on_thirty_articles(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.run", str(tmp_path), "--articles", "30", "--gate-only",
                          "--virtuoso"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "results-30.json").read_text())
    assert "gate_failure" not in report
    assert {row["query"] for row in report["gate"]} >= {
        "claim-evidence", "pair-evidence", "uncited-claims-count", "uncited-claims-page",
        "sources-by-citations", "claim-text-contains", "page-claims"}
    assert all(row["rows"] > 0 for row in report["gate"])  # the parameters hit data
    loads = {load["peer"]: load for load in report["loads"]}
    assert loads["claimgraph"]["quads"] == loads["oxigraph"]["quads"] > 0
    if shutil.which("virtuoso-t"):
        assert loads["virtuoso"]["quads"] == loads["claimgraph"]["quads"]


def test_corpus_is_nested_and_deterministic(tmp_path):
    sys.path.insert(0, str(REPO))
    from bench import corpus

    small = corpus.generate(tmp_path / "a", 3, seed=3)
    large = corpus.generate(tmp_path / "b", 5, seed=3)
    assert [p.read_text() for p in small] == [p.read_text() for p in large[:3]]
    assert large[0].suffix == ".txt" and large[1].suffix == ".md"
