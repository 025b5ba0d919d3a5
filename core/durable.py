"""Writing a file so that it survives a power cut: a temporary file beside it, fsync, rename
over, fsync of the folder. The store, the index's ``CURRENT`` pointer and reindex checkpoints
all write this way."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_with(target: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Let ``fill`` write the content into a temporary file, then make it ``target`` durably.
    A crash leaves either the old target or the new one, never a part of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
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
