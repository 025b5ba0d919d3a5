"""The data directory is private to the user running wenshu: it holds 涉密 text (the database,
the store of originals, quarantined files) and the text of every other record (the index).

Every command runs with the umask 077 (``private_umask``), so whatever it or a library creates
(SQLite's journal files, whoosh's segments, an Excel export, a worker's temporary files) is 0600
in 0700 folders, whatever the umask of the shell or service that started it; wenshu's own files
are made so explicitly too (``core.durable``). A data directory made looser before (by another
umask, an older wenshu, or by hand) is not changed behind the office's back: every command
warns about it (``looser_warning``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.settings import Settings

PRIVATE_UMASK = 0o077
OTHERS = 0o077            # group and other bits


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def guarded_paths(settings: Settings) -> list[Path]:
    """What must be private: the data directory, the database with its journal files, and the
    folders that hold documents or their text (the store too when ``store_dir`` is a share
    elsewhere). inbox/ and outbox/ are left out: an office may open them to a scanner on purpose
    (the data directory above them is still checked)."""
    paths = [settings.data_dir, settings.store_dir, settings.index_dir, settings.quarantine_dir,
             settings.duplicates_dir, settings.work_dir]
    url = settings.database_url
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        paths += [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))]
    return paths


def looser(settings: Settings) -> list[tuple[Path, int]]:
    """(path, mode) of each guarded path that exists and that other users may read, write or
    enter."""
    found = []
    for path in guarded_paths(settings):
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            continue
        if mode & OTHERS:
            found.append((path, mode))
    return found


def looser_warning(settings: Settings) -> str | None:
    """A warning for the clerk (Chinese) when the data directory is open to other users."""
    found = looser(settings)
    if not found:
        return None
    shown = "、".join(f"{_name(path, settings)}（{mode:04o}）" for path, mode in found)
    folders = [settings.data_dir]
    if not settings.store_dir.is_relative_to(settings.data_dir):  # a share mounted elsewhere
        folders.append(settings.store_dir)
    return (f"数据目录 {settings.data_dir} 的权限过宽，其他用户可以访问：{shown}。这里保存着涉密文件的正文和原件，"
            "请只允许运行 wenshu 的用户访问，例如执行：chmod -R go-rwx "
            + " ".join(f"'{folder}'" for folder in folders))


def _name(path: Path, settings: Settings) -> str:
    try:
        return str(path.relative_to(settings.data_dir)) if path != settings.data_dir else "数据目录本身"
    except ValueError:
        return str(path)
