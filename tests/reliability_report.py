"""What the fuzz and crash tests tried, printed at the end of the pytest run.

Tests ask for the ``reliability`` fixture (import it into the test module) and
record each case's kind and outcome, plus measured figures as notes; the report
is a plugin registered on first use, so it prints whether or not ``-s`` is given
and only when such tests ran.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest


class ReliabilityReport:
    def __init__(self):
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.notes: list[str] = []

    def add(self, kind: str, outcome: str) -> None:
        self.outcomes[kind][outcome] += 1

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lines(self) -> list[str]:
        names = sorted({name for counter in self.outcomes.values() for name in counter})
        total = sum(sum(c.values()) for c in self.outcomes.values())
        lines = [f"{total} cases in {len(self.outcomes)} kinds"]
        width = max([len(k) for k in self.outcomes] + [4])
        lines.append(f"{'kind':<{width}}  " + "  ".join(f"{n:>12}" for n in names))
        for kind in sorted(self.outcomes):
            counter = self.outcomes[kind]
            lines.append(f"{kind:<{width}}  " + "  ".join(f"{counter[n]:>12}" for n in names))
        totals = Counter()
        for counter in self.outcomes.values():
            totals.update(counter)
        lines.append(f"{'all':<{width}}  " + "  ".join(f"{totals[n]:>12}" for n in names))
        return lines + self.notes

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes and not self.notes:
            return
        terminalreporter.section("reliability: cases tried and outcomes")
        for line in self.lines():
            terminalreporter.write_line(line)


_PLUGIN_NAME = "claimgraph-reliability-report"


@pytest.fixture(scope="session")
def reliability(request) -> ReliabilityReport:
    manager = request.config.pluginmanager
    plugin = manager.get_plugin(_PLUGIN_NAME)
    if plugin is None:
        plugin = ReliabilityReport()
        manager.register(plugin, _PLUGIN_NAME)
    return plugin
