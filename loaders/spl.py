"""FDA Structured Product Labeling (SPL XML, ``<document xmlns="urn:hl7-org:v3">``): one drug label.

Kept: SetID (shared by every version of a label), version number, effective
date, document id, product (brand) and generic names, the labeller, and every
section with its LOINC code, its heading and its own text (nested sections are
their own parts, linked to their parent), so that a claim can be traced to the
section that says it. The issuing authority of an SPL is the FDA.
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


def label_title(products: list[str], generics: list[str], fallback: str | None) -> str | None:
    """"LIPITOR (atorvastatin calcium) prescribing information" when the products are known."""
    if products:
        generic = f" ({', '.join(generics)})" if generics else ""
        return f"{products[0].upper()}{generic} prescribing information"
    return fallback


def read(text: str, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256)
    root = parse_xml(text, path)
    if root.tag != "{urn:hl7-org:v3}document":
        raise LoaderError(path, f"not an SPL document (root element is {root.tag!r})")
    find = lambda xpath: root.find(xpath, NS)  # noqa: E731
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
        title=label_title(products, generics, document_title),
        year=int(effective[:4]) if effective else None,
        setid=setid, kind="drug-label",
        organisation=Organisation(labeller) if labeller else FDA,
    )
    code = find("v3:code")
    draft.extra = {
        "version": version.get("value") if version is not None else None,
        "effective_date": effective, "date": effective,
        "document_id": find("v3:id").get("root") if find("v3:id") is not None else None,
        "document_type": code.get("displayName") if code is not None else None,
        "document_title": document_title,
        "product_names": products, "generic_names": generics,
        "authority": FDA,
        "sections": list(_sections(root.find("v3:component/v3:structuredBody", NS))),
    }
    place = f"label SetID {setid}"
    result.sources.append(build_record(draft, path=path, place=place, fmt=FORMAT, sha256=sha256))
    return result


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
