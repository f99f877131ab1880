"""Resolving references (graph/resolution): suggestions from what is loaded, reviewers'
decisions, and pages, findings, evidence levels and search following a confirmation
while the article version stays as loaded. Real files, a real on-disk store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.index import check
from claimgraph.graph import resolution
from claimgraph.graph.read.pages import citations
from claimgraph.graph.resolution.decisions import record_decision
from claimgraph.graph.write.reviews import ReviewError
from claimgraph.graph.index.search import _connect

from conftest import SEED

REPO = Path(__file__).resolve().parents[1]
GUIDELINE = REPO / "examples" / "guidelines" / "asco-2021-irae.yaml"
ASCO_IRAE = "https://w3id.org/claimgraph/id/source/doi/10.1200/jco.21.01440"
DEXAMETHASONE = "https://w3id.org/claimgraph/id/source/setid/64b46398-9b97-45e8-b1ba-1a202d574448"
QUOTE = "An acute myopathy has been observed with the use of high doses of corticosteroids"


def references(store) -> dict[str, str]:
    """Marker label -> unresolved source node of the seed's current version."""
    return {str(r["label"]): r["source"] for r in store.select("resolve-references")}


def version_of(store) -> NamedNode:
    return NamedNode(store.select("resolve-references")[0]["version"])


@pytest.fixture
def resolving_store(store, load_paths, shared):
    outcomes = load_paths(SEED, GUIDELINE, shared / "data" / "fda-labels" / "dexamethasone-major.spl.xml")
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return store


def test_references_1_and_2_are_suggested_with_their_evidence_and_3_to_6_say_what_was_compared(resolving_store):
    refs = references(resolving_store)
    assert sorted(refs) == ["1", "2", "3", "4", "5", "6"]
    found = resolution.suggestions(resolving_store, refs.values())
    guideline = found[refs["1"]]["candidates"][0]
    assert guideline["candidate"] == ASCO_IRAE and guideline["basis"] == "organisation and topic"
    assert "ASCO" in guideline["reason"] and guideline["score"] >= 0.5
    label = found[refs["2"]]["candidates"][0]
    assert label["candidate"] == DEXAMETHASONE and label["basis"] == "quote"
    assert label["passage"].startswith(QUOTE) and "LOINC 42232-9" in label["reason"]
    assert "corticosteroids" in label["reason"] and "dexamethasone" in label["reason"]  # the class narrows it
    for n in "3456":
        assert found[refs[n]]["candidates"] == []
        assert "study record" in found[refs[n]]["compared"] and "BM25" in found[refs[n]]["compared"]
    assert check.compare(resolving_store) == []


def test_quality_on_decoys(resolving_store, load_paths, shared):
    """The other labels, guidelines and studies loaded beside: the right record still ranks
    first for 1 and 2, no decoy ranks first anywhere, nothing for 3-6."""
    data = shared / "data"
    decoys = [data / "fda-labels", data / "pubmed", data / "citation-formats", data / "real-world" / "medline",
              data / "real-world" / "ris", data / "real-world" / "spl-xml",
              data / "real-world" / "pubmed-xml" / "biopython__pubmed5.xml", REPO / "tests" / "data" / "guidelines"]
    load_paths(*decoys)
    refs = references(resolving_store)
    found = resolution.suggestions(resolving_store, refs.values())
    pool = resolution.read_pool(resolving_store)
    assert {"https://w3id.org/claimgraph/id/source/doi/10.1200/jco.20.01296",  # ASCO, another topic
            "https://w3id.org/claimgraph/id/source/doi/10.1136/annrheumdis-2019-215089"} <= {
        g.source for g in pool.guidelines}
    assert len({s.label for s in pool.labels}) >= 5 and len(pool.studies) >= 25
    assert found[refs["1"]]["candidates"][0]["candidate"] == ASCO_IRAE
    top_label = found[refs["2"]]["candidates"][0]
    assert top_label["candidate"] == DEXAMETHASONE and top_label["passage"].startswith(QUOTE)
    assert all(c["candidate"] in (ASCO_IRAE, DEXAMETHASONE)
               for n in "12" for c in found[refs[n]]["candidates"][:1])
    for n in "3456":
        assert found[refs[n]]["candidates"] == [], found[refs[n]]
        assert f"{len(pool.studies)} study records" in found[refs[n]]["compared"]
    assert check.compare(resolving_store) == []


def test_confirmation_is_followed_and_reversible_with_the_article_as_loaded(resolving_store):
    store = resolving_store
    refs, version = references(store), version_of(store)
    loaded = set(store.quads(None, None, None, version))
    assert len(store.select("audit-unresolved-sources", version=version)) == 6

    recorded = record_decision(store, refs["2"], "setid:64b46398-9b97-45e8-b1ba-1a202d574448", "confirm",
                               "Dr Reviewer", note="quote checked against DailyMed")
    assert recorded.source == DEXAMETHASONE and recorded.score == 1.0 and "LOINC" in recorded.reason
    assert resolution.identified(store, refs.values()) == {refs["2"]: DEXAMETHASONE}
    # the decision's own graph, with PROV and the suggestion it acted on
    graph = NamedNode(recorded.iri)
    assert store.select("resolve-decisions", target=NamedNode(refs["2"]))[0]["reviewer"] == "Dr Reviewer"
    assert any(True for _ in store.quads(NamedNode(recorded.iri + "/review"), None, None, graph))
    # findings: the unresolved-source finding of 2 is gone, the others stay
    unresolved = {r["source"] for r in store.select("audit-unresolved-sources", version=version)}
    assert refs["2"] not in unresolved and len(unresolved) == 5
    # pages: the marker's card is the label's, saying how it was identified
    marker = next(m for m in citations(store, version=version.value) if m["label"] == "2")
    assert marker["source"]["iri"] == DEXAMETHASONE and marker["source"]["cited_as"] == refs["2"]
    assert marker["source"]["kind_name"] == "drug label" and marker["source"]["resolved"]
    # search: the label is now cited by the claim, and the reference counts as resolved (home page)
    with _connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cites WHERE source = ?", (DEXAMETHASONE,)).fetchone()[0] == 1
        assert conn.execute("SELECT f.value FROM doc_facets f JOIN docs d ON d.id = f.doc "
                            "WHERE d.iri = ? AND f.facet = 'resolution'", (refs["2"],)).fetchone()[0] == "resolved"
    # no suggestions left for an identified reference
    assert refs["2"] not in resolution.suggestions(store, [refs["2"]])
    assert set(store.quads(None, None, None, version)) == loaded  # the article version as loaded
    assert check.compare(store) == []

    record_decision(store, refs["2"], DEXAMETHASONE, "withdraw", "Dr Reviewer")
    assert resolution.identified(store, refs.values()) == {}
    with _connect(store) as conn:
        assert conn.execute("SELECT f.value FROM doc_facets f JOIN docs d ON d.id = f.doc "
                            "WHERE d.iri = ? AND f.facet = 'resolution'", (refs["2"],)).fetchone()[0] == "unresolved"
    assert len(store.select("audit-unresolved-sources", version=version)) == 6
    assert resolution.suggestions(store, [refs["2"]])[refs["2"]]["candidates"][0]["candidate"] == DEXAMETHASONE
    assert set(store.quads(None, None, None, version)) == loaded
    assert check.compare(store) == []


def test_rejection_removes_the_candidate_and_undoes_a_confirmation(resolving_store):
    store = resolving_store
    refs = references(store)
    record_decision(store, refs["1"], ASCO_IRAE, "confirm", "Dr A")
    assert resolution.identified(store, [refs["1"]]) == {refs["1"]: ASCO_IRAE}
    record_decision(store, refs["1"], "doi:10.1200/JCO.21.01440", "reject", "Dr B", note="another ASCO guideline")
    assert resolution.identified(store, [refs["1"]]) == {}
    assert resolution.suggestions(store, [refs["1"]])[refs["1"]]["candidates"] == []
    history = resolution.decision_rows(store, refs["1"])
    assert [r["action_name"] for r in history] == ["confirm", "reject"]
    assert history[1]["note"] == "another ASCO guideline"
    assert check.compare(store) == []


def test_bad_decisions_are_refused(resolving_store):
    refs = references(resolving_store)
    with pytest.raises(ReviewError, match="not an unresolved reference"):
        record_decision(resolving_store, DEXAMETHASONE, ASCO_IRAE, "confirm", "Dr A")
    with pytest.raises(ReviewError, match="no source with PMID"):
        record_decision(resolving_store, refs["1"], "pmid:1", "confirm", "Dr A")
    with pytest.raises(ReviewError, match="itself unresolved"):
        record_decision(resolving_store, refs["1"], refs["3"], "confirm", "Dr A")
    with pytest.raises(ReviewError, match="unknown decision"):
        record_decision(resolving_store, refs["1"], ASCO_IRAE, "maybe", "Dr A")
    with pytest.raises(ReviewError, match="reviewer"):
        record_decision(resolving_store, refs["1"], ASCO_IRAE, "confirm", "  ")


def test_suggestions_wait_for_the_records_and_follow_a_later_load(store, load_paths, shared):
    """Seed first, records later: the pool changes, every reference is looked at again."""
    load_paths(SEED)
    refs = references(store)
    assert resolution.suggestions(store, refs.values())[refs["2"]]["candidates"] == []
    load_paths(shared / "data" / "fda-labels" / "dexamethasone-major.spl.xml")
    assert resolution.suggestions(store, refs.values())[refs["2"]]["candidates"][0]["candidate"] == DEXAMETHASONE
    assert check.compare(store) == []


def test_cli_suggest_confirm_reject(tmp_path, shared):
    """``claimgraph resolve`` as a user runs it: a real subprocess and on-disk store."""
    import csv
    import io
    import json
    import subprocess
    import sys

    def run(*args, check=True):
        proc = subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(tmp_path / "s"), *map(str, args)],
                              capture_output=True, text=True, timeout=300)
        assert not check or proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    run("load", SEED, GUIDELINE, shared / "data" / "fda-labels" / "dexamethasone-major.spl.xml")
    table = run("resolve", "--suggest").stdout
    assert "[2] #1 1.00 quote: DEXAMETHASONE (dexamethasone) prescribing information" in table
    assert "[3] no candidate: " in table and "BM25" in table
    rows = list(csv.DictReader(io.StringIO(run("resolve", "--suggest", "--format", "csv").stdout)))
    assert [(r["marker"], r["status"]) for r in rows] == [
        ("1", "suggested"), ("2", "suggested"), *[(n, "none") for n in "3456"]]
    reference = rows[1]["reference"]
    out = run("resolve", reference, "setid:64b46398-9b97-45e8-b1ba-1a202d574448", "--reviewer", "Dr Cli",
              "--note", "the quoted paragraph").stdout
    assert out.startswith("recorded confirm of " + DEXAMETHASONE) and "score 1.00" in out
    found = json.loads(run("resolve", "--suggest", "--format", "json").stdout)
    assert [r["status"] for r in found if r["marker"] == "2"] == ["confirmed"]
    run("resolve", reference, DEXAMETHASONE, "--reject", "--reviewer", "Dr Cli")
    assert "[2] no candidate" in run("resolve", "--suggest").stdout  # rejected: not suggested again
    refused = run("resolve", reference, DEXAMETHASONE, check=False)
    assert refused.returncode == 2 and "--reviewer" in refused.stderr
    assert run("check").returncode == 0


def test_audit_exports_carry_the_decision(resolving_store):
    from claimgraph.graph.exports.rdf import SubgraphCollector
    from claimgraph.graph.exports.rows import article_audit

    store = resolving_store
    refs, version = references(store), version_of(store)
    recorded = record_decision(store, refs["2"], DEXAMETHASONE, "confirm", "Dr Audit", note="checked")
    quads = SubgraphCollector(store).article_quads(version.value)
    assert any(q.graph_name == NamedNode(recorded.iri) for q in quads)  # the decision's own graph
    assert any(q.predicate.value.endswith("#identifiedAs") for q in quads)
    rows = [r for r in article_audit(store, version.value).rows if r["marker"] == "2"]
    assert rows and all(r["source"] == DEXAMETHASONE and "setid:64b46398" in r["identifiers"] for r in rows)
    assert all("UNRESOLVED_SOURCE" not in r["findings"] for r in rows)


def test_a_confirmation_carries_over_to_a_new_version_of_the_article(resolving_store, load_paths, tmp_path):
    """The reference node is the article's and the marker's, not the version's: a new
    version citing [2] again is read as citing the label; its old version keeps its graph."""
    store = resolving_store
    refs, old = references(store), version_of(store)
    record_decision(store, refs["2"], DEXAMETHASONE, "confirm", "Dr Carry")
    changed = tmp_path / "myopathy-necrosis.txt"
    changed.write_text(SEED.read_text(encoding="utf-8") + "\nA sentence added in a later edition.\n", encoding="utf-8")
    load_paths(changed)
    new = version_of(store)
    assert new != old and references(store)["2"] == refs["2"]
    marker = next(m for m in citations(store, version=new.value) if m["label"] == "2")
    assert marker["source"]["iri"] == DEXAMETHASONE
    assert refs["2"] not in {r["source"] for r in store.select("audit-unresolved-sources", version=new)}
    assert check.compare(store) == []


def test_which_confirmation_is_in_force():
    """Per (reference, record) the latest decision counts; of the records left confirmed, the
    latest confirmation wins; a withdrawal takes a record back without blacklisting it."""
    def row(n, body, action):
        return {"target": "R", "body": body, "action_name": action, "time": f"2026-01-0{n}T00:00:00Z",
                "decision": f"d{n}"}

    rows = [row(1, "A", "confirm"), row(2, "B", "confirm")]
    assert resolution.in_force(rows) == {"R": ("B", "d2")}
    rows.append(row(3, "B", "reject"))
    assert resolution.in_force(rows) == {"R": ("A", "d1")} and resolution.rejected(rows) == {"R": {"B"}}
    rows.append(row(4, "A", "withdraw"))
    assert resolution.in_force(rows) == {} and resolution.rejected(rows) == {"R": {"B"}}


def test_a_small_load_reads_only_its_references_and_ends_as_a_rebuild(resolving_store, load_paths, tmp_path,
                                                                       monkeypatch):
    """A new version of one article: the refresh asks for the references it touched (bound
    queries, not every unresolved reference of the store), and the result equals a rebuild."""
    asked = []
    read = resolution.read_references
    monkeypatch.setattr(resolution, "read_references",
                        lambda store, version=None, sources=None: asked.append(sources) or read(store, version, sources))
    text = SEED.read_text(encoding="utf-8").replace("Rituximab may be considered", "Ofatumumab may be considered")
    (tmp_path / "seed-v2.txt").write_text(text, encoding="utf-8")
    assert all(o.ok for o in load_paths(tmp_path / "seed-v2.txt"))
    assert asked and all(sources is not None and 0 < len(sources) <= resolution.BOUND_QUERIES_UP_TO
                         for sources in asked)
    assert check.compare(resolving_store) == []
