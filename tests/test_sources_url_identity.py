"""A URL alone is no identity (issue 17 item 3): two RIS records that share only a URL stay two
sources, with a duplicate-source finding for a reviewer, instead of one source with two titles.

The file is rispy's ``example_full_without_whitespace.ris`` (MIT), in ../shared/data/real-world/ris:
two records with the same UR and different titles and years."""

from __future__ import annotations

from conftest import SHARED

from claimgraph.graph.write.batch import load_files

RIS = SHARED / "data" / "real-world" / "ris" / "rispy__example_full_without_whitespace.ris"


def test_records_sharing_only_a_url_stay_two_sources_with_a_finding(store):
    load_files(store, [RIS])
    rows = store.select("""SELECT ?s (COUNT(DISTINCT ?t) AS ?titles) WHERE {
        ?s a cg:Source ; <http://schema.org/url> <http://example_url.com> ; dcterms:title ?t } GROUP BY ?s""")
    assert len(rows) == 2 and all(row["titles"] == 1 for row in rows)
    findings = store.select("""SELECT ?f ?text WHERE { ?f cg:findingCode "DUPLICATE_SOURCE" ; oa:bodyValue ?text }""")
    assert any("URL http://example_url.com" in row["text"] for row in findings)
    load_files(store, [RIS])  # the same file again: the same two sources
    assert len(store.select("SELECT DISTINCT ?s WHERE { ?s <http://schema.org/url> <http://example_url.com> }")) == 2
