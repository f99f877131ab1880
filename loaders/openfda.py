"""openFDA drug/label JSON: one drug label per result.

A file is one label object, a list of them, or an API response
(``{"meta": ..., "results": [...]}``). Each section field of openFDA's drug
label schema (a list of strings) becomes a section of the label with its LOINC
code (``loinc_sections.CODE_BY_FIELD``); the ``*_table`` twins repeat the
section's tables as HTML and are not read. A field the schema does not have
whose value is text is kept as a section under its own name, without a code,
and named in a warning (as are the 2014 names openFDA no longer uses).
``set_id``, ``version``, ``effective_time`` and the ``openfda`` block (brand,
generic and manufacturer names, product type) are kept when present; a label
without a set id cannot be identified, which is said as a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import LoaderError
from .loinc_sections import CODE_BY_FIELD, METADATA_FIELDS, OLD_CODE_BY_FIELD, SECTION_NAMES
from .records import Organisation
from .source_fields import LabelSection, RecordDraft, build_record, clean, parse_json
from .spl import FDA, OTC_LABEL, PRESCRIPTION_LABEL, _date, label_title, unique

FORMAT = "openfda-label"

_IDENTITY_KEYS = ("set_id", "effective_time", "openfda", "spl_product_data_elements")


def sniff(text: str, path: Path) -> int:
    head = text.lstrip("\ufeff\r\n\t ")[:16384]
    if head[:1] not in "[{":
        return 0
    keys = set(re.findall(r'"([a-z_]+)"\s*:', head))
    sections = len(keys & (set(CODE_BY_FIELD) | set(OLD_CODE_BY_FIELD)))
    if keys & {"set_id", "effective_time"} and sections:
        return 95
    if sections >= 3:
        return 88
    return 0


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    data = parse_json(text, path)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    labels = data if isinstance(data, list) else [data]
    result.records = len(labels)
    for n, label in enumerate(labels, start=1):
        place = f"label {n}"
        try:
            if not isinstance(label, dict):
                raise LoaderError(path, "not an openFDA label object", place=place)
            draft, notes = _draft(label)
            result.warnings += [f"{path}: {place}: {note}" for note in notes]
            record = build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256)
            if not record.source.identifiers.setid:
                result.warnings.append(f"{path}: {place}: no set_id, so the label cannot be matched to "
                                       "other versions or to citations; stored as an unidentified label")
            result.sources.append(record)
        except LoaderError as exc:
            result.errors.append(exc)
    return result


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _names_from_description(label: dict) -> tuple[list[str], list[str]]:
    """Brand and generic name as the label's own description states them: "HUMIRA (adalimumab) is ..."."""
    text = " ".join(str(v) for v in (label.get("description") or []))
    match = re.search(r"\bDESCRIPTION\s+([A-Z][A-Z0-9-]{2,})\S*\s*\(([a-z][a-z0-9 -]+)\)", text)
    return ([match.group(1)], [match.group(2)]) if match else ([], [])


# Drug Facts sections: only an OTC label has them.
_OTC_FIELDS = {"purpose", "active_ingredient", "do_not_use", "stop_use", "when_using", "ask_doctor",
               "keep_out_of_reach_of_children"}


def _document_type(label: dict, meta: dict) -> str | None:
    """The SPL document type: from the ``openfda`` block, else from Drug Facts sections."""
    product_type = " ".join(meta.get("product_type") or []).upper()
    if "OTC" in product_type or (not product_type and _OTC_FIELDS & label.keys()):
        return OTC_LABEL
    return PRESCRIPTION_LABEL if "PRESCRIPTION" in product_type else None


def _section_text(value) -> str | None:
    """A section's text (openFDA gives a list of strings); None for a value that is not text."""
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        return None
    return "\n\n".join(v for v in values if v.strip())


def _draft(label: dict) -> tuple[RecordDraft, list[str]]:
    """The label's draft and notes on the fields it read under names openFDA's schema lacks."""
    meta = label.get("openfda") or {}
    products = unique(meta.get("brand_name") or [])
    generics = unique(meta.get("generic_name") or [])
    labeller = clean(_first(meta.get("manufacturer_name")))
    effective = _date(_first(label.get("effective_time")))
    setid = _first(label.get("set_id")) or _first(meta.get("spl_set_id"))
    sections, old, unknown, ignored = [], [], [], []
    for key, value in label.items():
        if key in METADATA_FIELDS or (key.endswith("_table") and key[:-6] in label):
            continue
        code = CODE_BY_FIELD.get(key) or OLD_CODE_BY_FIELD.get(key)
        text = _section_text(value)
        if text is None:
            if code is None:
                ignored.append(key)
            continue
        if code is None:
            unknown.append(key)
        elif key in OLD_CODE_BY_FIELD:
            old.append(key)
        if not text.strip():
            continue
        first_line = text.strip().splitlines()[0]
        sections.append(LabelSection(number=str(len(sections) + 1), code=code,
                                     code_name=SECTION_NAMES.get(code) if code else key,
                                     title=clean(first_line[:200]), text=" ".join(text.split())))
    notes = []
    if old:
        notes.append(f"fields named as openFDA no longer names them, read with their LOINC code: {', '.join(old)}")
    if unknown:
        notes.append(f"fields not in openFDA's drug label schema, kept as sections under their own name "
                     f"(no LOINC code): {', '.join(unknown)}")
    if ignored:
        notes.append(f"fields not in openFDA's drug label schema and not text, ignored: {', '.join(ignored)}")
    if not products:
        products, generics = _names_from_description(label)
    draft = RecordDraft(title=label_title(products, generics, None, _document_type(label, meta)),
                        year=int(effective[:4]) if effective else None,
                        setid=setid, kind="drug-label",
                        organisation=Organisation(labeller) if labeller else FDA)
    draft.extra = {"version": clean(_first(label.get("version"))), "effective_date": effective,
                   "date": effective, "document_id": clean(_first(label.get("id"))),
                   "product_names": products, "generic_names": generics, "authority": FDA,
                   "sections": sections}
    return draft, notes
