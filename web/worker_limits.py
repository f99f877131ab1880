"""Limits the query worker processes (``query_runner``) live under.

- **No network** (``deny_network``): unless SERVICE is enabled, each worker installs
  a seccomp filter at start that makes ``socket(AF_INET | AF_INET6, …)`` and
  ``io_uring_setup`` fail with EPERM. Whatever spelling of SERVICE gets past the
  check on the parsed query (``graph.queries.syntax``), the engine cannot open a
  connection: it reports an error instead. Unix sockets (the pipes to the server)
  keep working. Linux x86_64 and aarch64 only; elsewhere, or when the kernel
  refuses, the worker says so and the parsed-query check is the only guard.
- **Memory** (``rss_bytes``, ``memory_backstop``): the server reads each busy
  worker's resident size from ``/proc/PID/statm`` and kills it past the cap
  (``QUERY_MEMORY_MB``); a worker also runs under an ``RLIMIT_DATA`` a little above
  the cap, so an allocation burst between two readings fails in the worker (the
  engine aborts, the worker is replaced) instead of taking the machine's memory.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import socket
import struct

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets; args[0]'s low word first on these little-endian machines
# (AUDIT_ARCH_*, socket, io_uring_setup) from linux/audit.h and each architecture's unistd.h
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}
_X32_BIT = 0x40000000  # x86_64's x32 ABI numbers: never used by the worker, refused outright
_LD_W_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Filter(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def network_filter(machine: str | None = None) -> bytes:
    """The BPF program (struct sock_filter[]) for this machine; KeyError elsewhere."""
    audit_arch, nr_socket, nr_io_uring = _ARCHITECTURES[machine or platform.machine()]
    program: list[tuple[int, int, int, int]] = []

    def op(code, k=0, jt=0, jf=0):
        program.append((code, jt, jf, k))

    # Jump offsets count the instructions to skip; DENY and ALLOW are the last two.
    checks = [
        (_LD_W_ABS, _ARCH, None, None),
        (_JEQ, audit_arch, 0, "deny"),          # another ABI: refuse everything it asks
        (_LD_W_ABS, _NR, None, None),
        (_JGE, _X32_BIT, "deny", 0),
        (_JEQ, nr_io_uring, "deny", 0),         # io_uring could open sockets past seccomp
        (_JEQ, nr_socket, 0, "allow"),
        (_LD_W_ABS, _ARG0, None, None),         # the address family
        (_JEQ, socket.AF_INET, "deny", 0),
        (_JEQ, socket.AF_INET6, "deny", 0),
    ]
    allow_at, deny_at = len(checks), len(checks) + 1
    for index, (code, k, jt, jf) in enumerate(checks):
        target = {"deny": deny_at, "allow": allow_at}
        jt = target[jt] - index - 1 if isinstance(jt, str) else (jt or 0)
        jf = target[jf] - index - 1 if isinstance(jf, str) else (jf or 0)
        op(code, k, jt, jf)
    op(_RET, _ALLOW)
    op(_RET, _ERRNO | errno.EPERM)
    return b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in program)


def deny_network() -> str | None:
    """Install the filter in this process (irreversibly); None on success, else why not."""
    try:
        program = network_filter()
    except KeyError:
        return f"no seccomp filter for {platform.machine()}"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(program, len(program))
        fprog = _Filter(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        ulong = ctypes.c_ulong
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
            return f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
        if libc.prctl(_PR_SET_SECCOMP, ulong(_SECCOMP_MODE_FILTER), ctypes.byref(fprog), ulong(0), ulong(0)) != 0:
            return f"prctl(PR_SET_SECCOMP) failed: {os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as exc:  # no libc or no prctl: not Linux
        return f"seccomp unavailable: {exc}"
    return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def memory_total() -> int | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def default_memory_mb() -> int:
    """2 GB, or an eighth of the machine's memory when that is less: the default three
    workers (two general, one short lane) can then hold at most three eighths of the
    machine, leaving the rest to the server, RocksDB's page cache and whatever else runs
    there; a runaway reached 5-7 GB before there was a cap (issue 13)."""
    total = memory_total()
    return 2048 if total is None else max(256, min(2048, total // 8 // 2**20))


BACKSTOP_FACTOR = 1.5  # RLIMIT_DATA over the watched cap: the watch acts first


def memory_backstop(cap_bytes: int) -> str | None:
    """Cap this process's data segment (heap and private anonymous mappings; RocksDB's
    file mappings do not count) a little above ``cap_bytes``. None on success."""
    limit = int(cap_bytes * BACKSTOP_FACTOR)
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError) as exc:
        return f"RLIMIT_DATA not set: {exc}"
    return None
