"""Helper processes: how many a machine has room for, and that none outlives its parent.

A load's helpers (``read_ahead``, ``graph/index/beside``) and ``serve``'s request
processes ask the kernel for a signal when their parent dies, even by SIGKILL:
without it a helper of a killed load went on reading files, or went on writing the
derived index from an old view of the store while the next load wrote it too.
"""

from __future__ import annotations

import os
import signal

_PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity on Linux)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def die_with_parent(parent: int, signum: int = signal.SIGKILL) -> bool:
    """``signum`` to this process when ``parent`` ends (Linux). False when it has
    already ended (before the request took effect): the caller stops at once."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return True
    return os.getppid() == parent
