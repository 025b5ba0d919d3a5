"""What a process that handles untrusted files does to itself: cap its address space, and die
with the process that started it. The watcher's workers (``workers.py``) and `ingest`'s
extraction process (``isolation.py``) both do it, the same way."""

from __future__ import annotations

import ctypes
import os
import resource
import signal

PR_SET_PDEATHSIG = 1


def cap_address_space(memory_mb: int) -> None:
    """Cap this process's address space (``RLIMIT_AS``) at ``memory_mb`` (0: leave it). A cap
    already lower (set by whoever started us) is kept: this only ever lowers it."""
    if not memory_mb:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb << 20
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard if hard != resource.RLIM_INFINITY else limit))


def die_with_parent(parent: int) -> None:
    """Be killed when ``parent`` dies (Linux), or exit now if it already has."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent's own clean-up still stops us
    if os.getppid() != parent:
        os._exit(0)
