"""Claiming files: the rename out of the inbox is the claim, the ledger row makes it resumable.

Each claim gets its own folder in ``work/``: ``work/<in|out>-<token>/`` holding a ``.lock`` file
and the document under its own name. The watcher that claimed it keeps a shared ``flock`` on
``.lock`` for as long as the claim is open, and so does the worker processing it; the lock is
released by the operating system when the process dies, however it dies.

    claim   mkdir token, lock it; rename inbox/… → work/token/name (one process wins the rename);
            hash; ledger row "claimed" (one transaction for all the files moved in on one turn
            of the watcher's loop). A crash before the row leaves an orphan folder in work/,
            adopted at the next start (its name says the direction; the file keeps its name).
    resume  for every unfinished row and every orphan folder: try an exclusive lock on .lock.
            Held by someone? Its owner is alive: leave it. Free? Take the row over (compare-and-
            set on its owner) and carry on where it stopped.

Paths in the ledger are relative to the data directory, so a data directory on a share works
from several machines mounting it at different places. Machines may also each have a data
directory of their own on one shared registry: the ledger then holds claims whose folders are in
another machine's work/. A watcher's owner name ends with ``@`` and a tag of its data directory
(``owner_name``), and a claim whose folder is not in our work/ is released as vanished
only when it was made in this data directory; another's is left to its own watchers.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import shutil
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from core import durable
from core.settings import Settings
from core.vocab import ClaimState
from pipeline import recovery
from pipeline.files import open_regular, readable_name, sha256_of
from registry import ledger
from registry.ledger import Entry

LOCK_NAME = ".lock"
OWNER_MAX = 120  # the ledger's owner column
PREFIX = {"收文": "in", "发文": "out"}
DIRECTION = {prefix: direction for direction, prefix in PREFIX.items()}


@dataclass
class Claim:
    """An open claim held by this process: the ledger entry and the lock keeping it ours."""

    entry: Entry
    lock_fd: int
    # Claimed by this process and not yet handed to a worker: no earlier attempt can have
    # left anything behind to settle.
    fresh: bool = False

    def release(self) -> None:
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1


@dataclass(frozen=True)
class Moved:
    """A file renamed into its claim folder, not yet in the ledger."""

    row: ledger.NewClaim
    lock_fd: int


def lock_token(folder: Path, *, exclusive: bool) -> int | None:
    """Open ``folder/.lock`` and lock it without waiting; None if it is locked the other way
    (or the folder is gone). Opened read-write so that NFS, which maps flock onto POSIX locks,
    can grant an exclusive lock."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def share_lock(fd: int) -> None:
    """Turn our exclusive lock into a shared one, so our worker can share it."""
    fcntl.flock(fd, fcntl.LOCK_SH)


def remove_token(folder: Path) -> None:
    """Remove a finished claim's folder: its lock file, any temporary file a crashed copy left
    (dot files: a document in work/ never has a dot name), then the folder itself."""
    try:
        for entry in os.scandir(folder):
            if entry.name.startswith("."):
                os.unlink(entry.path)
        folder.rmdir()
    except OSError:
        pass  # not empty (the file is still there) or already gone: cleaned up later


def work_file(folder: Path) -> Path | None:
    """The document inside a claim folder: its one entry that is not a dot file."""
    try:
        names = [entry.name for entry in os.scandir(folder) if not entry.name.startswith(".")]
    except OSError:
        return None
    return folder / names[0] if names else None


def work_name(name: str) -> str:
    """The document's name in work/: its own, unless that cannot be (not UTF-8: the ledger keeps
    paths as text; a dot name: work/ reserves those for locks and temporary files). The
    clerk's name is in the ledger either way."""
    if safe_name(name) != name:
        return "document" + Path(safe_name(name)).suffix
    return "_" + name if name.startswith(".") else name


def safe_name(name: str) -> str:
    """The name as the ledger and registry keep it: exactly as on disk, unless the bytes are not
    UTF-8 (an old SMB client) or hold control characters, which are written as escapes
    (``files.readable_name``: ``\\xb9\\xab.txt``, ``a\\nb.txt``)."""
    return readable_name(name)


DATA_DIR_ID = ".wenshu-data-id"


def data_dir_tag(settings: Settings) -> str:
    """``@`` and 8 hex digits naming this data directory in a claim's owner: drawn at random the
    first time and kept in the data directory, so two machines whose data directories have the
    same path still differ, and machines sharing one data directory on a share agree."""
    path = settings.data_dir / DATA_DIR_ID
    if not path.exists():
        drawn = path.with_name(f"{DATA_DIR_ID}.{secrets.token_hex(8)}")
        drawn.write_text(secrets.token_hex(4), encoding="ascii")
        try:
            os.link(drawn, path)  # the first to draw wins; the link never replaces a file
        except FileExistsError:
            pass
        finally:
            drawn.unlink()
    return "@" + path.read_text(encoding="ascii").strip()


def owner_name(settings: Settings, name: str) -> str:
    """A claim owner's name (``host:pid:token``) tagged with the data directory it claims in."""
    tag = data_dir_tag(settings)
    return name[:OWNER_MAX - len(tag)] + tag


class Claimer:
    """Claims files for one watcher (``owner``) over one data directory."""

    def __init__(self, settings: Settings, engine: Engine, owner: str):
        self.settings = settings
        self.engine = engine
        self.owner = owner
        self.tag = data_dir_tag(settings)
        self.work_dir = settings.work_dir

    def made_here(self, entry: Entry) -> bool:
        """Whether a claim was made in this data directory (an owner without a tag, by a wenshu
        from before tags or a test, counts as made here: the rule of one data directory)."""
        return "@" not in entry.owner or entry.owner.endswith(self.tag)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.settings.data_dir).as_posix()

    def claim(self, path: Path, direction: str, series: str | None = None, *, attempts: int = 0,
              file_name: str | None = None, origin: dict | None = None) -> Claim | None:
        """Move ``path`` into a new claim folder and record it. None if another process took it
        first, or it vanished, or it is not a regular file any more. ``origin``: where a retried
        file came from, recorded with its registration."""
        moved = self.move_in(path, direction, series, attempts=attempts, file_name=file_name)
        if moved and origin:
            moved = replace(moved, row=replace(moved.row, origin=json.dumps(origin, ensure_ascii=False)))
        return self.record([moved])[0] if moved else None

    def move_in(self, path: Path, direction: str, series: str | None = None, *, attempts: int = 0,
                file_name: str | None = None) -> Moved | None:
        """The first half of a claim: the rename into a new, locked claim folder, and the hash.
        ``record`` makes it resumable; until then a crash leaves an orphan folder, adopted at
        the next resume."""
        try:
            before = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(before.st_mode):
            return None
        name = file_name if file_name and "/" not in file_name and file_name not in (".", "..") else path.name
        for _ in range(3):  # a cleaner may remove our fresh, still empty folder: make another
            folder = self.work_dir / f"{PREFIX[direction]}-{secrets.token_hex(8)}"
            folder.mkdir(parents=True)
            lock_fd = lock_token(folder, exclusive=False)
            if lock_fd is None:
                continue
            target = folder / work_name(name)
            try:
                moved = _move(path, target)
            except OSError:
                os.close(lock_fd)
                remove_token(folder)
                raise
            if not moved:
                os.close(lock_fd)
                remove_token(folder)
                if not os.path.lexists(path):
                    return None  # another watcher won the rename
                continue
            # No fsync of the folders here: after a power cut either the rename or the row may be
            # missing, and both cases are resumed (an orphan folder is adopted; a row whose file
            # is back in the inbox is released and the file claimed again).
            if not stat.S_ISREG(os.lstat(target).st_mode):
                # replaced by a link (or a FIFO) between the look and the rename: a rename moves
                # the link itself, never what it points to; it goes back where it was, untouched
                _put_back(target, path)
                os.close(lock_fd)
                remove_token(folder)
                return None
            try:
                info = os.lstat(target)
                row = ledger.NewClaim(
                    direction=direction, series=series, file_name=safe_name(name),
                    source_path=safe_name(self.relative(path)), work_path=self.relative(target),
                    size=info.st_size, mtime_ns=info.st_mtime_ns, sha256=sha256_of(target), attempts=attempts)
            except BaseException:
                os.close(lock_fd)  # the folder stays: an orphan, adopted by the next resume
                raise
            return Moved(row, lock_fd)
        return None

    def record(self, moved: list[Moved]) -> list[Claim]:
        """The second half: one ledger transaction for every file moved in. If it fails, the
        folders stay as orphans and the next resume adopts them."""
        try:
            entries = ledger.claim(self.engine, [item.row for item in moved], owner=self.owner)
        except BaseException:
            for item in moved:
                os.close(item.lock_fd)
            raise
        return [Claim(entry, item.lock_fd, fresh=True) for entry, item in zip(entries, moved)]

    def resume(self, mine: set[int]) -> list[Claim]:
        """Take over every unfinished claim whose owner is gone, and every orphan work folder.
        ``mine``: entry ids this watcher already holds."""
        claims: list[Claim] = []
        known_paths: set[str] = set()
        for entry in ledger.unfinished(self.engine):
            known_paths.add(entry.work_path)
            if entry.id in mine:
                continue
            folder = self.settings.data_dir / Path(entry.work_path).parent
            if not folder.is_dir() and not self.made_here(entry):
                continue  # in another machine's data directory: its watchers settle it
            folder.mkdir(parents=True, exist_ok=True)  # gone: the evidence check settles it
            lock_fd = lock_token(folder, exclusive=True)
            if lock_fd is None:
                continue  # its owner is alive
            adopted = ledger.adopt(self.engine, entry.id, seen_owner=entry.owner, owner=self.owner)
            if adopted is None:
                os.close(lock_fd)
                continue
            share_lock(lock_fd)
            claims.append(Claim(adopted, lock_fd))
        claims.extend(self._orphans(known_paths))
        return claims

    def _orphans(self, known_paths: set[str]) -> list[Claim]:
        """Folders in work/ with no unfinished ledger row: adopt the file in it, or remove it."""
        claims: list[Claim] = []
        try:
            folders = [Path(entry.path) for entry in os.scandir(self.work_dir)
                       if entry.is_dir(follow_symlinks=False)]
        except FileNotFoundError:
            return claims
        for folder in folders:
            lock_fd = lock_token(folder, exclusive=True)
            if lock_fd is None:
                continue  # a live watcher is in the middle of claiming into it
            document = work_file(folder)
            relative = self.relative(document) if document else None
            if relative in known_paths:
                os.close(lock_fd)
                continue
            direction = DIRECTION.get(folder.name.split("-", 1)[0])
            known = ledger.by_work_path(self.engine, relative) if document is not None else None
            if known is not None and known.state != ClaimState.CLAIMED:
                # Its outcome was recorded, then a crash before the file went where that says.
                recovery.finish_closed(known, self.settings, self.engine)
                document = None
            if document is None or direction is None or known is not None:
                # empty (finished, or a claim that lost its rename), or not ours to touch
                if document is None:
                    remove_token(folder)
                os.close(lock_fd)
                continue
            info = os.lstat(document)
            if not stat.S_ISREG(info.st_mode):
                os.close(lock_fd)
                continue
            [entry] = ledger.claim(self.engine, [ledger.NewClaim(
                direction=direction, series=None, file_name=safe_name(document.name), source_path=relative,
                work_path=relative, size=info.st_size, mtime_ns=info.st_mtime_ns,
                sha256=sha256_of(document))], owner=self.owner)
            share_lock(lock_fd)
            claims.append(Claim(entry, lock_fd))
        return claims


def _put_back(target: Path, source: Path) -> None:
    try:
        if not os.path.lexists(source):
            os.rename(target, source)
    except OSError:
        pass  # the folder stays an orphan, which resume leaves alone (not a regular file)


def _move(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target``: the atomic claim. False when the source is gone (someone
    else renamed it first). Across file systems (a share mounted on inbox/ itself) the claim is
    a durable copy then unlink: still never lost, but two watchers may then both copy one file
    (the registry recognises the second as a duplicate)."""
    try:
        os.rename(source, target)
        return True
    except FileNotFoundError:
        return False
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    def fill(handle) -> None:  # noqa: ANN001
        with open_regular(source) as reader:  # never a link's target, never a FIFO
            shutil.copyfileobj(reader, handle, durable.CHUNK)

    try:
        durable.write_with(target, fill)
        source.unlink()
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return False
    return True
