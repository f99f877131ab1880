"""Sources for reference managers: BibTeX, RIS and CSL-JSON from what the store holds.

One entry per titled source (label versions are parts, not entries). Keys are
stable: the PMID, DOI or SetID a source is known by, else a digest of its IRI.
Guidelines are exported as reports ("Practice Guideline"), drug labels as
manuals with their DailyMed link.
"""

from __future__ import annotations

import hashlib
import json
import re

from claimgraph.graph.store import ClaimStore

FORMATS = ("bibtex", "ris", "csl-json")


def stored_sources(store: ClaimStore) -> list[dict]:
    rows = store.select("export-sources")
    for row in rows:
        # dcterms:creator is unordered; a record's own author order is kept in cg:authorList.
        ordered = [a for a in (row.get("author_list") or "").split("; ") if a]
        row["authors"] = ordered or sorted(a for a in (row.get("authors") or "").split("||") if a)
    return rows


def _key(row: dict) -> str:
    for name in ("pmid", "doi", "setid"):
        if row.get(name):
            return f"{name}-{re.sub(r'[^A-Za-z0-9]+', '-', str(row[name])).strip('-')}"
    return "source-" + hashlib.sha256(row["source"].encode()).hexdigest()[:10]


def _url(row: dict) -> str | None:
    if row.get("doi"):
        return f"https://doi.org/{row['doi']}"
    if row.get("setid"):
        return f"https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={row['setid']}"
    if row.get("pmid"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"
    return None


def _ris_writer():
    import rispy

    class PlainRisWriter(rispy.RisWriter):
        """rispy's writer without its "1." counter lines, which are not RIS."""

        def set_header(self, count):
            return None

    return PlainRisWriter


def to_ris(rows: list[dict]) -> str:
    import rispy

    entries = []
    for row in rows:
        entry = {"type_of_reference": "GOVDOC" if row.get("label") else "STAND" if row.get("guideline") else "JOUR",
                 "id": _key(row), "title": row["title"]}
        optional = {"authors": row["authors"] or None, "year": row.get("year"), "journal_name": row.get("journal"),
                    "doi": row.get("doi"), "volume": row.get("volume"), "number": row.get("issue"),
                    "publisher": row.get("publisher"), "urls": [_url(row)] if _url(row) else None,
                    "accession_number": row.get("pmid")}
        entry.update({k: v for k, v in optional.items() if v})
        if row.get("pages"):
            start, _, end = str(row["pages"]).partition("-")
            entry["start_page"] = start
            if end:
                entry["end_page"] = end
        entries.append(entry)
    return rispy.dumps(entries, implementation=_ris_writer())


def _bibtex_value(text) -> str:
    """Braced, with braces in the text balanced away (BibTeX has no escape for them)."""
    return "{" + str(text).replace("{", "(").replace("}", ")") + "}"


def to_bibtex(rows: list[dict]) -> str:
    out = []
    for row in rows:
        kind = "manual" if row.get("label") else "techreport" if row.get("guideline") else "article"
        fields = {"title": row["title"], "author": " and ".join(row["authors"]) or None,
                  "year": row.get("year"), "journal": row.get("journal") if kind == "article" else None,
                  "institution": row.get("publisher") if kind == "techreport" else None,
                  "organization": row.get("publisher") if kind == "manual" else None,
                  "type": "Practice Guideline" if kind == "techreport" else None,
                  "volume": row.get("volume"), "number": row.get("issue"),
                  "pages": str(row["pages"]).replace("-", "--") if row.get("pages") else None,
                  "doi": row.get("doi"), "pmid": row.get("pmid"), "pmcid": row.get("pmcid"), "url": _url(row)}
        body = ",\n".join(f"  {name} = {_bibtex_value(value)}" for name, value in fields.items() if value)
        out.append(f"@{kind}{{{_key(row)},\n{body}\n}}\n")
    return "\n".join(out)


def to_csl_json(rows: list[dict]) -> str:
    items = []
    for row in rows:
        item = {"id": _key(row), "type": "report" if row.get("guideline") or row.get("label") else "article-journal",
                "title": row["title"]}
        if row["authors"]:
            item["author"] = [_csl_name(a) for a in row["authors"]]
        if row.get("year"):
            item["issued"] = {"date-parts": [[int(row["year"])]]}
        if row.get("guideline"):
            item["genre"] = "Practice Guideline"
        for csl, name in (("container-title", "journal"), ("DOI", "doi"), ("PMID", "pmid"), ("PMCID", "pmcid"),
                          ("volume", "volume"), ("issue", "issue"), ("page", "pages"), ("publisher", "publisher")):
            if row.get(name) and not (csl == "container-title" and item["type"] == "report"):
                item[csl] = str(row[name])
        if _url(row):
            item["URL"] = _url(row)
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _csl_name(name: str) -> dict:
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given}
    parts = name.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isupper() and len(parts[1]) <= 3:  # "Schneider BJ"
        return {"family": parts[0], "given": parts[1]}
    return {"literal": name}


def export_sources(store: ClaimStore, fmt: str) -> str:
    return write_rows(stored_sources(store), fmt)


def write_rows(rows: list[dict], fmt: str) -> str:
    """``stored_sources`` rows as one of FORMATS."""
    return {"bibtex": to_bibtex, "ris": to_ris, "csl-json": to_csl_json}[fmt](rows)
