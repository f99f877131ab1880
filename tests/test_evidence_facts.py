"""Evidence levels from the remembered per-source facts (``evidence_facts``) equal
levels recomputed from every graph, through incremental loads of articles that
cite the same sources and a source record loaded later; and a load reads only its
own graphs for sources it remembers. (Folds and SPARQL updates forget what they
touch: the sidecar and update tests run through them.)"""

from __future__ import annotations

import sys
from pathlib import Path

from claimgraph.graph.rules import evidence
from claimgraph.graph.index import evidence_facts
from claimgraph.graph import index
from claimgraph.graph.write.batch import load_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import corpus  # noqa: E402

LEVELS = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?p { cg:evidenceLevel cg:strongestEvidenceLevel cg:guidelineStrength } }"""


def levels(store) -> set:
    return {tuple(row.values()) for row in store.select(LEVELS)}


def recomputed(store) -> set:
    evidence_facts.forget(store, None)
    evidence.refresh(store, None)  # every citation, from every graph
    return levels(store)


def test_incremental_levels_equal_a_recount_from_every_graph(store, tmp_path, monkeypatch):
    paths = corpus.generate(tmp_path / "corpus", 24, seed=5)
    load_files(store, paths[:12])
    with index.connect(store) as conn:  # what the loads read is remembered in the index
        assert conn.execute("SELECT COUNT(*) FROM evidence_known").fetchone()[0] > 0
    read_everywhere = []
    real = evidence._rows_for

    def counting(store_, query, variable, iris):
        if query == "evidence-source-facts":
            read_everywhere.append(set(iris))
        return real(store_, query, variable, iris)

    monkeypatch.setattr(evidence, "_rows_for", counting)
    for path in paths[12:]:  # one at a time, as a user adds articles
        load_files(store, [path])
    remembered = evidence_facts.read(store, [row["source"] for row in store.select(
        "SELECT DISTINCT ?source WHERE { ?c <http://purl.org/spar/cito/hasCitedEntity> ?source }")])
    assert remembered
    # A popular source, remembered after the first loads, was not read in every graph again.
    assert any(source not in set().union(*read_everywhere) for source in remembered)
    incremental = levels(store)
    monkeypatch.undo()
    assert incremental and incremental == recomputed(store)


def test_a_record_loaded_later_reaches_the_remembered_facts(store, tmp_path):
    article = tmp_path / "a.md"
    article.write_text("# How is myositis treated?\n\n## From the Research\n\n"
                       "Prednisone is first-line treatment for myositis [1].\n\n## References\n\n"
                       "1. Tan K. Treating myositis. 2021. doi:10.5555/myo.2021.17\n", encoding="utf-8")
    other = tmp_path / "b.md"
    other.write_text("# When is prednisone used?\n\n## From the Research\n\n"
                     "Prednisone helps in myositis [1].\n\n## References\n\n"
                     "1. Tan K. Treating myositis. 2021. doi:10.5555/myo.2021.17\n", encoding="utf-8")
    load_files(store, [article])
    guideline = tmp_path / "g.yaml"  # the record, later: the strongest level, for every citation
    guideline.write_text("claimgraph: guideline\norganisation: {name: American Society of Clinical Oncology, "
                         "short_name: ASCO}\ntitle: Treating myositis\nyear: 2021\n"
                         "doi: 10.5555/myo.2021.17\n", encoding="utf-8")
    load_files(store, [guideline])
    load_files(store, [other])
    after = levels(store)
    assert any(str(o).endswith("#Guideline") or "guideline" in str(o).lower() for *_, o in after)
    assert after == recomputed(store)
