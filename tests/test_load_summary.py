"""The per-file load summary says "N of M records stored" (issue 17, rule for every loader)."""

from __future__ import annotations

import json
import subprocess
import sys


def run(store, *args):
    return subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(store), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_summary_counts_records_and_an_error_file_says_what_it_stored(tmp_path):
    ris = tmp_path / "mixed.ris"
    ris.write_text("TY  - JOUR\nTI  - A good record\nDO  - 10.1000/good.1\nER  - \n\n"
                   "TI  - A record without a type\nER  - \n\n"
                   "TY  - JOUR\nTI  - Another good one\nDO  - 10.1000/good.2\nER  - \n", encoding="utf-8")
    good = tmp_path / "good.ris"
    good.write_text("TY  - JOUR\nTI  - Alone\nDO  - 10.1000/alone\nER  - \n", encoding="utf-8")
    proc = run(tmp_path / "store", "load", ris, good)
    assert proc.returncode == 1
    assert (f"{ris} [ris] ERROR: 2 of 3 records stored; 1 refused, each named below; "
            "the stored records are kept") in proc.stdout
    assert f"{good} [ris] ok: 1 of 1 records stored" in proc.stdout
    assert f"{ris}: record at line 6: RIS record has no 'TY  - ' (type) line" in proc.stderr
    as_json = json.loads(run(tmp_path / "store", "load", "--json", good).stdout)
    assert as_json[0]["records"] == 1 and as_json[0]["sources"] == 1
