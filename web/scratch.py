"""Temporary folders of requests (uploads, exports), findable after a crash.

Each folder's name holds the process id: ``claimgraph-<kind>-<pid>-<random>``. A
request removes its own folder when it ends, but a server killed in the middle
(SIGKILL, the OOM killer, a power cut) cannot; the next server removes, at start,
every such folder of this user whose process is no longer running. A folder of a
live process (another server, a ``claimgraph`` command) is never touched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def scratch_prefix(kind: str) -> str:
    """The ``tempfile`` prefix of this process's ``kind`` folders."""
    return f"claimgraph-{kind}-{os.getpid()}-"


def remove_orphans(kind: str, root: str | None = None) -> list[Path]:
    """Remove the ``kind`` folders of processes that are gone, in ``root`` (default: the
    temporary folder); returns them."""
    pattern = re.compile(rf"claimgraph-{re.escape(kind)}-(\d+)-")
    removed = []
    root = Path(root or tempfile.gettempdir())
    try:
        candidates = list(root.iterdir())
    except OSError:
        return removed
    for folder in candidates:
        found = pattern.match(folder.name)
        try:
            if not found or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if _running(int(found.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.info("removed %d temporary %s folder(s) left by stopped servers", len(removed), kind)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    # A killed process whose parent was killed too stays a zombie until something reaps
    # it (in a container, perhaps never): it holds its pid but will not use its folder.
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
