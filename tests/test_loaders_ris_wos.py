"""RIS and Web of Science exports as users have them (issue 17, items 2 and 11; WoS tab-delimited)."""

from __future__ import annotations

import csv
import io

from claimgraph.loaders import read_file

REAL = "data/real-world"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wos_tagged_export_with_tags_rispy_does_not_know(shared):
    # JabRef's ISI test file has PS (page span), a tag rispy's mapping lacks: it used to be
    # refused as "unknown tag 'UK'" (rispy's fallback key, not a tag of the file).
    result = read_file(shared / REAL / "wos/jabref__IsiImporterTest1.isi")
    assert result.ok and result.records == 1 and len(result.sources) == 1
    source = result.sources[0].source
    assert source.title == "Optical properties of MgO doped LiNbO/sub 3/ single crystals"
    assert source.journal == "Optical Materials" and source.year == 2006
    assert result.sources[0].extra["pages"] == "467-472"
    assert any("PS (1 record)" in w for w in result.warnings), result.warnings
    assert not any("'UK'" in w or "UK (" in w for w in result.warnings)


WOS_2023 = """FN Clarivate Analytics Web of Science
VR 1.0
{records}EF
"""
WOS_RECORD = """PT J
AU Doe, J
TI Statin myopathy number {n}
SO MUSCLE & NERVE
C3 University of Somewhere
WE Science Citation Index Expanded (SCI-EXPANDED)
PY 2021
DI 10.1002/mus.{n}
PM {pmid}
DA 2023-05-01
ER

"""


def test_current_wos_export_stores_every_record(tmp_path):
    # Shaped like the 2023 export of the issue: C3 and WE on every record (29 records, 1 was stored).
    text = WOS_2023.format(records="".join(WOS_RECORD.format(n=n, pmid=3000 + n) for n in range(1, 30)))
    result = read_file(write(tmp_path, "savedrecs.txt", text))
    assert result.format == "ris" and result.ok, [str(e) for e in result.errors]
    assert result.records == 29 and len(result.sources) == 29
    assert [s.source.identifiers.doi for s in result.sources][:2] == ["10.1002/mus.1", "10.1002/mus.2"]
    assert result.sources[28].source.identifiers.pmid == "3029"
    warning = next(w for w in result.warnings if "ignored" in w)
    assert "C3 (29 records)" in warning and "WE (29 records)" in warning


def test_wos_tab_delimited_export_against_csv_by_hand(shared):
    path = shared / REAL / "other/wosscript__savedrecs-tabdelimited.txt"
    result = read_file(path)
    assert result.format == "wos-tab" and result.ok
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter="\t",
                               quoting=csv.QUOTE_NONE))
    assert result.records == len(rows) == len(result.sources) == 1000
    for row, record in zip(rows, result.sources):
        source = record.source
        assert source.title == " ".join(row["TI"].split())
        assert source.identifiers.doi == (row["DI"].lower() or None)
        assert source.year == (int(row["PY"]) if row["PY"] else None)
        assert source.authors == [a.strip() for a in row["AU"].split(";") if a.strip()]
        assert record.extra.get("volume") == (row["VL"] or None)


def test_wos_tab_delimited_short_row_and_missing_type_are_reported_by_line(tmp_path):
    header = "PT\tAU\tTI\tSO\tPY\tDI\tUT\n"
    text = header + "J\tDoe, J\tFirst\tJ X\t2020\t10.1000/x.1\tWOS:1\n" + "\tRoe, R\tSecond\tJ X\t2020\t\tWOS:2\n"
    result = read_file(write(tmp_path, "savedrecs.txt", text))
    assert result.format == "wos-tab" and result.records == 2 and len(result.sources) == 1
    assert "line 3" in str(result.errors[0]) and "no PT" in str(result.errors[0])


def test_ris_prefers_full_journal_title_and_reads_pmcid_in_l2(tmp_path):
    text = ("TY  - JOUR\nTI  - Statin-associated myopathy\nJO  - J Clin Oncol\n"
            "JF  - Journal of Clinical Oncology\nPY  - 2021\n"
            "L2  - https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8677425/\nER  - \n"
            "TY  - CHAP\nTI  - A chapter\nT2  - The Book Title\nJO  - Bk Ttl\nPY  - 2020\nER  - \n")
    result = read_file(write(tmp_path, "refs.ris", text))
    first, second = (r.source for r in result.sources)
    assert first.journal == "Journal of Clinical Oncology"
    assert first.organisation.short_name == "J Clin Oncol"
    assert first.identifiers.pmcid == "PMC8677425"
    assert second.journal == "The Book Title"


def test_ris_unknown_tags_named_in_a_warning(shared):
    result = read_file(shared / REAL / "ris/rispy__example_multi_unknown_tags.ris")
    assert result.ok and result.records == 1 and len(result.sources) == 1
    assert any("DC (1 record)" in w and "JP (1 record)" in w for w in result.warnings)
    assert result.sources[0].source.journal == "Bell System Technical Journal"
