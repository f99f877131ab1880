"""Shared fixtures: real files from ../shared, a real on-disk store per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAIMGRAPH_SHARED", REPO.parent / "shared"))
DATA = Path(__file__).resolve().parent / "data"
SEED = SHARED / "data" / "seeds" / "myopathy-necrosis.txt"


from virtuoso_support import virtuoso  # noqa: E402,F401 - the session's Virtuoso, for every remote-store test


def pytest_report_header(config):
    return f"shared data: {SHARED} ({'found' if SHARED.is_dir() else 'MISSING'})"


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared test data not found at {SHARED}; set CLAIMGRAPH_SHARED")
    return SHARED


@pytest.fixture
def store(tmp_path):
    """An empty on-disk pyoxigraph store with the ontology and vocabulary loaded."""
    from claimgraph.graph.store import ClaimStore

    s = ClaimStore(tmp_path / "store")
    s.ensure_static_graphs()
    return s


@pytest.fixture(scope="session")
def vocabulary():
    from claimgraph.loaders.mentions import Vocabulary

    return Vocabulary.default()


@pytest.fixture
def load_paths(store, vocabulary):
    """Load files into ``store`` the way ``claimgraph load`` does; returns outcomes."""
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import iter_input_files, read_file

    def _load(*paths):
        return [ingest(store, read_file(p, vocabulary)) for p in iter_input_files(paths)]

    return _load


@pytest.fixture
def seed_store(store, load_paths):
    """The store with the seed article loaded."""
    outcomes = load_paths(SEED)
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return store
