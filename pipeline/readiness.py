"""When is a file in the inbox ready to be taken? A small tracker, testable without a watcher.

A file is ready when its size and modification time have not changed for ``delay`` seconds
(measured with the injected ``clock``) and it can be opened for reading. A scanner writing over
SMB, a clerk copying a large PDF, a browser downloading: all of them change size or mtime while
they write. Temporary and lock files of the usual programs are never candidates.

The watcher calls ``touch`` for every path an event or a rescan mentions and ``poll`` on every
tick; ``poll`` re-reads the file system itself, so a missed event only delays a file, and a
spurious one costs a ``stat``.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Names written by editors, browsers, copy tools and operating systems while they work, or
# beside the real files. Matched case-insensitively (Windows clients write THUMBS.DB too).
IGNORED_PATTERNS = ("~$*", ".~lock*", "*.tmp", "*.temp", "*.part", "*.partial", "*.crdownload",
                    "*.download", "thumbs.db", "desktop.ini", ".ds_store")
# Folders that network storage and operating systems put inside shares.
IGNORED_FOLDERS = ("@eadir", "#recycle", "$recycle.bin", "system volume information", "#snapshot")


def is_ignored(name: str) -> bool:
    """True for temporary, lock and system files, and for every dot file."""
    if name.startswith("."):
        return True
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in IGNORED_PATTERNS)


def is_ignored_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_FOLDERS


def can_open(path: Path) -> bool:
    """Can we read it? (A Windows writer over SMB may hold it exclusively; a file may be 0000.)"""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return False
    os.close(fd)
    return True


@dataclass
class _Seen:
    signature: tuple[int, int]  # (size, mtime_ns)
    since: float  # clock time the signature was first seen


class ReadinessTracker:
    """Remembers candidate files and says which have been stable for ``delay`` seconds."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic):
        self.delay = delay
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}
        # Stable for ``delay`` but they do not open (no permission, or held by a writer): kept,
        # they may open later, but `watch --once` does not wait for them for ever.
        self.blocked: set[Path] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, path: Path) -> bool:
        return path in self._seen

    @property
    def paths(self) -> list[Path]:
        return list(self._seen)

    def touch(self, path: Path) -> None:
        """Consider ``path`` (an event or a rescan mentioned it). Ignored names are dropped."""
        if is_ignored(path.name):
            return
        signature = _signature(path)
        if signature is None:
            self.forget(path)
            return
        known = self._seen.get(path)
        if known is None or known.signature != signature:
            self._seen[path] = _Seen(signature, self.clock())
            self.blocked.discard(path)

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)
        self.blocked.discard(path)

    @property
    def only_blocked(self) -> bool:
        """Every candidate left is one that does not open (or there is none)."""
        return all(path in self.blocked for path in self._seen)

    def next_due(self, after: float = float("-inf")) -> float | None:
        """Clock time (later than ``after``) at which a candidate becomes ready if unchanged."""
        return min((seen.since + self.delay for seen in self._seen.values() if seen.since + self.delay > after),
                   default=None)

    def still_ready(self, path: Path) -> bool:
        """Unchanged since ``poll`` found it ready (checked again just before it is taken)."""
        seen = self._seen.get(path)
        return seen is not None and _signature(path) == seen.signature and can_open(path)

    def poll(self) -> list[Path]:
        """Re-check every candidate; return those ready now, oldest first. Vanished files and
        files that stopped being regular files are forgotten; a changed file starts over."""
        now = self.clock()
        ready: list[tuple[float, Path]] = []
        for path, seen in list(self._seen.items()):
            signature = _signature(path)
            if signature is None:
                self.forget(path)
            elif signature != seen.signature:
                self._seen[path] = _Seen(signature, now)
                self.blocked.discard(path)
            elif now - seen.since >= self.delay:
                if can_open(path):
                    self.blocked.discard(path)
                    ready.append((seen.since, path))
                else:
                    self.blocked.add(path)
        return [path for _, path in sorted(ready, key=lambda item: item[0])]


def _signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a regular file that is not a symlink; None otherwise."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_size, info.st_mtime_ns
