"""Durable file operations: hashing, the content-addressed store, and placing files in
quarantine/ or duplicates/ without ever overwriting another file."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from core import durable
from core.durable import fsync_dir

# A quarantined file's reason, written into its claim folder before the quarantine is recorded
# and moved beside the file after: a crash never leaves a quarantined file without its reason.
STAGED_REASON = ".reason.txt"
REASON_SUFFIX = ".reason.txt"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(durable.CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_path(store_dir: Path, sha256: str, original_name: str) -> Path:
    suffix = Path(original_name).suffix.lower()[:10]
    return store_dir / sha256[:2] / f"{sha256}{suffix}"


def put_in_store(store_dir: Path, source: Path, sha256: str, name: str) -> Path:
    """Content-addressed: the same bytes are stored once, whatever their names."""
    target = store_path(store_dir, sha256, name)
    if not target.exists():
        durable.copy(source, target)
    return target


def reason_file(placed: Path) -> Path:
    return placed.with_name(placed.name + REASON_SUFFIX)


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name (2)``, ``name (3)``... when that is taken."""
    candidate = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while candidate.exists() or reason_file(candidate).exists():
        candidate = directory / f"{stem} ({counter}){suffix}"
        counter += 1
    return candidate


def dated_folder(root: Path, day: date) -> Path:
    folder = root / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def move_durably(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` durably; across file systems, copy durably then remove."""
    try:
        os.replace(source, target)
        fsync_dir(target.parent)
    except OSError:
        durable.copy(source, target)
        source.unlink()


def place(source: Path, folder: Path, name: str, *, move: bool) -> Path:
    """Put ``source`` in ``folder`` as ``name`` (or a free variant of it): moved (the watcher)
    or copied (``ingest``)."""
    target = free_name(folder, name)
    if move:
        move_durably(source, target)
    else:
        durable.copy(source, target)
    return target


def stage_reason(document: Path, text: str) -> None:
    """Write a quarantine reason into the document's claim folder (see ``STAGED_REASON``)."""
    durable.write_text(document.with_name(STAGED_REASON), text)


def move_quarantined(document: Path, target: Path) -> None:
    """Move a claimed document and its staged reason to ``target`` in quarantine/: the reason
    first, so that the document is never in quarantine without it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = document.with_name(STAGED_REASON)
    if staged.exists():
        move_durably(staged, reason_file(target))
    move_durably(document, target)
