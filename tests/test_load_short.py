"""The CI variant of the load test (bench/loadtest.py): 8 reading clients for 8 s against
`claimgraph serve` on 127.0.0.1, with loads through POST /load running and one runaway
query. No timing assertions: zero unexpected errors, and the runaway query timed out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_short_load_run_has_no_errors_and_the_runaway_query_times_out(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.loadtest", str(tmp_path), "--clients", "8", "--duration", "8",
                          "--runaway-clients", "1", "--base-articles", "30", "--load-batch", "3"],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    result = json.loads((tmp_path / "loadtest.json").read_text())
    assert result["unexpected_errors"] == 0, {k: v["sample_errors"] for k, v in result["kinds"].items()}
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert result["runaway_sent"] >= 1 and result["runaway_timed_out"] == result["runaway_sent"]
    assert result["articles_loaded_during_run"] >= 3 and not result["loaded_articles_missing"]
    assert {"home", "article", "claim", "source", "search", "sparql", "export", "load"} <= set(result["kinds"])
