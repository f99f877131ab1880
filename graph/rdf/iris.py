"""Deterministic IRIs: the same input always gives the same IRIs.

Articles are keyed by what identifies them across versions (their question or
URL), versions by the hash of the bytes they came from, and everything inside a
version by its position. Sources are keyed by their strongest identifier
(DOI > PMID > PMCID > DailyMed SetID > URL), so that two articles citing one
paper share one node; a source known only as "marker 3 of article A" is
unresolved and keyed by article and marker.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from pyoxigraph import NamedNode

from claimgraph.loaders.records import Organisation, Source

from claimgraph.graph.rdf.namespaces import ID

GRAPH_PROVENANCE = NamedNode(ID + "graph/provenance")
GRAPH_VOCABULARY = NamedNode(ID + "graph/vocabulary")
GRAPH_ONTOLOGY = NamedNode(ID + "graph/ontology")
GRAPH_SOURCES = NamedNode(ID + "graph/sources")  # sources as their own records describe them
# Sources no record describes, as the first reference citing them describes them: each
# source is described once, here or in GRAPH_SOURCES, never in the citing articles' graphs.
GRAPH_CITED = NamedNode(ID + "graph/sources/cited")
GRAPH_CHANGES = NamedNode(ID + "graph/changes")  # change notes the derived data has yet to follow


def _digest(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def slugify(text: str, max_length: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def normalise_key_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def title_year_key(title: str | None, year: int | None) -> str | None:
    """What a probable (title + year) match compares: "2021|management of immune related ..."."""
    words = re.sub(r"[^a-z0-9]+", " ", (title or "").casefold()).strip()
    return f"{year:04d}|{words}" if words and year else None


def article_key(key_text: str) -> str:
    """Readable and unique: a slug of the question plus a hash of all of it."""
    normalised = normalise_key_text(key_text)
    return f"{slugify(normalised)}-{_digest(normalised)}"


def article_iri(key: str) -> NamedNode:
    return NamedNode(f"{ID}article/{key}")


def version_iri(key: str, content_sha256: str) -> NamedNode:
    """Also the name of the version's graph."""
    return NamedNode(f"{ID}article/{key}/v-{content_sha256[:12]}")


def child_iri(parent: NamedNode, kind: str, index: int | str) -> NamedNode:
    """Parts of a version: section-1, claim-3, ref-2, claim-3/marker-1 ..."""
    return NamedNode(f"{parent.value}/{kind}-{index}")


def source_key(source: Source) -> str | None:
    ids = source.identifiers
    if ids.doi:
        return "doi/" + quote(ids.doi, safe="/-._()")
    if ids.pmid:
        return f"pmid/{ids.pmid}"
    if ids.pmcid:
        return f"pmc/{ids.pmcid}"
    if ids.setid:
        return f"setid/{ids.setid}"
    if ids.url:
        # A URL alone is no identity: a site's one page, or a record exporter's placeholder,
        # can stand for different works. With its title it names one work; records sharing
        # the URL under other titles stay apart and get a duplicate-source finding.
        title = normalise_key_text(source.title or "")
        return f"url/{_digest(ids.url + (chr(10) + title if title else ''), 16)}"
    return None


def source_iri(source: Source, *, article: str | None = None, label: str | None = None,
               entry_text: str | None = None) -> NamedNode:
    """The source's IRI; without identifiers it is scoped to what cites it."""
    key = source_key(source)
    if key is None:
        if entry_text:
            # Same entry text in two articles: one node, still unresolved.
            key = f"entry/{_digest(normalise_key_text(entry_text), 16)}"
        elif article is not None and label is not None:
            key = f"unresolved/{article}/{quote(label, safe='')}"
        else:
            raise ValueError("a source without identifiers needs its citing article and label")
    return NamedNode(f"{ID}source/{key}")


def organisation_iri(org: Organisation) -> NamedNode:
    return NamedNode(f"{ID}org/{slugify(org.short_name or org.name)}")


def load_activity_iri(file_sha256: str, started: str) -> NamedNode:
    stamp = re.sub(r"[^0-9]", "", started)[:20]
    return NamedNode(f"{ID}load/{stamp}-{file_sha256[:12]}")


def software_iri(version: str) -> NamedNode:
    return NamedNode(f"{ID}software/claimgraph/{quote(version, safe='')}")
