"""CSL-JSON as Crossref, Manubot and Zotero give it (issue 17, item 11; Crossref reference lists)."""

from __future__ import annotations

import json

from claimgraph.loaders import read_file

REAL = "data/real-world/csl-json"


def test_untitled_items_with_an_identifier_are_kept(shared):
    path = shared / REAL / "manubot__manual-references.json"
    items = json.loads(path.read_text())
    result = read_file(path)
    assert result.records == 256
    identified = [i for i in items if i.get("title") or i.get("DOI") or i.get("URL")]
    assert len(result.sources) == len(identified) == 224  # 128 of 256 were refused for lacking a title
    for item, record in zip(identified, result.sources):
        assert record.source.title == item.get("title")
        assert record.source.identifiers.doi == (item["DOI"].lower() if item.get("DOI") else None)
    unidentified = [n for n, i in enumerate(items, start=1) if i not in identified]
    assert [e.place.split(" ")[1] for e in result.errors] == [str(n) for n in unidentified]
    assert all("nothing to identify the work by" in e.message for e in result.errors)


def test_crossref_reference_list_gives_the_cited_dois(shared, store, load_paths):
    path = shared / REAL / "manubot__crossref-deep-review-csl.json"
    item = json.loads(path.read_text())[0]
    with_doi = [r["DOI"].lower() for r in item["reference"] if r.get("DOI")]
    record = read_file(path).sources[0]
    assert record.source.identifiers.pmid == "29618526" and record.source.identifiers.pmcid == "PMC5938574"
    assert [c.identifiers.doi for c in record.cites] == with_doi and len(with_doi) == 352
    outcome = load_paths(path)[0]
    assert outcome.ok and outcome.records == 1
    assert any("203 entries of Crossref reference lists have no DOI" in w for w in outcome.warnings)
    rows = store.select("""PREFIX cito: <http://purl.org/spar/cito/>
        PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
        SELECT (COUNT(DISTINCT ?cited) AS ?n) WHERE { ?work prism:doi "10.1098/rsif.2017.0387" ;
            cito:cites ?cited . ?cited prism:doi ?doi }""")
    assert int(rows[0]["n"]) == len(set(with_doi))
