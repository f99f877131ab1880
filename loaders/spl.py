"""FDA Structured Product Labeling (SPL XML, ``<document xmlns="urn:hl7-org:v3">``): one drug label.

Kept: SetID (shared by every version of a label), version number, effective
date, document id, product (brand) and generic names, the labeller, and every
section with its LOINC code, its heading and its own text (nested sections are
their own parts, linked to their parent), so that a claim can be traced to the
section that says it. The issuing authority of an SPL is the FDA.

An SPL document is a label only when its document type (the LOINC code of its
``<code>``) says so: indexing documents (pharmacologic class, substance,
indication, billing unit), establishment registrations and labeler-code
requests are refused with their type named. A label's title follows its type:
"prescribing information" for a prescription label, "Drug Facts label" for an
OTC one, "label" for any other.
"""

from __future__ import annotations

from pathlib import Path

from .errors import LoaderError
from .records import Organisation
from .source_fields import LabelSection, RecordDraft, build_record, clean, element_text, parse_xml

FORMAT = "spl-xml"

NS = {"v3": "urn:hl7-org:v3"}
LOINC_SYSTEM = "2.16.840.1.113883.6.1"
FDA = Organisation("U.S. Food and Drug Administration", "FDA")


def sniff(text: str, path: Path) -> int:
    head = text[:4096]
    if "<document" in head and "urn:hl7-org:v3" in head:
        return 95
    return 0


def _date(value: str | None) -> str | None:
    """SPL's "20140113" as "2014-01-13"."""
    value = (value or "").strip()
    if len(value) >= 8 and value[:8].isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return value[:4] if value[:4].isdigit() else None


def unique(names) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        name = clean(name)
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


# SPL document types (LOINC) that are not labels of a product, and what they are. Facts from
# the FDA's SPL document type list (as DailyMed's web services name them).
NOT_LABEL_TYPES = {
    "60685-5": "pharmacologic class indexing", "64124-1": "substance indexing",
    "71446-9": "indication indexing", "63417-0": "billing unit indexing",
    "51725-0": "establishment registration", "70097-1": "establishment de-registration",
    "71743-9": "generic drug facility identification", "72090-4": "CBER generic drug facility identification",
    "53410-7": "no change notification", "53411-5": "out of business notification",
    "69968-6": "NDC labeler code inactivation", "51726-8": "NDC/NHRIC labeler code request",
    "72871-7": "NDC labeler code request (animal drug)",
}
PRESCRIPTION_LABEL, OTC_LABEL = "34391-3", "34390-5"
_TITLE_SUFFIX = {PRESCRIPTION_LABEL: "prescribing information", OTC_LABEL: "Drug Facts label"}


def label_title(products: list[str], generics: list[str], fallback: str | None,
                document_type: str | None = None) -> str | None:
    """"LIPITOR (atorvastatin calcium) prescribing information", "TRIAMINIC (...) Drug Facts label",
    by the label's document type, when the products are known."""
    if products:
        generic = f" ({', '.join(generics)})" if generics else ""
        return f"{products[0].upper()}{generic} {_TITLE_SUFFIX.get(document_type or '', 'label')}"
    return fallback


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256, records=1)
    try:
        result.sources.append(read_document(parse_xml(text, path), path, sha256))
    except LoaderError as exc:  # the file's one record, refused: counted as such
        result.errors.append(exc)
    return result


def read_document(root, path: str, sha256: str):
    """The label record of one parsed SPL document; LoaderError when it is not a label."""
    if root.tag != "{urn:hl7-org:v3}document":
        raise LoaderError(path, f"not an SPL document (root element is {root.tag!r})")
    find = lambda xpath: root.find(xpath, NS)  # noqa: E731
    code = find("v3:code")
    type_code = code.get("code") if code is not None else None
    type_name = clean(code.get("displayName")) if code is not None else None
    if type_code in NOT_LABEL_TYPES or (type_name or "").upper().startswith("INDEXING"):
        raise LoaderError(path, f"an SPL {NOT_LABEL_TYPES.get(type_code) or type_name} document "
                          f"(type {type_code} {type_name or ''}), not a drug label: nothing stored",
                          line=code.sourceline)
    setid = (find("v3:setId").get("root") if find("v3:setId") is not None else None)
    if not setid:
        raise LoaderError(path, "SPL document has no <setId>", line=root.sourceline)
    version = find("v3:versionNumber")
    products = unique(e.text for e in root.iterfind(".//v3:manufacturedProduct/v3:manufacturedProduct/v3:name", NS))
    generics = unique(e.text for e in root.iterfind(".//v3:genericMedicine/v3:name", NS))
    labeller = clean(root.findtext("v3:author/v3:assignedEntity/v3:representedOrganization/v3:name",
                                   namespaces=NS))
    effective = _date(find("v3:effectiveTime").get("value") if find("v3:effectiveTime") is not None else None)
    document_title = element_text(find("v3:title"))
    draft = RecordDraft(
        title=label_title(products, generics, document_title, type_code),
        year=int(effective[:4]) if effective else None,
        setid=setid, kind="drug-label",
        organisation=Organisation(labeller) if labeller else FDA,
    )
    draft.extra = {
        "version": version.get("value") if version is not None else None,
        "effective_date": effective, "date": effective,
        "document_id": find("v3:id").get("root") if find("v3:id") is not None else None,
        "document_type": type_name,
        "document_title": document_title,
        "product_names": products, "generic_names": generics,
        "authority": FDA,
        "sections": list(_sections(root.find("v3:component/v3:structuredBody", NS))),
    }
    return build_record(draft, path=path, place=f"label SetID {setid}", fmt=FORMAT, sha256=sha256)


def _sections(body, parent: str | None = None):
    """Every section under ``body`` in document order, numbered by position ("3", "3.2")."""
    if body is None:
        return
    for n, section in enumerate(body.iterfind("v3:component/v3:section", NS), start=1):
        number = f"{parent}.{n}" if parent else str(n)
        code = section.find("v3:code", NS)
        loinc = code.get("code") if code is not None and code.get("codeSystem") == LOINC_SYSTEM else None
        yield LabelSection(number=number, code=loinc,
                           code_name=clean(code.get("displayName")) if code is not None else None,
                           title=element_text(section.find("v3:title", NS)),
                           text=element_text(section.find("v3:text", NS)) or "",
                           parent=parent)
        yield from _sections(section, number)
