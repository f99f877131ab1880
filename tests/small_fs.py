"""A real, small file system for the disk-full tests: a tmpfs of a few megabytes mounted
on a test folder (needs root, as in CI's container; the tests skip without it)."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_filesystem(folder: Path, size: str = "4m"):
    """``folder`` as a tmpfs of ``size`` for the duration; it is empty inside."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte; returns the filler file
    (delete it to free the space)."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for block in (65536, 1):  # big blocks, then the last bytes
            try:
                while handle.write(b"\0" * block):
                    pass
            except OSError:
                pass
    return filler
