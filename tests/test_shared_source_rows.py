"""A source cited by many articles is described once, and never multiplies query rows.

Before sources were described once, every citing article described the source in its
own graph (title, kind, kind basis, publisher, links ...), and the default graph is the
union of all graphs, so a query that joins several of a shared source's properties got
copies x copies x ... rows (524 288 for one claim on 30 benchmark articles). Now the
first reference to cite a source describes it in the cited-sources graph (a record, in
the sources graph, replaces that), and each article keeps only its reference entry.
These tests build the case small -- one DOI-identified source cited by several generated
Markdown answers, each with its own entry title, kind cue and publisher -- and count
rows: no timing (that lives in bench/pages.py).
"""

from __future__ import annotations

import io

import pytest
from pyoxigraph import NamedNode

from claimgraph.graph.read import pages
from claimgraph.graph.read import pages_article
from claimgraph.graph.read import pages_index
from claimgraph.graph.index import search
from claimgraph.graph.index import search_query
from claimgraph.graph.exports import source_export
from claimgraph.web import picture as drawing
from claimgraph.graph.exports import write_export
from claimgraph.graph.store import ClaimStore

ARTICLES = 6  # with the old queries: 6^5 x 12 rows per marker of the shared source
SHARED_DOI = "10.1016/0005-2795(76)90109-4"  # also the DOI of a record in pubmed1.xml
RECORD_TITLE = "Magnetic studies of Chromatium flavocytochrome C552. A mechanism for heme-flavin interaction."
SOURCE = f"https://w3id.org/claimgraph/id/source/doi/{SHARED_DOI}"
ROW_BOUND = 60  # the largest honest answer here is ~40 (claims x markers x links)

# How each article cites the shared work: its own title, kind cue and publisher.
_ENTRIES = [
    "American Heart Association. Clinical practice guideline on heme disorders, version {n}. 2020.",
    "Lee AB, Kim CD. Heme and flavin in Chromatium, a cohort study {n}. Biochim Biophys Acta. 1976;446:1-10.",
    "American College of Rheumatology. Consensus recommendations on flavocytochrome testing {n}. 2019.",
    "Park EF. Flavocytochrome C552 prescribing information, revision {n}. 1976.",
    "European Society for Medical Oncology. Practice guideline for cytochrome disease {n}. 2018.",
    "Kim CD, Lee AB. Magnetic studies of Chromatium flavocytochrome, reprint {n}. Biochim Biophys Acta. 1976.",
]


def _answer(n: int) -> str:
    entry = _ENTRIES[n % len(_ENTRIES)].format(n=n)
    return "\n".join([
        f"# What is known about flavocytochrome in rhabdomyolysis, case {n}?", "",
        "## From the Guidelines", "",
        "- Atorvastatin may cause rhabdomyolysis, particularly at high doses [1][2].",
        "- Monitoring for rhabdomyolysis is advised in adults starting atorvastatin [1].",
        "- Prednisone is recommended as first-line treatment for polymyositis in adults [2][3].", "",
        "## References", "",
        f"1. {entry} doi:{SHARED_DOI}",
        f"2. Ito QH, Werth XZ. Outcomes in myopathy, entry {n}. Neurology. 2015;3:1-9. doi:10.5555/shared.two",
        f"3. Rider LG. A case series {n}. Muscle Nerve. 2011;4:2-8. doi:10.5555/own.{n}", ""])


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory, vocabulary, shared):
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file

    folder = tmp_path_factory.mktemp("answers")
    for n in range(ARTICLES):
        (folder / f"answer-{n}.md").write_text(_answer(n), encoding="utf-8")
    store = ClaimStore(tmp_path_factory.mktemp("store") / "store")
    store.ensure_static_graphs()
    for path in sorted(folder.iterdir()):
        outcome = ingest(store, read_file(path, vocabulary))
        assert outcome.ok, outcome.errors
    return store


@pytest.fixture
def row_counts(monkeypatch):
    """Every ClaimStore.select call's query and row count, while the test runs."""
    counts: list[tuple[str, int]] = []
    select = ClaimStore.select

    def counting(self, name_or_sparql, **bindings):
        rows = select(self, name_or_sparql, **bindings)
        counts.append((name_or_sparql[:60], len(rows)))
        return rows

    monkeypatch.setattr(ClaimStore, "select", counting)
    return counts


def _first_version(store: ClaimStore) -> str:
    return sorted(row["version"] for row in store.select("page-home-articles"))[0]


def _assert_bounded(counts: list[tuple[str, int]], bound: int = ROW_BOUND) -> None:
    assert counts, "no query ran"
    too_many = [(name, n) for name, n in counts if n >= bound]
    assert not too_many, too_many


def test_the_shared_source_is_described_once_and_every_entry_is_kept(shared_store):
    titles = shared_store.select(
        "SELECT DISTINCT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }", s=NamedNode(SOURCE))
    bases = shared_store.select(
        "SELECT DISTINCT ?s ?b WHERE { ?s <https://w3id.org/claimgraph/ns#kindBasis> ?b }", s=NamedNode(SOURCE))
    assert len(titles) == 1 and len(bases) == 1
    # What each article said of it stays in the article, with where it was said.
    entries = shared_store.select(
        "SELECT DISTINCT ?s ?g ?text WHERE { GRAPH ?g { ?ref <http://purl.org/spar/biro/references> ?s ; "
        "<http://purl.org/spar/c4o/hasContent> ?text } }", s=NamedNode(SOURCE))
    assert len(entries) == ARTICLES == len({row["g"] for row in entries})
    derived_from = shared_store.select(
        "SELECT ?s ?ref WHERE { ?s <http://www.w3.org/ns/prov#wasDerivedFrom> ?ref }", s=NamedNode(SOURCE))
    assert len(derived_from) == 1


def test_a_join_of_five_properties_gives_as_many_rows_as_for_a_source_cited_once(shared_store):
    join = ("SELECT * WHERE { ?s <http://purl.org/dc/terms/title> ?t ; "
            "<https://w3id.org/claimgraph/ns#kindBasis> ?b ; <https://w3id.org/claimgraph/ns#resolution> ?r ; "
            "<https://w3id.org/claimgraph/ns#evidenceLevel> ?l ; <http://prismstandard.org/namespaces/basic/2.0/doi> ?d }")
    own = "https://w3id.org/claimgraph/id/source/doi/10.5555/own.0"  # cited by one article
    assert len(shared_store.select(join, s=NamedNode(SOURCE))) == len(shared_store.select(join, s=NamedNode(own))) == 1


def _cited(markers: list[dict]) -> list[dict]:
    """The source cards of the markers that cite the shared source."""
    return [marker["source"] for marker in markers if marker["source"] and marker["source"]["iri"] == SOURCE]


def test_citations_give_one_card_per_marker_with_one_value_per_property(shared_store, row_counts):
    version = _first_version(shared_store)
    claim = f"{version}/claim-1"
    markers = pages.citations(shared_store, claim=claim)
    assert len(markers) == 2 and len({marker["iri"] for marker in markers}) == 2
    [card] = _cited(markers)
    assert card["title"] is not None and card["kind"] is not None and card["kind_basis"] is not None
    assert card["organisation"] and card["organisation_name"]
    assert card["links"] and len({link["url"] for link in card["links"]}) == len(card["links"])
    assert pages.citations(shared_store, claim=claim, version=version) == markers
    _assert_bounded(row_counts)


def test_every_citing_article_shows_the_one_description(shared_store):
    titles = {card["title"] for version in sorted(row["version"] for row in shared_store.select("page-home-articles"))
              for card in _cited(pages.citations(shared_store, version=version))}
    described = shared_store.select("SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }", s=NamedNode(SOURCE))
    assert titles == {described[0]["t"]}


def test_article_claim_and_source_pages_stay_small(shared_store, row_counts):
    version = _first_version(shared_store)
    article = pages_article.article_page(shared_store, version)
    claim = pages_article.claim_page(shared_store, f"{version}/claim-1")
    source = pages_index.source_page(shared_store, SOURCE)
    assert article and claim and source
    _assert_bounded(row_counts)


def test_pictures_stay_small(shared_store, row_counts):
    version = _first_version(shared_store)
    for iri in (version, f"{version}/claim-1", SOURCE):
        assert drawing.picture_svg(shared_store, iri) is not None
    _assert_bounded(row_counts)


def test_search_reindex_stays_small(shared_store, row_counts):
    search.refresh(shared_store, None)
    assert search_query.search(shared_store, "flavocytochrome").total >= 1
    # One index document per stored source (a rebuild now reads sources' fields per graph,
    # search-source-fields.rq, and chooses in Python), and nothing missing or extra.
    report = search.drift(shared_store)
    assert report["source"]["index"] == len(shared_store.select("SELECT DISTINCT ?s WHERE { ?s a cg:Source }"))
    assert search.in_step(report)
    # The whole index: a row per claim link (18 claims) is honest; concepts are the vocabulary's.
    # search-source-fields gives a row per field of each source's description and per citing
    # reference (its entry and label): linear in them, never their product. Bound it by that,
    # the rest by ROW_BOUND.
    copies = len(shared_store.select("SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s a cg:Source } }"))
    copies += len(shared_store.select("SELECT ?r WHERE { GRAPH ?g { ?r <http://purl.org/spar/biro/references> ?s } }"))
    fields = [n for name, n in row_counts if name == "search-source-fields"]
    assert fields and max(fields) <= 16 * copies, (fields, copies)
    _assert_bounded([(name, n) for name, n in row_counts
                     if name not in ("search-concepts", "search-source-fields")], bound=3 * ROW_BOUND)


def test_audit_export_stays_small_and_is_the_same_twice(shared_store, row_counts):
    version = _first_version(shared_store)
    outputs = []
    for _ in range(2):
        out = io.BytesIO()
        write_export(shared_store, [version], "csv", out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and SHARED_DOI.encode() in outputs[0]
    _assert_bounded(row_counts)


def test_source_export_is_one_entry_per_source_and_stable(shared_store, row_counts):
    rows = source_export.stored_sources(shared_store)
    assert [row["source"] for row in rows].count(SOURCE) == 1
    assert source_export.to_bibtex(rows) == source_export.to_bibtex(source_export.stored_sources(shared_store))
    _assert_bounded(row_counts)


def test_a_record_s_description_wins_over_every_citing_article(shared_store, shared, vocabulary):
    """Last: loads the PubMed record of the shared DOI into the module's store."""
    from claimgraph.graph.write.ingest import ingest
    from claimgraph.loaders import read_file

    assert ingest(shared_store, read_file(shared / "data" / "pubmed" / "pubmed1.xml", vocabulary)).ok
    version = _first_version(shared_store)
    cited = _cited(pages.citations(shared_store, version=version))
    assert cited and {card["title"] for card in cited} == {RECORD_TITLE}
    assert {card["kind"] for card in cited} == {"https://w3id.org/claimgraph/ns#Study"}
    exported = [row for row in source_export.stored_sources(shared_store) if row["source"] == SOURCE]
    assert exported[0]["title"] == RECORD_TITLE and exported[0]["pmid"] == "9997"
    found = shared_store.select("search-sources", source=NamedNode(SOURCE))
    assert len(found) == 1 and found[0]["title"] == RECORD_TITLE


def test_a_join_of_five_properties_of_a_source_cited_by_200_articles_is_one_row(tmp_path_factory):
    """The issue's measure: as many rows for a source cited by 200 articles (each describing
    it its own way) as for a source cited once."""
    from claimgraph.graph.write.batch import load_files

    folder = tmp_path_factory.mktemp("two-hundred")
    paths = []
    for n in range(200):
        path = folder / f"answer-{n:03d}.md"
        path.write_text(_answer(n), encoding="utf-8")
        paths.append(path)
    store = ClaimStore(tmp_path_factory.mktemp("store200") / "store")
    load_files(store, paths)
    join = ("SELECT * WHERE { ?s <http://purl.org/dc/terms/title> ?t ; "
            "<https://w3id.org/claimgraph/ns#kindBasis> ?b ; <https://w3id.org/claimgraph/ns#resolution> ?r ; "
            "<https://w3id.org/claimgraph/ns#evidenceLevel> ?l ; <http://prismstandard.org/namespaces/basic/2.0/doi> ?d }")
    citers = store.select("SELECT ?s (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?r "
                          "<http://purl.org/spar/biro/references> ?s } } GROUP BY ?s", s=NamedNode(SOURCE))
    assert citers[0]["n"] == 200
    once = "https://w3id.org/claimgraph/id/source/doi/10.5555/own.0"
    assert len(store.select(join, s=NamedNode(SOURCE))) == len(store.select(join, s=NamedNode(once))) == 1
