"""Every real-world bibliographic and label file in ../shared loads alone with nothing lost silently
(issue 17's measure; figures and the command in bench/realworld.py)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_real_world_files_no_traceback_no_silent_loss_no_wrong_field(shared):
    sys.path.insert(0, str(REPO))
    from bench.realworld import GROUPS, check_file

    files = sorted(p for g in GROUPS for p in (shared / "data/real-world" / g).glob("*") if p.is_file())
    assert len(files) >= 18
    for path in files:
        report = check_file(Path(path))
        assert not report["hang"] and not report["tracebacks"], report
        assert not report.get("lost_silently"), report
        assert not report["wrong"], report
