"""Durable file operations: hashing, the content-addressed store, and placing files in
quarantine/ or duplicates/ without ever overwriting another file."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_copy(source: Path, target: Path) -> None:
    """Copy so that after return the target survives a power cut: temp file, fsync, rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with source.open("rb") as reader, temporary.open("wb") as writer:
        shutil.copyfileobj(reader, writer, CHUNK)
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(temporary, target)
    fsync_dir(target.parent)


def store_path(store_dir: Path, sha256: str, original_name: str) -> Path:
    suffix = Path(original_name).suffix.lower()[:10]
    return store_dir / sha256[:2] / f"{sha256}{suffix}"


def put_in_store(store_dir: Path, source: Path, sha256: str, name: str) -> Path:
    """Content-addressed: the same bytes are stored once, whatever their names."""
    target = store_path(store_dir, sha256, name)
    if not target.exists():
        durable_copy(source, target)
    return target


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name (2)``, ``name (3)``... when that is taken."""
    candidate = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while candidate.exists() or candidate.with_name(candidate.name + ".reason.txt").exists():
        candidate = directory / f"{stem} ({counter}){suffix}"
        counter += 1
    return candidate


def dated_folder(root: Path, day: date) -> Path:
    folder = root / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def place(source: Path, folder: Path, name: str, *, move: bool) -> Path:
    """Put ``source`` in ``folder`` as ``name`` (or a free variant of it): moved (the watcher)
    or copied (``ingest``)."""
    target = free_name(folder, name)
    if move:
        try:
            os.replace(source, target)
            fsync_dir(folder)
            return target
        except OSError:  # another file system: copy durably, then remove
            durable_copy(source, target)
            source.unlink()
            return target
    durable_copy(source, target)
    return target
