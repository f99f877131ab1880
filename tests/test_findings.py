"""Findings computed at load time, on the seed and on small built articles."""

from __future__ import annotations

from claimgraph.graph.rules import findings
from claimgraph.graph.write.ingest import ingest
from claimgraph.loaders import FileResult
from claimgraph.loaders.records import (Article, Block, CitationMarker, Claim, Identifiers, Reference,
                                        Section, Source)

SEED_UNCITED = {2, 3, 4, 10, 11, 12, 13, 14, 15, 16}


def _codes(store, code):
    return store.select("""SELECT ?code ?target ?explanation ?severity WHERE {
        ?f a cg:Finding ; cg:findingCode ?code ; oa:hasTarget ?target ; oa:bodyValue ?explanation ;
           cg:severity ?severity } ORDER BY ?target""", code=code)


def test_seed_findings_are_what_an_auditor_expects(seed_store):
    uncited = _codes(seed_store, "UNCITED_CLAIM")
    assert {int(r["target"].rsplit("-", 1)[1]) for r in uncited} == SEED_UNCITED
    assert all(r["severity"].endswith("#Violation") for r in uncited)
    assert all("cites no source" in r["explanation"] for r in uncited)

    unresolved = _codes(seed_store, "UNRESOLVED_SOURCE")
    assert sorted(r["target"].rsplit("/", 1)[1] for r in unresolved) == ["1", "2", "3", "4", "5", "6"]

    weak = _codes(seed_store, "WEAK_EVIDENCE")  # the research claims cite studies nobody identified
    assert {int(r["target"].rsplit("-", 1)[1]) for r in weak} == set(range(18, 26))
    for code in ("SECTION_KIND_MISMATCH", "DANGLING_MARKER", "UNUSED_REFERENCE", "DUPLICATE_SOURCE",
                 "STALE_REVIEW"):
        assert _codes(seed_store, code) == [], code


def test_finding_types_are_in_the_ontology_graph(seed_store):
    rows = seed_store.select("""SELECT ?code WHERE { GRAPH cgid:graph\\/ontology {
        ?t a cg:FindingType ; cg:findingCode ?code ; rdfs:label ?l ; rdfs:comment ?c } }""")
    assert {r["code"] for r in rows} == {t.code for t in findings.FINDING_TYPES}


def test_refresh_is_idempotent(seed_store):
    before = len(seed_store)
    findings.refresh(seed_store, None)
    assert len(seed_store) == before


def _built_article() -> FileResult:
    """A guideline-section claim citing a study, a label-section claim citing no label,
    a marker with no entry, an unused entry, and two entries for one DOI-less title and year."""
    title = "Immune checkpoint inhibitor myositis outcomes in a large cohort"
    refs = [
        Reference("1", Source(Identifiers(pmid="111"), kind="study", title=title, year=2020,
                              publication_types=["Case Reports"]), text="entry 1"),
        Reference("2", Source(Identifiers(pmid="222"), kind="study", title=title.upper(),
                              year=2020), text="entry 2"),
        Reference("3", Source(Identifiers(doi="10.1/x"), kind="guideline", title="A guideline"), text="entry 3"),
    ]
    claims = [
        Claim("Guideline claim.", "Guideline claim 1.", 0, [CitationMarker("1", 17, 18)]),
        Claim("Label claim.", "Label claim 2.", 1, [CitationMarker("2", 13, 14)]),
        Claim("Dangling claim.", "Dangling claim 9.", 1, [CitationMarker("9", 16, 17)]),
    ]
    article = Article(
        title="Built article", key_text="built article", content_sha256="ab" * 32,
        source_path="built.txt", source_format="text",
        sections=[Section("From the Guidelines", 1, "guideline"), Section("From the FDA Drug Label", 1, "drug-label")],
        blocks=[Block("paragraph", "Guideline claim 1.", 0), Block("paragraph", "Label claim 2. Dangling claim 9.", 1)],
        claims=claims, references=refs, has_reference_list=True)
    return FileResult(path="built.txt", format="text", sha256="ab" * 32, articles=[article])


def test_built_article_gives_each_kind_of_finding(store):
    ingest(store, _built_article())
    mismatch = _codes(store, "SECTION_KIND_MISMATCH")
    assert [r["target"].rsplit("/", 1)[1] for r in mismatch] == ["claim-1", "claim-2"]
    assert "guidelines section" in mismatch[0]["explanation"]
    assert "drug label section" in mismatch[1]["explanation"]
    dangling = _codes(store, "DANGLING_MARKER")
    assert len(dangling) == 1 and "Marker 9" in dangling[0]["explanation"]
    unused = _codes(store, "UNUSED_REFERENCE")
    assert [r["target"].rsplit("/", 1)[1] for r in unused] == ["ref-3"]
    duplicates = store.select("""SELECT ?f (COUNT(?t) AS ?n) WHERE {
        ?f cg:findingCode "DUPLICATE_SOURCE" ; oa:hasTarget ?t } GROUP BY ?f""")
    assert len(duplicates) == 1 and duplicates[0]["n"] == 2
    weak = _codes(store, "WEAK_EVIDENCE")
    assert "case series / case report" in weak[0]["explanation"]


def _duplicates(store) -> dict[str, set[str]]:
    rows = store.select("""SELECT ?f ?t WHERE { GRAPH cgid:graph\\/findings\\/sources {
        ?f cg:findingCode "DUPLICATE_SOURCE" ; oa:hasTarget ?t } }""")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["f"], set()).add(row["t"].rsplit("/", 1)[1])
    return found


def _citing_article(n: int, pmids: list[str], title: str, year: int) -> FileResult:
    """Article ``n`` citing one study per PMID, all with the same title and year."""
    refs = [Reference(str(i), Source(Identifiers(pmid=pmid), kind="study", title=title, year=year),
                      text=f"entry {i}") for i, pmid in enumerate(pmids, start=1)]
    text = " ".join(f"Claim {i}." for i in range(1, len(pmids) + 1))
    claims = [Claim(f"Claim {i}.", f"Claim {i}.", 0, [CitationMarker(str(i), 6, 7)])
              for i in range(1, len(pmids) + 1)]
    sha = f"{n:02x}" * 32
    article = Article(title=f"Article {n}", key_text=f"article {n}", content_sha256=sha,
                      source_path=f"a{n}.txt", source_format="text",
                      sections=[Section("From the Research", 1, "research")],
                      blocks=[Block("paragraph", text, 0)], claims=claims, references=refs,
                      has_reference_list=True)
    return FileResult(path=f"a{n}.txt", format="text", sha256=sha, articles=[article])


def test_sources_sharing_a_key_are_one_finding_kept_up_to_date_by_each_load(store):
    title = "Statin myopathy in a national cohort of older adults"
    ingest(store, _citing_article(1, ["901", "902", "903"], title, 2019))
    groups = _duplicates(store)
    assert list(groups.values()) == [{"901", "902", "903"}]  # one group, not three pairs
    (finding,) = groups
    ingest(store, _citing_article(2, ["904"], title, 2019))
    ingest(store, _citing_article(3, ["905"], title, 2018))  # another year: another work
    assert _duplicates(store) == {finding: {"901", "902", "903", "904"}}
    explanation = store.select("SELECT ?f ?e WHERE { ?f oa:bodyValue ?e }", f=findings.NamedNode(finding))
    assert explanation[0]["e"].startswith("4 source nodes share the title")
    # The findings panel and audit exports read it through a version citing one member.
    (version,) = [r["version"] for r in store.select("article-versions") if r["version"].count("article-2")]
    rows = [r for r in store.select("audit-findings", version=findings.NamedNode(version))
            if r["code"] == "DUPLICATE_SOURCE"]
    assert {r["finding"] for r in rows} == {finding} and len(rows) == 4
    # What the loads kept up to date is what a whole-store rebuild gives.
    before = len(store)
    findings.refresh(store, None)
    assert _duplicates(store) == {finding: {"901", "902", "903", "904"}} and len(store) == before


def test_pair_findings_of_an_older_store_are_replaced_by_groups(store):
    title = "Statin myopathy in a national cohort of older adults"
    ingest(store, _citing_article(1, ["901", "902", "903"], title, 2019))
    graph = findings.GRAPH_SOURCE_FINDINGS
    store.drop_graph(graph)
    sources = [f"{findings.ID}source/pmid/{p}" for p in ("901", "902", "903")]
    old = findings.FindingSink(graph)
    for first, second in ((0, 1), (0, 2), (1, 2)):
        old.add(findings.DUPLICATE_SOURCE, [sources[first], sources[second]], "pair")
    store.write(old.quads)
    ingest(store, _citing_article(2, ["904"], "Another study title long enough to count", 2019))
    assert list(_duplicates(store).values()) == [{"901", "902", "903"}]


def test_incremental_duplicate_findings_equal_a_rebuild_after_every_load(store):
    """A load reads the keys of the sources it cites in its own graphs only; after each
    of these loads (sources cited again under other titles, new members, new keys) the
    findings must be those a whole-store rebuild gives."""
    long_a = "Statin myopathy in a national cohort of older adults"
    long_b = "Immune-mediated necrotizing myopathy after statin exposure"
    loads = [(1, ["901", "902"], long_a, 2019), (2, ["902", "903"], long_b, 2020), (3, ["901"], long_b, 2020),
             (4, ["904", "905"], long_a, 2019), (5, ["903"], long_a, 2019), (6, ["906"], long_b, 2021)]
    for n, pmids, title, year in loads:
        ingest(store, _citing_article(n, pmids, title, year))
        incremental = _duplicates(store)
        findings.refresh_duplicates(store, None)
        assert _duplicates(store) == incremental, f"after load {n}"
    # Each source is described once, by the first article citing it: 903 keeps load 2's title
    # and 901/902 load 1's, so only the first title's group has duplicates.
    assert sorted(map(sorted, _duplicates(store).values())) == [["901", "902", "904", "905"]]
