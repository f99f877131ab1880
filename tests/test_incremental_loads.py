"""Loads in groups and incremental derived data give what a whole recount gives.

Batch loads write articles a group per transaction (``ingest.ArticleWriter``) and
small loads recount only the graphs they touched (``statistics``); these tests
check both against the slow, obvious way.
"""

from __future__ import annotations

from article_generator import write_articles
from pyoxigraph import NamedNode

from claimgraph.graph.rules import statistics
from claimgraph.graph.write.batch import load_files
from claimgraph.graph.rdf.namespaces import DCTERMS


def _statistics_without_time(store) -> set:
    """The statistics graph's statements but its dcterms:modified (a clock reading)."""
    quads = store.quads(None, None, None, statistics.GRAPH_STATISTICS)
    return {(q.subject, q.predicate, q.object) for q in quads if q.predicate != DCTERMS.modified}


def _recounted(store) -> set:
    return {(q.subject, q.predicate, q.object) for q in statistics.compute(store)
            if q.predicate != DCTERMS.modified}


def _graphs_of_last_version(store) -> list[str]:
    from claimgraph.graph.rules.findings import findings_graph

    rows = store.select("SELECT ?v ?t WHERE { ?v a cg:Article ; prov:wasGeneratedBy/prov:startedAtTime ?t } "
                        "ORDER BY DESC(?t) LIMIT 1")
    version = NamedNode(rows[0]["v"])
    return [version.value, findings_graph(version).value]


def test_small_loads_keep_the_statistics_a_recount_gives(store, tmp_path):
    paths = write_articles(tmp_path / "articles", 12, seed=3)
    load_files(store, paths[:8])  # a first batch: everything counted
    assert _statistics_without_time(store) == _recounted(store)
    for path in paths[8:]:  # then article by article: only what each load touched
        load_files(store, [path])
    statistics.ensure_current(store)  # what the service description does before reading
    assert _statistics_without_time(store) == _recounted(store)


def test_a_small_load_leaves_the_whole_store_figures_for_the_next_read(store, tmp_path):
    paths = write_articles(tmp_path / "articles", 10, seed=4)
    load_files(store, paths[:9])
    load_files(store, paths[9:])
    counted, recounted = _statistics_without_time(store), _recounted(store)
    # The triples of the graphs the load wrote are exact at once; the provenance graph
    # (which grows with every load), the totals, entities per class and distinct
    # subjects and objects wait for the next read.
    triples = NamedNode("http://rdfs.org/ns/void#triples")
    written = {statistics._node("graph", g).value + "/content" for g in _graphs_of_last_version(store)}
    assert written and {t for t in counted if t[1] == triples and t[0].value in written} == \
        {t for t in recounted if t[1] == triples and t[0].value in written}
    statistics.ensure_current(store)
    assert _statistics_without_time(store) == recounted


def test_articles_are_written_in_groups_and_all_arrive(store, tmp_path, monkeypatch):
    from claimgraph.graph.index import derived
    from claimgraph.graph.write import ingest

    groups = []  # each group's one write carries a change note per version
    note_quads = derived.note_quads
    monkeypatch.setattr(derived, "note_quads", lambda versions, **kw: groups.append(
        len(quads := note_quads(list(versions), **kw))) or quads)
    monkeypatch.setattr(ingest, "GROUP_ARTICLES", 3)
    paths = write_articles(tmp_path / "articles", 7, seed=5)
    outcomes = load_files(store, paths)
    assert [a.status for o in outcomes for a in o.articles] == ["added"] * 7
    assert groups == [3, 3, 1]
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?v a <https://w3id.org/claimgraph/ns#Article> }")
    assert rows[0]["n"] == 7


def test_a_file_loaded_twice_in_one_batch_is_written_once(store, tmp_path):
    paths = write_articles(tmp_path / "articles", 2, seed=6)
    copy = tmp_path / "copy" / paths[0].name
    copy.parent.mkdir()
    copy.write_bytes(paths[0].read_bytes())
    outcomes = load_files(store, [*paths, copy])
    assert [a.status for o in outcomes for a in o.articles] == ["added", "added", "unchanged"]


def test_a_long_batch_refreshes_derived_data_in_parts(store, tmp_path, monkeypatch):
    from claimgraph.graph.write import batch
    from claimgraph.graph.index import derived
    from claimgraph.graph.write import ingest

    parts = []  # versions each refresh of the statistics was given
    refresh = statistics.refresh
    monkeypatch.setattr(statistics, "refresh", lambda s, versions: parts.append(
        None if versions is None else len(versions)) or refresh(s, versions))
    monkeypatch.setattr(batch, "DERIVED_EVERY", 3)
    monkeypatch.setattr(ingest, "GROUP_ARTICLES", 2)
    monkeypatch.setattr(ingest, "FLUSH_QUADS", 1)  # the memtables flushed after every group
    paths = write_articles(tmp_path / "articles", 7, seed=7)
    outcomes = load_files(store, paths)
    assert [a.status for o in outcomes for a in o.articles] == ["added"] * 7
    assert parts == [3, 3, 1]  # each part's derived data refreshed when it is written
    assert derived.pending(store) == []
    statistics.ensure_current(store)
    assert _statistics_without_time(store) == _recounted(store)


def test_the_uncited_claims_total_is_kept_up_by_every_load(store, tmp_path):
    """uncited-claims-count.rq reads the total the statistics keep; after new articles
    and a new version of one of them it equals the sum over current versions' counts."""
    from conftest import SEED

    scan = """SELECT (SUM(?uncited) AS ?n) WHERE {
      ?version a cg:Article ; cg:uncitedClaimCount ?uncited .
      FILTER NOT EXISTS { ?newer prov:wasRevisionOf ?version } }"""
    load_files(store, [SEED])
    assert store.select("uncited-claims-count") == [{"uncited_claims": 10}]
    write_articles(tmp_path / "more", 5, seed=3)
    load_files(store, [tmp_path / "more"])
    revised = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered", "Ofatumumab may be considered")
    (tmp_path / "seed-v2.txt").write_text(revised, encoding="utf-8")
    load_files(store, [tmp_path / "seed-v2.txt"])
    (total,) = store.select("uncited-claims-count")
    assert total["uncited_claims"] == store.select(scan)[0]["n"] > 10


def test_a_graph_written_between_loads_is_counted_by_the_next_load(store, tmp_path, monkeypatch):
    from claimgraph.graph.write import reviews

    listed = []  # loads that listed every named graph
    real = type(store.store).named_graphs
    monkeypatch.setattr(statistics, "_list_graphs", lambda s: listed.append(1) or real(s.store))
    paths = write_articles(tmp_path / "articles", 6, seed=5)
    load_files(store, paths[:4])
    version = store.select("SELECT ?version WHERE { ?version a cg:Article }")[0]["version"]
    reviews.record_verdict(store, f"{version}/claim-1", "supported", "Ada")  # a graph of its own
    statistics.ensure_current(store)  # the verdict's own refresh counted its graph
    assert _statistics_without_time(store) == _recounted(store)
    # A graph written behind the pipeline's back (no change note) is found by the next load.
    from pyoxigraph import Literal, Quad
    store.write([Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), Literal("o"),
                      NamedNode("http://example.org/graph"))])
    listed.clear()
    load_files(store, paths[4:5])
    assert listed, "a graph appeared outside a load: the load must look for it"
    statistics.ensure_current(store)
    assert _statistics_without_time(store) == _recounted(store)
    listed.clear()
    load_files(store, paths[5:])  # nothing new outside loads: no listing
    assert listed == []
    statistics.ensure_current(store)
    assert _statistics_without_time(store) == _recounted(store)


def test_loading_unchanged_files_again_refreshes_nothing(tmp_path, monkeypatch):
    from claimgraph.graph.index import derived
    from claimgraph.graph.store import ClaimStore

    paths = write_articles(tmp_path / "articles", 3, seed=6)
    load_files(ClaimStore(tmp_path / "store"), paths)
    asked = []
    real = derived._run
    monkeypatch.setattr(derived, "_run", lambda store, versions: asked.append(versions) or real(store, versions))
    again = ClaimStore(tmp_path / "store")  # a new process's store object, as `claimgraph load` opens it
    load_files(again, paths)
    # Nothing was written, so nothing is refreshed ([] would mean "source records changed":
    # every claim and source indexed again).
    assert asked == []
    assert derived.pending(again) == []
