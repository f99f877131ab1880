"""`load --vocab` with the vocabulary files of other projects: BC5CDR mention tables, SSSOM mapping sets."""

from __future__ import annotations

import csv
import subprocess
import sys

from claimgraph.graph.write.vocabulary import add_user_vocabularies, store_vocabulary
from claimgraph.loaders.mentions import Vocabulary
from claimgraph.loaders.vocab_files import curated_matches

BC5CDR = "data/vocabulary/bc5cdr_mesh_mention_vocab.tsv"
SSSOM = "data/vocabulary/biomappings_positive_subset.sssom.tsv"
MESH = "http://id.nlm.nih.gov/mesh/"


def test_bc5cdr_table_every_mention_is_a_label(shared):
    path = shared / BC5CDR
    vocabulary = Vocabulary.from_files([path])
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    curated = Vocabulary.default()
    for row in rows:
        iri = curated_matches().get(MESH + row["mesh_id"], MESH + row["mesh_id"])
        labels = vocabulary.labels(iri)
        # a mention the curated vocabulary already links stays with the curated concept
        assert row["mention"] in labels or curated.find(row["mention"]), row
    hcbd = vocabulary.concept(MESH + "C001335")
    assert hcbd.kind == "drug" and "hexachloro-1:3-butadiene" in vocabulary.labels(hcbd.iri)
    # Chemical rows are drugs, Disease rows conditions; the most frequent mention is preferred
    assert vocabulary.concept(MESH + "C001335").pref_label == "hcbd"
    # BC5CDR's older atorvastatin ID does not take "atorvastatin" from the curated concept
    found = vocabulary.find("atorvastatin and hcbd")
    assert [m.concept for m in found] == ["https://w3id.org/claimgraph/id/drug/atorvastatin", MESH + "C001335"]


def test_sssom_mappings_are_kept_and_exact_matches_add_labels(shared, store):
    notes = add_user_vocabularies(store, [shared / SSSOM])
    assert any("SSSOM mappings kept" in n for n in notes)
    assert any("kegg.pathway (1)" in n and "Bioregistry" in n for n in notes)
    rows = store.select("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?o WHERE { <http://purl.obolibrary.org/obo/CHEBI_8380> skos:exactMatch ?o }""")
    assert [r["o"] for r in rows] == [MESH + "C009935"]
    vocabulary = store_vocabulary(store)
    # cvx:87 "immune globulin, intravenous" maps exactly to mesh:D016756, which the curated IVIG matches
    assert "immune globulin, intravenous" in vocabulary.labels(curated_matches()[MESH + "D016756"])


def test_load_vocab_accepts_both_files(shared, tmp_path):
    article = tmp_path / "answer.md"
    article.write_text("# Is hexachloro-1:3-butadiene toxic?\n\nHCBD exposure injures the kidney [1].\n\n"
                       "## References\n\n1. Doe J. A study. J Test. 2020. doi:10.1000/test.1\n")
    proc = subprocess.run([sys.executable, "-m", "claimgraph", "--store", str(tmp_path / "store"), "load",
                           "--vocab", str(shared / BC5CDR), "--vocab", str(shared / SSSOM), str(article)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "vocabulary:" in proc.stdout and "BC5CDR mentions read" in proc.stdout
