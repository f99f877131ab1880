"""The full-text index: kept in step with every load, highlighted and escaped,
forgiving of query syntax, and in agreement with the store after a rebuild."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.graph import index
from claimgraph.graph.index import search
from claimgraph.graph.index import search_query
from claimgraph.web.search import highlighted
from claimgraph.graph.index import search_docs
from claimgraph.graph.index.derived import refresh_all

from conftest import SEED, SHARED

EXPERTQA = SHARED / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl"
INJECTION = '<script>alert("x")</script> and "><img src=x onerror=alert(1)>'


def test_index_file_sits_in_the_store_folder(seed_store):
    assert search.index_path(seed_store) == seed_store.path / "index.sqlite"
    assert search.index_path(seed_store).is_file()


def test_rituximab_finds_the_seed_claims_highlighted(seed_store):
    result = search_query.search(seed_store, "rituximab", {"type": "claim"})
    assert result.total == 2 and not result.fell_back
    for hit in result.hits:
        assert hit.type == "claim"
        assert "<mark>" in highlighted(hit.title) and "ituximab</mark>" in highlighted(hit.title)
        assert hit.context.startswith("What is the diagnosis and treatment")
    # Facets name the drug and the cited sources' kinds.
    drugs = {f.label: f.count for f in result.facets["drug"]}
    assert drugs["rituximab"] == 2
    assert {f.value for f in result.facets["kind"]} == {"study"}


def test_sources_and_concepts_are_found_by_their_names(seed_store):
    asco = search_query.search(seed_store, "ASCO")
    assert [h.type for h in asco.hits] == ["source"]
    assert asco.facets["kind"][0].value == "guideline"
    concept = search_query.search(seed_store, "rapamycin")  # an alternative label of sirolimus
    assert [h.title for h in concept.hits] == ["sirolimus"]


def test_facets_narrow_the_results(seed_store):
    everything = search_query.search(seed_store, "", {"type": "claim"}, per_page=100)
    uncited = search_query.search(seed_store, "", {"type": "claim", "cited": "uncited"}, per_page=100)
    guideline = search_query.search(seed_store, "", {"type": "claim", "kind": "guideline"})
    assert everything.total == 25
    assert 0 < uncited.total < everything.total
    assert 0 < guideline.total < everything.total
    assert all(f.selected for f in guideline.facets["kind"])


def test_paging(seed_store):
    first = search_query.search(seed_store, "", {"type": "claim"}, page=1, per_page=10)
    third = search_query.search(seed_store, "", {"type": "claim"}, page=3, per_page=10)
    assert first.pages == 3 and len(first.hits) == 10 and len(third.hits) == 5
    assert not {h.iri for h in first.hits} & {h.iri for h in third.hits}


@pytest.mark.parametrize("query", ['rituximab AND (', 'NEAR(', '"unbalanced', 'col:umn',
                                   "rituximab*)", "'; DROP TABLE docs; --"])
def test_bad_query_syntax_becomes_a_plain_word_search(seed_store, query):
    result = search_query.search(seed_store, query)
    assert result.fell_back
    assert result.effective_query.startswith('"')
    if "rituximab" in query:
        assert result.total >= 2
    assert search_query.search(seed_store, "rituximab").total == 3  # the index is intact


def test_injected_markup_is_escaped_in_titles_and_snippets(store, load_paths, tmp_path):
    text = SEED.read_text(encoding="utf-8").replace(
        "Rituximab may be considered", f"Rituximab {INJECTION} may be considered")
    page = tmp_path / "seed-injected.txt"
    page.write_text(text, encoding="utf-8")
    assert all(o.ok for o in load_paths(page))
    hit = search_query.search(store, "rituximab onerror", {"type": "claim"}).hits[0]
    for shown in (highlighted(hit.title), highlighted(hit.snippet)):
        assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in highlighted(hit.title)
    assert "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in highlighted(hit.title)


def test_match_markers_in_the_data_cannot_forge_markup(seed_store):
    assert highlighted("a \ue000<b>\ue001") == "a <mark>&lt;b&gt;</mark>"
    assert search_docs._clean("x\ue000y\ue001") == "xy"


def test_a_new_version_replaces_the_old_one_in_the_index(seed_store, load_paths, tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered",
                                                    "Ofatumumab may be considered")
    page = tmp_path / "seed-v2.txt"
    page.write_text(text, encoding="utf-8")
    outcome = load_paths(page)[0]
    assert outcome.articles[0].status == "new-version"
    new_version = outcome.articles[0].version
    claims = search_query.search(seed_store, "rituximab", {"type": "claim"})
    assert [h.iri.startswith(new_version + "/") for h in claims.hits] == [True]
    assert search_query.search(seed_store, "ofatumumab").total == 1
    sources = search_query.search(seed_store, "ASCO").hits
    assert len(sources) == 1
    assert search.in_step(search.drift(seed_store))


def test_index_agrees_with_the_store_and_reindex_mends_drift(seed_store):
    assert search.in_step(search.drift(seed_store))
    with sqlite3.connect(search.index_path(seed_store)) as conn:  # damage the index
        conn.execute("DELETE FROM docs WHERE type = 'claim' AND iri LIKE '%claim-1%'")
    report = search.drift(seed_store)
    assert report["claim"]["missing"] > 0 and not search.in_step(report)
    refresh_all(seed_store, None)
    assert search.in_step(search.drift(seed_store))
    assert search_query.search(seed_store, "", {"type": "claim"}).total == 25


def test_in_memory_store_gets_a_temporary_index(vocabulary):
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.graph.store import ClaimStore
    from claimgraph.loaders import read_file

    memory = ClaimStore()
    memory.ensure_static_graphs()
    assert ingest(memory, read_file(SEED, vocabulary)).ok
    path = search.index_path(memory)
    assert path.is_file() and search_query.search(memory, "rituximab").total == 3
    del memory
    import gc

    gc.collect()
    assert not path.exists()


def test_expertqa_answers_are_searchable(store, load_paths):
    assert all(o.ok for o in load_paths(EXPERTQA))
    report = search.drift(store)
    assert search.in_step(report) and report["claim"]["store"] > 200
    result = search_query.search(store, "cancer", {"type": "claim"})
    assert result.total > 0 and len(result.facets["article"]) > 1


def test_reindex_command_reports_and_mends_drift(tmp_path):
    """As a user runs it: real subprocesses on an on-disk store."""
    import subprocess
    import sys

    from claimgraph.graph.store import ClaimStore

    path = tmp_path / "cli-store"

    def claimgraph(*args):
        return subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(path), *args],
                              capture_output=True, text=True, timeout=60)

    assert claimgraph("load", str(SEED)).returncode == 0
    with sqlite3.connect(path / search.INDEX_FILE) as conn:
        conn.execute("DELETE FROM docs WHERE type = 'source'")
    check = claimgraph("reindex", "--check")
    assert check.returncode == 1 and "missing      6" in check.stdout, check.stdout + check.stderr
    fixed = claimgraph("reindex", "--json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert '"missing": 6' in fixed.stdout
    assert search.in_step(search.drift(ClaimStore(path)))


def test_an_index_of_an_older_schema_is_dropped_and_rebuilt(seed_store):
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
        conn.execute("DROP TABLE versions")  # an older index lacks the newer tables and columns
    assert search_query.search(seed_store, "rituximab").total == 3
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == index.SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 1


def _page_list_rows(store) -> dict[str, list[tuple]]:
    """The index's derived page-list tables with document ids as IRIs, as sorted lists
    (duplicates would show)."""
    queries = {
        "cites": "SELECT d.iri, c.source, c.labels, c.context, c.version, c.position "
                 "FROM cites c JOIN docs d ON d.id = c.doc",
        "concept_claims": "SELECT c.concept, d.iri, c.context, c.version, c.position "
                          "FROM concept_claims c JOIN docs d ON d.id = c.doc",
        "pair_claims": "SELECT p.drug, p.condition, d.iri FROM pair_claims p JOIN docs d ON d.id = p.doc",
        "matrix_cells": "SELECT concept, drug, condition, rank, claims FROM matrix_cells",
        "concept_counts": "SELECT concept, kind, label, claims FROM concept_counts",
        "source_facets": "SELECT d.iri, f.facet, f.value, f.label FROM doc_facets f JOIN docs d ON d.id = f.doc "
                         "WHERE d.type = 'source'",
        "versions": "SELECT iri, title, claims, uncited, current FROM versions",
        "docs": "SELECT iri, type, version, title, body, context, position, rank FROM docs",
        "source_fields": "SELECT source, field, value FROM source_fields",
    }
    with sqlite3.connect(search.index_path(store)) as conn:
        return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in queries.items()}


def test_updates_after_each_load_leave_what_a_rebuild_makes(seed_store, load_paths, tmp_path):
    """Loads change only the rows of what they touch; the result must equal a rebuild."""
    assert all(o.ok for o in load_paths(EXPERTQA))
    text = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered",
                                                    "Ofatumumab may be considered")
    (tmp_path / "seed-v2.txt").write_text(text, encoding="utf-8")
    assert all(o.ok for o in load_paths(tmp_path / "seed-v2.txt"))
    incremental = _page_list_rows(seed_store)
    assert incremental["matrix_cells"] and incremental["concept_claims"] and incremental["pair_claims"]
    search.refresh(seed_store, None)
    assert _page_list_rows(seed_store) == incremental


def test_a_version_indexed_again_rereads_what_it_says_of_its_sources(seed_store):
    """A version refreshed again (its markers mapped later) may say other things of its
    sources: the index reads those sources from every graph, not from what it kept."""
    version = seed_store.select("search-versions")[0]["version"]
    graph = NamedNode(version)
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        source = NamedNode(conn.execute("SELECT MIN(source) FROM cites WHERE version = ?", (version,)).fetchone()[0])
    seed_store.store.add(Quad(source, NamedNode("http://purl.org/dc/terms/title"), Literal("Zzz renamed guideline"),
                              graph))
    search.refresh(seed_store, [graph])
    incremental = _page_list_rows(seed_store)
    assert any(row[0] == source.value and row[3] == "Zzz renamed guideline" for row in incremental["docs"])
    search.refresh(seed_store, None)
    assert _page_list_rows(seed_store) == incremental


def test_load_files_into_a_fresh_store_indexes_claims_under_their_concepts(tmp_path):
    """batch.load_files brings the bundled vocabulary in itself: a store opened and
    loaded without the CLI once linked mentions but filed no claim under a drug."""
    from claimgraph.graph.write.batch import load_files
    from claimgraph.graph.store import ClaimStore

    store = ClaimStore(tmp_path / "fresh")
    assert all(outcome.ok for outcome in load_files(store, [SEED]))
    result = search_query.search(store, "rituximab", {"type": "claim", "drug": "https://w3id.org/claimgraph/id/drug/rituximab"})
    assert result.total == 2


def test_a_source_cited_again_has_its_citing_articles_patched_as_a_rebuild_would(store, load_paths, tmp_path):
    """A source whose description a load leaves as it was keeps its document; only its
    citing-article facets change (new citers added, superseded versions removed). The
    rows must be those a rebuild writes."""
    text = (Path(__file__).parent / "data" / "sources-cites-doi.md").read_text(encoding="utf-8")
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (tmp_path / "b.md").write_text(text.replace("# Can imaging biomarkers", "# Do imaging biomarkers"), encoding="utf-8")
    (tmp_path / "a2.md").write_text(text.replace("can phenotype chronic lung disease [1]",
                                                 "can phenotype chronic lung disease in adults [1]"), encoding="utf-8")
    source = "https://w3id.org/claimgraph/id/source/doi/10.1117/1.jmi.5.2.026002"
    for name in ("a.md", "b.md", "a2.md"):
        assert all(o.ok for o in load_paths(tmp_path / name))
        incremental = _page_list_rows(store)
        articles = {row[2] for row in incremental["source_facets"] if row[0] == source and row[1] == "article"}
        search.refresh(store, None)
        assert _page_list_rows(store) == incremental, f"after {name}"
    assert len(articles) == 2  # b and the second version of a; a's first version is superseded


def test_a_schema_upgrade_is_rebuilt_by_one_load_not_two(seed_store, load_paths):
    """The drop of an older index notes "everything"; the load that finds it must take that
    note too, or the next write rebuilds the whole index a second time."""
    from claimgraph.graph.index import derived

    with sqlite3.connect(search.index_path(seed_store)) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
    assert all(o.ok for o in load_paths(EXPERTQA))
    assert derived.pending(seed_store) == []
    with sqlite3.connect(search.index_path(seed_store)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == index.SCHEMA_VERSION
