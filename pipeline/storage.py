"""A full disk, told apart from other failures.

When the disk holding the data directory (or the SQLite database) fills up, every write fails
half-way: a store copy, a quarantine copy, a ledger row, an index commit. Going on file after
file only fails again, so `ingest` stops with exit 20 and the watcher stops taking files and
backs off (「磁盘空间不足」) until there is room again. Before a file is taken, the free space is
checked against ``limits.min_free_mb``, so that the usual case fails cleanly before anything is
written.
"""

from __future__ import annotations

import errno
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from core.errors import StorageFull
from core.settings import Settings

NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
# SQLite (SQLITE_FULL, and SQLITE_IOERR when the write under it failed), PostgreSQL (53100
# disk_full, 53000 insufficient_resources), as their drivers word them.
_MESSAGES = ("database or disk is full", "no space left on device", "disk full", "could not extend file",
             "read-only file system")
_SQLSTATES = {"53100"}


def free_mb(folder: Path) -> float:
    """Free space (MB) on the disk holding ``folder`` (or its nearest existing parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free / (1 << 20)


def is_storage_full(error: BaseException) -> bool:
    """True if ``error``, or any error it was raised from or wraps (SQLAlchemy's ``orig``),
    says that there is no space left or that the file system is read-only."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StorageFull):
            return True
        if isinstance(current, OSError) and current.errno in NO_SPACE:
            return True
        text = str(current).lower()
        if any(message in text for message in _MESSAGES):
            return True
        if getattr(current, "sqlstate", None) in _SQLSTATES or getattr(current, "pgcode", None) in _SQLSTATES:
            return True
        stack.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])
    return False


def disk_full_error(settings: Settings, error: BaseException) -> StorageFull | None:
    """``error`` as a full disk, or None: what ``is_storage_full`` recognises, and the vaguer
    "disk I/O error" SQLite gives when it cannot even open its journal, if the disk is indeed
    (nearly) full."""
    if is_storage_full(error):
        return error if isinstance(error, StorageFull) else storage_full(settings, error)
    try:
        nearly_full = free_mb(settings.data_dir) < 1
    except OSError:
        return None
    if nearly_full and "disk i/o error" in f"{error} {error.__cause__} {error.__context__}".lower():
        return storage_full(settings, error)
    return None


def _left(settings: Settings) -> str:
    """The free space on the data directory's disk, as the messages say it."""
    try:
        return f"{free_mb(settings.data_dir):.1f} MB"
    except OSError:
        return "未知"


def storage_full(settings: Settings, cause: BaseException | str) -> StorageFull:
    """The error a full disk becomes: what the clerk sees, what the administrator does."""
    return StorageFull(f"磁盘空间不足：数据目录 {settings.data_dir} 所在磁盘剩余 {_left(settings)}（至少应保留 "
                       f"{settings.limits.min_free_mb} MB），写入失败或已停止。未登记的文件原样保留，"
                       "没有留下写了一半的文件。请清理磁盘或扩容后重新运行。",
                       fix=f"Free space on the disk of {settings.data_dir} (and of the database), then run the "
                           "command again; [limits] min_free_mb sets the margin.",
                       cause=cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}")


def check_free_space(settings: Settings) -> None:
    """Raise StorageFull when the data directory's disk has less than ``min_free_mb`` free."""
    limit = settings.limits.min_free_mb
    if limit and (left := free_mb(settings.data_dir)) < limit:
        raise storage_full(settings, f"{left:.1f} MB free on the disk of {settings.data_dir} (min_free_mb {limit})")


class SpaceGuard:
    """The watcher's view of its disk. While it is full the watcher takes and starts no file;
    it looks again after 5, 10, 20 … seconds (at most 5 minutes) and says so each time with a
    status line 「磁盘空间不足」; what it holds waits in work/ and in the ledger."""

    FIRST, LONGEST = 5.0, 300.0

    def __init__(self, settings: Settings, *, warn: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic):
        self.settings, self.warn, self.clock = settings, warn, clock
        self.error: StorageFull | None = None  # set while the disk is full
        self.delay = 0.0
        self.until = 0.0

    @property
    def paused(self) -> bool:
        return self.error is not None and self.clock() < self.until

    def allows(self) -> bool:
        """May a file be taken now? Looks at the free space (not more often than the back-off)."""
        if self.paused:
            return False
        limit = self.settings.limits.min_free_mb
        try:
            left = free_mb(self.settings.data_dir)
        except OSError:
            return True
        if left >= max(limit, 1):
            if self.error is not None:
                self.warn(f"磁盘空间已恢复（剩余 {left:.0f} MB），继续接收和处理文件。")
                self.error = None
            return True
        self.hit(f"{left:.1f} MB free on the disk of {self.settings.data_dir} (min_free_mb {limit})")
        return False

    def hit(self, cause: BaseException | str) -> StorageFull:
        """The disk is full (a write failed, or too little is free): pause, and say so."""
        self.error = storage_full(self.settings, cause)
        self.delay = min(self.LONGEST, self.delay * 2 if self.delay else self.FIRST)
        self.until = self.clock() + self.delay
        self.warn(f"磁盘空间不足：数据目录所在磁盘剩余 {_left(self.settings)}（至少需要 {self.settings.limits.min_free_mb} MB），"
                  f"暂停接收和处理文件，{self.delay:.0f} 秒后再试。")
        return self.error

    def ok(self) -> None:
        """A file went through: the next full disk starts the back-off afresh."""
        if self.error is None:
            self.delay = 0.0
