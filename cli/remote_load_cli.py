"""``claimgraph load --server URL``: post files to a running server's ``POST /load``.

A running ``claimgraph serve`` holds the store's write lock, so loading goes
through it (web/loading.py). Files are sent in batches that stay well under the
server's body limit; a busy server (503 with Retry-After: another load is
running) is asked again a few times. The server's per-file outcomes are printed
as a local load prints them, and the exit code is the same: 1 if any file failed.
A batch the server refuses (or does not answer) fails its own files; the report
still has every batch that finished, and a server that stopped answering gets no
more batches (their files are reported as not sent).
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from pathlib import Path

import click

BATCH_BYTES = 16 * 1024 * 1024  # per request; a larger single file goes alone
BATCH_FILES = 100
BUSY_RETRIES = 5
TIMEOUT = (10, 900)  # seconds to connect, seconds for the server to load a batch


def load_through_server(server_url: str, paths, *, token_env: str, input_format: str | None,
                        as_json: bool) -> None:
    from claimgraph.outcomes import report_outcomes
    from claimgraph.loaders import iter_input_files

    token = os.environ.get(token_env)
    if not token:
        raise click.UsageError(f"--server needs the server's load token in ${token_env} (see --token-env)")
    url = server_url.rstrip("/") + "/load"
    outcomes = []
    batches = list(_batches(list(iter_input_files(paths))))
    for number, batch in enumerate(batches):
        # A failed batch fails its own files; the report keeps every batch that finished.
        try:
            outcomes += _post(url, batch, token, input_format)
        except click.ClickException as exc:
            outcomes += [_not_loaded(path, exc.message) for path in batch]
            if isinstance(exc, Unreachable):  # the server is gone: the rest are not sent
                outcomes += [_not_loaded(path, f"not sent: {url} stopped answering")
                             for later in batches[number + 1:] for path in later]
                break
    report_outcomes(outcomes, as_json, f"server: {server_url}")


class Unreachable(click.ClickException):
    """The request did not get an answer (refused, reset, timed out)."""


def _not_loaded(path: Path, reason: str):
    from claimgraph.graph.write.ingest import FileOutcome

    return FileOutcome(path=str(path), format=None, sources=0, errors=[f"{path}: {reason}"], warnings=[],
                       articles=[])


def _batches(files: list[Path]):
    batch, size = [], 0
    for path in files:
        file_size = path.stat().st_size
        if batch and (size + file_size > BATCH_BYTES or len(batch) == BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += file_size
    if batch:
        yield batch


def _post(url: str, batch: list[Path], token: str, input_format: str | None) -> list:
    import requests

    for attempt in range(BUSY_RETRIES + 1):
        with ExitStack() as files:
            # The server sees each file's own name (it goes into the provenance);
            # the answer comes back in the same order and is renamed to the local path.
            fields = [("file", (path.name, files.enter_context(open(path, "rb")))) for path in batch]
            try:
                response = requests.post(url, files=fields, data={"format": input_format} if input_format else None,
                                         headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                                         timeout=TIMEOUT)
            except requests.RequestException as exc:
                raise Unreachable(f"cannot load through {url}: {exc}") from None
        if response.status_code == 503 and attempt < BUSY_RETRIES and "Retry-After" in response.headers:
            time.sleep(_seconds(response.headers["Retry-After"]))
            continue
        break
    answer = _json(response)
    if response.status_code not in (200, 422) or "files" not in answer:
        error = answer.get("error", {})
        raise click.ClickException(f"{url} answered {response.status_code} {error.get('title', response.reason)}: "
                                   f"{error.get('detail', response.text[:300])}")
    return [_outcome(record, str(path)) for record, path in zip(answer["files"], batch)]


def _json(response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _seconds(retry_after: str) -> float:
    try:
        return min(60.0, max(1.0, float(retry_after)))
    except ValueError:  # an HTTP date; not worth parsing for a retry
        return 10.0


def _outcome(record: dict, local_path: str):
    """The server's outcome as the FileOutcome a local load prints, named by the local path."""
    from claimgraph.graph.write.ingest import ArticleOutcome, FileOutcome

    sent_as = record["path"]

    def rename(text: str) -> str:
        return text.replace(sent_as, local_path)

    return FileOutcome(path=local_path, format=record.get("format"), sources=record.get("sources", 0),
                       records=record.get("records"),
                       errors=[rename(e) for e in record.get("errors", [])],
                       warnings=[rename(w) for w in record.get("warnings", [])],
                       articles=[ArticleOutcome(**a) for a in record.get("articles", [])])
