"""Writing a file so that it survives a power cut: a temporary file beside it, fsync, rename
over, fsync of the folder. The store, the index's ``CURRENT`` pointer and reindex checkpoints
all write this way. The temporary file's name is new for each write, not per process: the threads
of one process, and processes on other machines writing into a shared folder (the store on a
network mount; two containers may well have the same pid), never write into each other's.

What wenshu writes is private to the user running it whatever the umask: the data directory
holds 涉密 text (the database, the store, quarantined originals), so folders are made 0700 and
files 0600 (``private_dir``, ``PRIVATE_FILE``)."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# What a temporary file's name adds to the target's: "." before it, ".<8 hex digits>.tmp" after.
TEMPORARY_EXTRA = len(".") + len(".0123abcd.tmp")


def private_dir(directory: Path) -> Path:
    """``mkdir -p`` with every folder it creates 0700, whatever the umask; folders that exist
    are left as they are (an office may have opened one on purpose)."""
    missing = []
    for folder in (directory, *directory.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:  # another process made it a moment ago
            continue
        os.chmod(folder, PRIVATE_DIR)
    return directory


def private_file(path: Path) -> Path:
    """Create ``path`` empty and 0600 unless it exists (a database file, so that SQLite's -wal
    and -shm files, made with its mode, are private too)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_with(target: Path, fill: Callable[[BinaryIO], object], *, keep_existing: bool = False) -> bool:
    """Let ``fill`` write the content into a temporary file, then make it ``target`` durably.
    A crash leaves either the old target or the new one, never a part of one.

    ``keep_existing``: a target that is there by then (another writer of the same content
    published it meanwhile) is kept, not replaced, and False is returned; True when this call
    published it."""
    private_dir(target.parent)
    temporary, fd = _new_temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(fd, PRIVATE_FILE)  # exactly 0600, whatever the umask or a share made of it
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        published = _link(temporary, target) if keep_existing else _replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return published


def _new_temporary(target: Path) -> tuple[Path, int]:
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
        except FileExistsError:  # another writer's, or a crashed run's: never written into
            continue


def _replace(temporary: Path, target: Path) -> bool:
    os.replace(temporary, target)
    return True


def _link(temporary: Path, target: Path) -> bool:
    """Publish ``temporary`` as ``target`` unless the target exists: a hard link fails rather
    than replace. On a share without hard links, a rename over (the same content, by the
    callers' contract)."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        temporary.unlink()
        return False
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        if os.path.lexists(target):
            temporary.unlink()
            return False
        return _replace(temporary, target)
    temporary.unlink()
    return True


# What link() says on a file system without hard links (vfat, some FUSE and SMB mounts).
_NO_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK})


def write_text(target: Path, text: str) -> None:
    write_with(target, lambda handle: handle.write(text.encode("utf-8")))


def copy(source: Path, target: Path) -> None:
    def fill(handle: BinaryIO) -> None:
        with source.open("rb") as reader:
            shutil.copyfileobj(reader, handle, CHUNK)

    write_with(target, fill)
