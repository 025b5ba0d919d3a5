"""Durable file operations: hashing, the content-addressed store, and placing files in
quarantine/ or duplicates/ without ever overwriting another file."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from datetime import date
from pathlib import Path
from typing import BinaryIO

from core import durable
from core.durable import fsync_dir

# A quarantined file's reason, written into its claim folder before the quarantine is recorded
# and moved beside the file after: a crash never leaves a quarantined file without its reason.
STAGED_REASON = ".reason.txt"
REASON_SUFFIX = ".reason.txt"


# A file name is at most 255 bytes on the file systems we meet (ext4, xfs, btrfs, SMB, NFS).
NAME_MAX = 255


class NotRegular(OSError):
    """The path is a symbolic link, a FIFO, a device or a folder: never opened as a document."""


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading without following a symbolic link and without blocking
    on a FIFO; anything else raises NotRegular."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(durable.CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def readable_name(name: str) -> str:
    """A file name as it is displayed and recorded: exactly as on disk when it is UTF-8 text,
    else with each byte that is not UTF-8 written as ``\\xNN`` (an old SMB client's GBK name
    公文.txt becomes ``\\xb9\\xab\\xce\\xc4.txt``), and control characters (a newline in
    a name) written as escapes too, so that a name is always one line of valid text."""
    if not _UNREADABLE.search(name):
        return name
    raw = os.fsencode(name) if _SURROGATE.search(name) else name.encode("utf-8", "surrogatepass")
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def readable_text(text: str | None) -> str | None:
    """A message that may quote a file name (an error's cause): bytes that are not UTF-8 written
    as ``\\xNN``, so that it can be stored and printed; line breaks kept."""
    if text is None or not _SURROGATES.search(text):
        return text
    return "".join(readable_name(part) if _SURROGATES.match(part) else part
                   for part in _SURROGATE_RUNS.split(text))


_SURROGATES = re.compile("[\ud800-\udfff]")
_SURROGATE_RUNS = re.compile("([\ud800-\udfff]+)")
_SURROGATE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_UNREADABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def store_path(store_dir: Path, sha256: str, original_name: str) -> Path:
    suffix = Path(readable_name(original_name)).suffix.lower()[:10]
    return store_dir / sha256[:2] / f"{sha256}{suffix}"


class ChangedWhileRead(OSError):
    """The file's bytes are not those hashed a moment ago: it was replaced while processed."""


def put_in_store(store_dir: Path, source: Path, sha256: str, name: str) -> tuple[Path, bool]:
    """Content-addressed: the same bytes are stored once, whatever their names. The copy is
    hashed as it is written and must be the bytes ``sha256`` names (a file swapped for another,
    or for a link, after it was hashed is not stored under the wrong name). Returns the stored
    path and whether this call wrote it.

    Several writers of the same bytes at once (two workers, or two machines sharing the store on
    a network mount) each write their own temporary file; the first to finish publishes it, the
    others find it there and drop theirs. A stored file is never replaced, so a reader that has
    it open (a download) is never disturbed, and only the writer that published it may undo it."""
    target = store_path(store_dir, sha256, name)
    if target.exists():
        return target, False

    def fill(handle: BinaryIO) -> None:
        digest = hashlib.sha256()
        with open_regular(source) as reader:
            while chunk := reader.read(durable.CHUNK):
                digest.update(chunk)
                handle.write(chunk)
        if digest.hexdigest() != sha256:
            raise ChangedWhileRead(errno.EIO, "the file changed while it was being processed", str(source))

    return target, durable.write_with(target, fill, keep_existing=True)


def reason_file(placed: Path) -> Path:
    return placed.with_name(placed.name + REASON_SUFFIX)


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name (2)``, ``name (3)``... when that is taken. The name is made
    readable (``readable_name``) and its stem shortened so that the longest variant, with its
    reason file beside it, still fits in a file name."""
    name = readable_name(name)
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix.encode()) > 20:
        stem, suffix = name, ""
    # the reason file's temporary name while it is written durably: ".<name>.reason.txt.<hex>.tmp"
    room = NAME_MAX - len(REASON_SUFFIX) - len(" (9999)") - durable.TEMPORARY_EXTRA - len(suffix.encode())
    if len(stem.encode()) > room:
        stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip() or "document"
        name = stem + suffix
    candidate = directory / name
    counter = 2
    while candidate.exists() or reason_file(candidate).exists():
        candidate = directory / f"{stem} ({counter}){suffix}"
        counter += 1
    return candidate


def dated_folder(root: Path, day: date) -> Path:
    return durable.private_dir(root / day.isoformat())


def move_durably(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` durably; across file systems, copy durably then remove.
    The file becomes 0600 first: an original keeps the mode it arrived with in the inbox."""
    try:
        if stat.S_ISREG(os.lstat(source).st_mode):  # never through a link
            os.chmod(source, durable.PRIVATE_FILE)
    except OSError:  # dropped by another user (only its owner may change its mode), or gone
        pass
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
    durable.private_dir(target.parent)
    staged = document.with_name(STAGED_REASON)
    if staged.exists():
        move_durably(staged, reason_file(target))
    move_durably(document, target)
