"""Writing a file so that it survives a power cut: a temporary file beside it, fsync, rename
over, fsync of the folder. The store, the index's ``CURRENT`` pointer and reindex checkpoints
all write this way.

What wenshu writes is private to the user running it whatever the umask: the data directory
holds 涉密 text (the database, the store, quarantined originals), so folders are made 0700 and
files 0600 (``private_dir``, ``PRIVATE_FILE``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


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


def write_with(target: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Let ``fill`` write the content into a temporary file, then make it ``target`` durably.
    A crash leaves either the old target or the new one, never a part of one."""
    private_dir(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(fd, PRIVATE_FILE)  # a leftover temporary of a crashed run kept its own mode
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_text(target: Path, text: str) -> None:
    write_with(target, lambda handle: handle.write(text.encode("utf-8")))


def copy(source: Path, target: Path) -> None:
    def fill(handle: BinaryIO) -> None:
        with source.open("rb") as reader:
            shutil.copyfileobj(reader, handle, CHUNK)

    write_with(target, fill)
