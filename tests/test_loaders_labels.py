"""Drug labels as openFDA and DailyMed serve them (issue 17, items 1 and 8; SPL .zip downloads)."""

from __future__ import annotations

import json
import zipfile

from claimgraph.loaders import read_file
from claimgraph.loaders.loinc_sections import CODE_BY_FIELD

REAL = "data/real-world"


def _openfda_label(shared) -> dict:
    """The shared Humira label under the names of openFDA's current schema (the shared file
    has its 2014 names), with an openfda block and the fields the issue found unmapped."""
    label = json.loads((shared / "data/fda-labels/humira-adalimumab.openfda.json").read_text())
    label["warnings_and_cautions"] = label.pop("warnings_and_precautions")
    label["spl_unclassified_section"] = label.pop("spl_unclassified")
    label["warnings_and_cautions_table"] = ["<table><tr><td>x</td></tr></table>"]
    label.update({"set_id": "608d4f0d-b19f-46d3-749a-7159aa5f933d", "version": "80",
                  "effective_time": "20210218", "id": "c6c9c9f1-6c6c-4c4c-9c9c-0c0c0c0c0c0c",
                  "information_for_owners_or_caregivers": ["Keep the pen in its carton."],
                  "cleaning": ["Wipe with a damp cloth."],
                  "ask_doctor_or_pharmacist": ["Ask a doctor or pharmacist before use if you take ..."],
                  "device_reprocessing_section": ["A section name openFDA may add later."],
                  "openfda": {"brand_name": ["Humira"], "generic_name": ["ADALIMUMAB"],
                              "manufacturer_name": ["AbbVie Inc."], "product_type": ["HUMAN PRESCRIPTION DRUG"]}})
    return label


def test_openfda_schema_names_get_their_loinc_codes(shared, tmp_path):
    path = tmp_path / "humira.json"
    path.write_text(json.dumps({"meta": {}, "results": [_openfda_label(shared)]}))
    result = read_file(path)
    assert result.format == "openfda-label" and result.ok and result.records == 1
    record = result.sources[0]
    codes = {s.code: s for s in record.extra["sections"]}
    assert "43685-7" in codes and codes["43685-7"].text  # Warnings and Precautions
    assert {"42229-5", "50744-2", "60558-4", "50568-5", "34084-4", "34070-3"} <= codes.keys()
    unknown = [s for s in record.extra["sections"] if s.code is None]
    assert [s.code_name for s in unknown] == ["device_reprocessing_section"]
    assert unknown[0].text == "A section name openFDA may add later."
    assert any("device_reprocessing_section" in w and "own name" in w for w in result.warnings)
    assert record.source.title == "HUMIRA (ADALIMUMAB) prescribing information"
    assert record.source.identifiers.setid == "608d4f0d-b19f-46d3-749a-7159aa5f933d"


def test_every_openfda_section_field_is_mapped():
    # The 87 section fields of openFDA's drug label schema (schemas/druglabel_schema.json).
    assert len(CODE_BY_FIELD) >= 87
    assert CODE_BY_FIELD["warnings_and_cautions"] == "43685-7"
    assert CODE_BY_FIELD["spl_unclassified_section"] == "42229-5"
    assert CODE_BY_FIELD["ask_doctor_or_pharmacist"] == "50568-5"
    assert CODE_BY_FIELD["information_for_owners_or_caregivers"] == "50744-2"
    assert CODE_BY_FIELD["cleaning"] == "60558-4" and CODE_BY_FIELD["route"] == "60562-6"
    assert CODE_BY_FIELD["animal_pharmacology_and_or_toxicology"] == "34091-9"
    assert CODE_BY_FIELD["package_label_principal_display_panel"] == "51945-4"


def test_old_openfda_names_are_read_and_named(shared):
    result = read_file(shared / "data/fda-labels/humira-adalimumab.openfda.json")
    assert "43685-7" in {s.code for s in result.sources[0].extra["sections"]}
    assert any("warnings_and_precautions" in w and "no longer" in w for w in result.warnings)


def test_otc_label_is_a_drug_facts_label_not_prescribing_information(shared):
    record = read_file(shared / REAL / "spl-xml/openfda__cough.xml").sources[0]
    assert record.source.title.endswith("Drug Facts label")
    rx = read_file(shared / REAL / "spl-xml/openfda__lipitor-repack.xml").sources[0]
    assert rx.source.title == "LIPITOR (atorvastatin calcium trihydrate) prescribing information"


INDEXING = """<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="urn:hl7-org:v3">
  <id root="0b9b5cbd-2c35-4b7e-9b5e-1b1f0c0b5f00"/>
  <code code="60685-5" codeSystem="2.16.840.1.113883.6.1" displayName="INDEXING - PHARMACOLOGIC CLASS"/>
  <effectiveTime value="20200101"/>
  <setId root="1c2d3e4f-0000-4000-8000-000000000001"/>
  <versionNumber value="1"/>
  <component><structuredBody><component><section>
    <code code="48779-3" codeSystem="2.16.840.1.113883.6.1" displayName="SPL INDEXING DATA ELEMENTS"/>
  </section></component></structuredBody></component>
</document>
"""


def test_pharmacologic_class_indexing_document_is_not_a_drug_label(tmp_path):
    path = tmp_path / "indexing.xml"
    path.write_text(INDEXING)
    result = read_file(path)
    assert result.format == "spl-xml" and result.records == 1 and not result.sources
    assert "pharmacologic class indexing" in str(result.errors[0])
    assert "line 4" in str(result.errors[0])


def test_dailymed_zip_download_reads_the_spl_inside(shared, tmp_path):
    # DailyMed serves a label as a .zip of the SPL XML and its images.
    path = tmp_path / "dailymed_lipitor.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(shared / REAL / "spl-xml/openfda__lipitor-repack.xml", "a8c1c8b4-lipitor.xml")
        archive.writestr("lipitor-01.jpg", b"\xff\xd8\xff\xe0 not really a picture")
    result = read_file(path)
    assert result.format == "spl-zip" and result.ok, [str(e) for e in result.errors]
    assert result.records == 1 and result.sources[0].source.title.startswith("LIPITOR")
    assert result.sources[0].locator.startswith("a8c1c8b4-lipitor.xml, label SetID")


def test_zip_limits_and_non_label_zips_are_refused_clearly(tmp_path, monkeypatch):
    from claimgraph.loaders import spl_zip

    monkeypatch.setattr(spl_zip, "MAX_FILE_BYTES", 1000)  # the loaders' 64 MB limit, scaled down
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("label.xml", "<document>" + " " * 5000 + "</document>")
    assert "unpacks to 5021 bytes, over the 1000-byte limit" in str(read_file(big).errors[0])
    pictures = tmp_path / "pictures.zip"
    with zipfile.ZipFile(pictures, "w") as archive:
        archive.writestr("a.jpg", b"\xff\xd8")
    assert "no .xml member" in str(read_file(pictures).errors[0])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    result = read_file(broken)
    assert result.format == "spl-zip" and "not a readable zip archive" in str(result.errors[0])
