"""The graph core on hand-built records: IRIs, versions, atomic writes, shared sources."""

from __future__ import annotations

import io

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat

from claimgraph.graph.rdf import iris
from claimgraph.graph.write.ingest import ingest
from claimgraph.graph.store import ClaimStore
from claimgraph.loaders import FileResult
from claimgraph.loaders.records import (Article, Block, CitationMarker, Claim, Identifiers,
                                        Organisation, Reference, Section, Source)


def make_article(title="Does X help Y?", sha="a" * 64, doi=None, claims=("Alpha works 1.", "Beta is unknown.")):
    built = []
    for text in claims:
        markers = []
        plain = text
        if text.endswith(" 1."):
            markers = [CitationMarker("1", len(text) - 2, len(text) - 1)]
            plain = text[:-3] + "."
        built.append(Claim(plain, text, 0, markers))
    source = Source(identifiers=Identifiers(doi=doi), kind="study") if doi else Source(
        kind="guideline", organisation=Organisation("American Society of Clinical Oncology", "ASCO"))
    return Article(title=title, key_text=title, content_sha256=sha, source_path="mem.txt",
                   source_format="text", sections=[Section("From the Research", 1, "research")],
                   blocks=[Block("paragraph", " ".join(claims), 0)], claims=built,
                   references=[Reference("1", source)])


def write(store, *articles, sha="f" * 64):
    return ingest(store, FileResult(path="mem.txt", format="text", sha256=sha, articles=list(articles)))


def dump(store) -> bytes:
    out = io.BytesIO()
    store.dump(out, RdfFormat.N_QUADS)
    return b"\n".join(sorted(line for line in out.getvalue().splitlines()
                             if b"/id/load/" not in line and b"Time>" not in line))


def test_same_input_gives_same_iris(tmp_path):
    first, second = ClaimStore(tmp_path / "a"), ClaimStore(tmp_path / "b")
    write(first, make_article())
    write(second, make_article())
    assert dump(first) == dump(second)


def test_loading_the_same_version_again_changes_nothing(store):
    write(store, make_article())
    before = len(store)
    outcome = write(store, make_article())
    assert outcome.articles[0].status == "unchanged"
    assert len(store) == before


def test_changed_article_adds_a_revision_and_keeps_the_old_one(store):
    write(store, make_article(sha="a" * 64))
    outcome = write(store, make_article(sha="b" * 64, claims=("Alpha works 1.", "Gamma too.")))
    assert outcome.articles[0].status == "new-version"
    rows = store.select("""
        SELECT ?v ?n ?prev WHERE { ?v a cg:Article ; pav:version ?n .
                                   OPTIONAL { ?v prov:wasRevisionOf ?prev } } ORDER BY ?n""")
    assert [r["n"] for r in rows] == ["1", "2"]
    assert rows[1]["prev"] == rows[0]["v"]
    stats = store.select("stats")[0]
    assert stats["articles"] == 1 and stats["versions"] == 2
    # the old version is still a queryable named graph
    assert store.has_graph(NamedNode(rows[0]["v"]))


def test_two_articles_citing_one_doi_share_one_source(store):
    write(store, make_article("First question?", "1" * 64, doi="10.1200/jco.21.01440"),
          make_article("Second question?", "2" * 64, doi="10.1200/jco.21.01440"))
    rows = store.select("SELECT DISTINCT ?s WHERE { ?c a cg:Claim ; cito:cites ?s }")
    assert [r["s"] for r in rows] == [iris.ID + "source/doi/10.1200/jco.21.01440"]


def test_unresolved_sources_are_scoped_to_their_article(store):
    write(store, make_article("First question?", "1" * 64), make_article("Second question?", "2" * 64))
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s cg:resolution cg:Unresolved }")
    assert len(rows) == 2


def test_an_article_write_is_all_or_nothing(store):
    before = len(store)

    def broken_quads():
        yield Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                   NamedNode("http://example.org/o"), NamedNode("http://example.org/g"))
        raise OSError("disk gone")

    with pytest.raises(OSError):
        store.write(broken_quads())
    assert len(store) == before


def test_every_write_is_recorded_as_a_prov_activity(store):
    write(store, make_article())
    rows = store.select("""
        SELECT ?activity ?file ?sha ?agent WHERE {
          ?v a cg:Article ; prov:wasGeneratedBy ?activity .
          ?activity a prov:Activity ; prov:used ?f ; prov:wasAssociatedWith ?agent ; prov:generated ?v .
          ?f cg:fileName ?file ; cg:sha256 ?sha }""")
    assert len(rows) == 1
    assert rows[0]["file"] == "mem.txt" and rows[0]["sha"] == "f" * 64


def test_graph_conforms_to_the_shapes(store):
    from claimgraph.graph.rdf.validation import validate_store

    write(store, make_article(), make_article("Other?", "9" * 64, doi="10.1000/xyz"))
    report = validate_store(store)
    assert report.conforms, report.text()


def test_validation_reports_a_broken_claim(store):
    from claimgraph.graph.rdf.validation import validate_store

    write(store, make_article())
    claim = NamedNode(iris.ID + "article/x/claim-1")
    store.write([Quad(claim, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      NamedNode("https://w3id.org/claimgraph/ns#Claim"), NamedNode(iris.ID + "graph/x"))])
    report = validate_store(store)
    assert not report.conforms
    assert any(r["focus"] == claim.value for r in report.results)


def test_iris_are_readable_and_stable():
    key = iris.article_key("What is the diagnosis and treatment for muscular necrosis (myopathy)?")
    assert key.startswith("what-is-the-diagnosis-and-treatment-for-muscular")
    assert key == iris.article_key("  what is the diagnosis and treatment for muscular necrosis (myopathy)? ")
    assert iris.source_iri(Source(identifiers=Identifiers(pmid="34724392"))).value.endswith("source/pmid/34724392")
    with pytest.raises(ValueError):
        iris.source_iri(Source())

