"""Audit exports of the seed: content, determinism, round trips, manifests, HTTP."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
import requests
from pyoxigraph import NamedNode, RdfFormat, parse
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from claimgraph.graph.write import reviews
from claimgraph.graph.exports import FORMATS, ExportError, Selection, export, manifest_path
from claimgraph.graph.store import ClaimStore
from sparql_live import live_server

NP = "http://www.nanopub.org/nschema#"


def _version(store) -> str:
    return store.select("SELECT ?version WHERE { ?version a cg:Article }")[0]["version"]


def _csv_rows(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_has_every_claim_with_its_markers_and_findings(seed_store, tmp_path):
    manifest = export(seed_store, Selection(), "csv", tmp_path / "audit.csv")
    rows = _csv_rows(tmp_path / "audit.csv")
    by_claim: dict[int, list[dict]] = {}
    for row in rows:
        by_claim.setdefault(int(row["claim_position"]), []).append(row)
    assert sorted(by_claim) == list(range(1, 26))
    assert [r["marker"] for r in by_claim[21]] == ["3", "4", "6", "5"]  # order as written
    uncited = {n for n, rs in by_claim.items() if "UNCITED_CLAIM" in rs[0]["findings"]}
    assert uncited == {2, 3, 4, 10, 11, 12, 13, 14, 15, 16}
    assert all(r["marker"] == "" and r["source"] == "" for n in uncited for r in by_claim[n])
    unresolved = {r["marker"] for r in rows if "UNRESOLVED_SOURCE" in r["findings"]}
    assert unresolved == {"1", "2", "3", "4", "5", "6"}
    assert by_claim[1][0]["source_kind"] == "guideline"
    assert by_claim[1][0]["organisation"] == "American Society of Clinical Oncology"
    assert by_claim[17][0]["evidence_level"] == "drug label"
    assert manifest["counts"]["rows"] == len(rows)


def test_two_exports_are_byte_identical_and_a_new_verdict_shows_up(seed_store, tmp_path):
    for fmt in FORMATS:
        first = export(seed_store, Selection(), fmt, tmp_path / f"a-{fmt}")
        again = export(seed_store, Selection(), fmt, tmp_path / f"b-{fmt}")
        assert (tmp_path / f"a-{fmt}").read_bytes() == (tmp_path / f"b-{fmt}").read_bytes(), fmt
        assert first["sha256"] == again["sha256"]
    claim = f"{_version(seed_store)}/claim-2"
    reviews.record_verdict(seed_store, claim, "needs-source", "Grace Hopper", "no citation",
                           at="2025-04-01T09:30:00Z")
    export(seed_store, Selection(), "csv", tmp_path / "after.csv")
    row = next(r for r in _csv_rows(tmp_path / "after.csv") if r["claim"] == claim)
    assert (row["latest_verdict"], row["reviewer"], row["verdict_date"]) == \
        ("needs source", "Grace Hopper", "2025-04-01T09:30:00Z")
    assert (tmp_path / "after.csv").read_bytes() != (tmp_path / "a-csv").read_bytes()
    export(seed_store, Selection(), "html", tmp_path / "after.html")
    html = (tmp_path / "after.html").read_text(encoding="utf-8")
    assert "Grace Hopper" in html and "2025-04-01" in html


def test_manifest_names_the_selection_inputs_and_export_hash(seed_store, tmp_path, shared):
    import hashlib

    version = _version(seed_store)
    manifest = export(seed_store, Selection(articles=[version]), "trig", tmp_path / "audit.trig")
    on_disk = json.loads(manifest_path(tmp_path / "audit.trig").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["sha256"] == hashlib.sha256((tmp_path / "audit.trig").read_bytes()).hexdigest()
    assert manifest["software"]["name"] == "claimgraph"
    assert "VALUES ?requested" in manifest["selection"]["query"] and version in manifest["selection"]["query"]
    seed_sha = hashlib.sha256((shared / "data/seeds/myopathy-necrosis.txt").read_bytes()).hexdigest()
    assert {"file": "myopathy-necrosis.txt", "sha256": seed_sha} in manifest["inputs"]
    assert seed_store.select(manifest["selection"]["query"])[0]["version"] == version


def test_trig_and_jsonld_load_back_isomorphic(seed_store, tmp_path):
    reviews.record_verdict(seed_store, f"{_version(seed_store)}/claim-1", "supported", "Ada",
                           at="2025-03-01T10:00:00Z")
    export(seed_store, Selection(), "trig", tmp_path / "audit.trig")
    export(seed_store, Selection(), "jsonld", tmp_path / "audit.jsonld")
    reimported = ClaimStore(tmp_path / "empty")
    with open(tmp_path / "audit.trig", "rb") as handle:
        reimported.write(parse(handle, format=RdfFormat.TRIG))
    trig, stored = _dataset(reimported), _dataset(seed_store)
    names = {g.identifier for g in trig.graphs() if len(g)}
    version = URIRef(_version(seed_store))
    assert version in names and any("/verdict/" in str(n) for n in names)
    for name in names:
        exported_graph = trig.graph(name)
        if name == version or "/verdict/" in str(name) or "/graph/findings/article/" in str(name):
            assert isomorphic(exported_graph, stored.graph(name)), name  # whole graphs, not parts
        else:  # shared graphs: what is exported is what the store has
            assert set(exported_graph) <= set(stored.graph(name)), name
    jsonld = Dataset()
    jsonld.parse(tmp_path / "audit.jsonld", format="json-ld")
    for name in names:
        assert isomorphic(jsonld.graph(name), trig.graph(name)), name


def _dataset(store: ClaimStore) -> Dataset:
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_QUADS)
    dataset = Dataset()
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
    return dataset


def test_nanopublications_one_per_claim(seed_store, tmp_path):
    export(seed_store, Selection(), "nanopub", tmp_path / "audit.nanopub.trig")
    with open(tmp_path / "audit.nanopub.trig", "rb") as handle:
        quads = list(parse(handle, format=RdfFormat.TRIG))
    heads = {q.subject for q in quads if q.predicate == NamedNode(NP + "hasAssertion")}
    assert len(heads) == 25
    for head in heads:
        parts = {q.predicate.value.rsplit("#")[1]: q.object for q in quads if q.subject == head
                 and q.predicate.value.startswith(NP + "has")}
        assert set(parts) == {"hasAssertion", "hasProvenance", "hasPublicationInfo"}
        for graph in parts.values():
            assert any(q.graph_name == graph for q in quads)
        assert any(q.graph_name == parts["hasPublicationInfo"] and q.subject == head for q in quads)
        assert any(q.graph_name == parts["hasProvenance"] and q.subject == parts["hasAssertion"] for q in quads)


def test_xlsx_has_frozen_header_filters_and_findings_sheet(seed_store, tmp_path):
    from openpyxl import load_workbook

    export(seed_store, Selection(), "xlsx", tmp_path / "audit.xlsx")
    with zipfile.ZipFile(tmp_path / "audit.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    workbook = load_workbook(tmp_path / "audit.xlsx")
    evidence, findings = workbook["Evidence"], workbook["Findings"]
    assert evidence.freeze_panes == "A2" and evidence.auto_filter.ref.startswith("A1:")
    codes = [row[2] for row in findings.iter_rows(min_row=2, values_only=True)]
    assert codes.count("UNCITED_CLAIM") == 10 and codes.count("UNRESOLVED_SOURCE") == 6


def test_html_report_is_self_contained_and_escaped(seed_store, tmp_path):
    claim = f"{_version(seed_store)}/claim-3"
    reviews.record_verdict(seed_store, claim, "not-supported", "<script>alert(1)</script>", "a & b")
    export(seed_store, Selection(), "html", tmp_path / "audit.html")
    html = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "src=" not in html and "<link" not in html  # nothing fetched from elsewhere
    assert html.count('class="claim sev-violation"') == 10  # the uncited claims
    assert "UNRESOLVED_SOURCE" in html


def test_bad_selections_are_refused(seed_store, tmp_path):
    with pytest.raises(ExportError, match="matches no article"):
        export(seed_store, Selection(articles=["https://example.org/none"]), "csv", tmp_path / "x.csv")
    with pytest.raises(ExportError, match="not an IRI"):
        export(seed_store, Selection(articles=["> } DROP ALL"]), "csv", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_downloads_over_http(seed_store, tmp_path):
    export(seed_store, Selection(), "csv", tmp_path / "audit.csv")
    with live_server(seed_store) as (url, _):
        got = requests.get(f"{url}/export/audit.csv", params={"article": _version(seed_store)}, timeout=20)
        assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/csv")
        assert got.content == (tmp_path / "audit.csv").read_bytes()
        manifest = requests.get(f"{url}/export/audit.csv.manifest.json", timeout=20).json()
        assert manifest["sha256"] == got.headers["X-Content-SHA256"]
        assert requests.get(f"{url}/export/audit.pdf", timeout=20).status_code == 404
        assert requests.get(f"{url}/export/audit.csv", params={"article": "nope"}, timeout=20).status_code == 400


def test_xlsx_bytes_do_not_depend_on_the_clock():
    """openpyxl stamps the save time into docProps/core.xml; the export pins it."""
    import io
    import time

    from claimgraph.graph.exports.tabular import write_xlsx

    first, second = io.BytesIO(), io.BytesIO()
    write_xlsx([], first)
    time.sleep(1.1)  # cross a whole second, the resolution of the stamp
    write_xlsx([], second)
    assert first.getvalue() == second.getvalue()


def test_downloads_leave_no_temporary_files(seed_store, tmp_path, monkeypatch):
    """Every download, read or not, finished or refused, leaves nothing in the temp folder."""
    import tempfile

    from claimgraph.web import create_app

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client = create_app({"STORE": seed_store, "TESTING": True}).test_client()
    for ext in ("csv", "xlsx", "html", "csv.manifest.json"):
        assert client.get(f"/export/audit.{ext}").status_code == 200  # the body is never read
    assert client.get("/export/audit.csv?article=nope").status_code == 400
    assert not list(tmp_path.glob("claimgraph-export-*"))


def test_audit_rows_are_those_read_over_every_graph(store, load_paths, shared):
    """The audit reads cited sources' details from the sources graph and the citing
    version (pages.source_cards); the rows must be those of the older single query
    that read every graph describing the source (tests/data/audit-rows-every-graph.rq)."""
    from pyoxigraph import NamedNode

    from claimgraph.graph.exports.rows import article_audit

    assert all(o.ok for o in load_paths(shared / "data" / "attributed-qa" / "expertqa_domain_test_medicine.jsonl",
                                        shared / "data" / "seeds" / "myopathy-necrosis.txt",
                                        *sorted((shared / "data" / "pubmed").glob("*.xml")),
                                        Path(__file__).parent / "data" / "sources-cites-doi.md"))
    oracle = (Path(__file__).parent / "data" / "audit-rows-every-graph.rq").read_text()
    columns = {"kind": "source_kind", "source_title": "source_title", "organisation": "organisation"}
    versions = [row["version"] for row in store.select("page-home-articles")]
    assert len(versions) >= 50
    seen = set()
    for version in versions:
        expected = {}
        for r in store.select(oracle, version=NamedNode(version)):
            expected.setdefault((r["claim"], r["label"] or ""), (
                r["source"] or "", *(r[k] or "" for k in columns),
                "; ".join(f"{n}:{r[n]}" for n in ("doi", "pmid", "pmcid", "setid") if r[n])))
        got = {(row["claim"], row["marker"]): (row["source"], *(row[c] for c in columns.values()), row["identifiers"])
               for row in article_audit(store, version).rows}
        assert got == expected, version
        seen |= {name for values in got.values() for name, value in zip(("source", *columns, "ids"), values) if value}
    assert seen == {"source", "kind", "source_title", "organisation", "ids"}  # every column was compared on data
