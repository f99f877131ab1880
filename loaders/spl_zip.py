"""DailyMed SPL downloads: a ``.zip`` holding a label's SPL XML (and its images).

DailyMed serves each label version as such a zip; its bulk releases are zips of
those zips. Every ``.xml`` member (one level of nested zips included) is read as
an SPL document (``spl.read_document``) and is one record; images and other
members are skipped. A member larger than the file-size limit, or an archive
with more members than a release holds, is refused rather than unpacked.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from .errors import LoaderError
from .source_fields import parse_xml
from .spl import read_document
from .textio import MAX_FILE_BYTES, decode

FORMAT = "spl-zip"
MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 100_000  # DailyMed's monthly releases hold tens of thousands of labels


def sniff(text: str, path) -> int:
    return 0  # a binary format: ``read_file`` picks it by its magic bytes


def read(text: str, path: str, sha256: str):
    """Text is never a zip: only reached when the format is forced on a text file."""
    raise LoaderError(path, "not a zip archive (a DailyMed SPL download is a .zip file)")


def read_bytes(data: bytes, path: str, sha256: str):
    from . import FileResult

    result = FileResult(path=path, format=FORMAT, sha256=sha256, records=0)
    for name, member in _xml_members(data, path, ""):
        result.records += 1
        try:
            record = read_document(parse_xml(decode(member, f"{path}: {name}"), f"{path}: {name}"),
                                   path, sha256)
            record.locator = f"{name}, {record.locator}"
            result.sources.append(record)
        except LoaderError as exc:
            result.errors.append(exc)
    if not result.records:
        raise LoaderError(path, "a zip with no .xml member: not a DailyMed SPL download")
    return result


def _xml_members(data: bytes, path: str, prefix: str):
    """(name, bytes) of each XML member, nested zips opened once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"not a readable zip archive: {exc}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise LoaderError(path, f"zip holds {len(members)} members, over the {MAX_MEMBERS} limit")
        for member in members:
            suffix = PurePosixPath(member.filename).suffix.lower()
            if suffix not in (".xml", ".zip") or (suffix == ".zip" and prefix):
                continue
            name = prefix + member.filename
            if member.file_size > MAX_FILE_BYTES:
                raise LoaderError(path, f"member {name} unpacks to {member.file_size} bytes, over the "
                                  f"{MAX_FILE_BYTES}-byte limit")
            with archive.open(member) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)  # the header's size may understate it
            if len(content) > MAX_FILE_BYTES:
                raise LoaderError(path, f"member {name} unpacks to over {MAX_FILE_BYTES} bytes")
            if suffix == ".zip":
                yield from _xml_members(content, path, f"{name}/")
            else:
                yield name, content
