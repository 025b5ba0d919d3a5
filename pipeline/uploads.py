"""Putting a file into the inbox from the web page (上传), for offices without a scanner share.

The watcher must see a whole file or nothing. So an upload is written as it arrives under a
temporary dot name (``.wenshu-upload-<token>.part``: the watcher ignores dot files, see
``readiness.is_ignored``) inside the folder it is for (收文 → inbox/, 发文 → outbox/), hashed
and counted on the way, fsynced, and only then linked under its real name (never over another
file: ``files.free_name``, then a link that fails if the name was taken meanwhile) and the
temporary name removed. A file over ``[limits] max_file_mb`` is refused as soon as it passes the
limit, with nothing of it left behind; so is every file of a request that fails half-way.

Each file placed is audited (``uploaded``: who brought it, its name, SHA-256 and where it went);
the watcher then registers it as 系统, and ``outcome`` says what became of it, by its SHA-256.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from core import durable
from core.errors import Exit, InvalidValue, NotFound, WenshuError
from core.settings import Settings
from core.vocab import DIRECTIONS, INCOMING, ClaimState
from pipeline.files import free_name, readable_name
from pipeline.readiness import is_ignored
from pipeline.storage import check_free_space
from registry import ledger, queries, records
from registry.audit import utc_now

TEMP_PREFIX = ".wenshu-upload-"
TEMP_SUFFIX = ".part"
MAX_FILES = 20                 # files in one request (the page sends one at a time)
STALE_SECONDS = 24 * 3600      # a temporary file this old was left by a crash: removed
DEFAULT_NAME = "上传文件"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Looking for the watcher's claim of an upload from a little before it was made: the watcher may
# run on another machine, whose clock is not exactly ours.
CLOCK_SLACK = timedelta(seconds=5)


class UploadTooLarge(WenshuError):
    """A file (or a whole request) over ``[limits] max_file_mb``: refused, nothing kept."""

    exit_code = Exit.TOO_LARGE


def limit_bytes(settings: Settings) -> int:
    return settings.limits.max_file_mb * 1024 * 1024


def too_large(settings: Settings, name: str | None = None) -> UploadTooLarge:
    what = f"文件「{readable_name(name)}」" if name else "上传的文件"
    return UploadTooLarge(f"{what}超过 {settings.limits.max_file_mb} MB 的上限，未上传。请拆分后分别上传，"
                          "或请管理员调高 [limits] max_file_mb。",
                          fix="Split the file, or raise [limits] max_file_mb.")


def request_limit(settings: Settings) -> int:
    """The most a whole upload request may carry (``MAX_FILES`` files at the limit, and room
    for the form's other fields): a request announcing more is refused before it is read."""
    return MAX_FILES * limit_bytes(settings) + 1024 * 1024


def folder_for(settings: Settings, direction: str) -> Path:
    if direction not in DIRECTIONS:
        raise InvalidValue(f"收发方向「{direction}」无效，可选：{'、'.join(DIRECTIONS)}", fix="收文 or 发文.")
    return settings.inbox_dir if direction == INCOMING else settings.outbox_dir


def safe_name(given: str | None) -> str:
    """The name an upload is placed under: the last part of what the browser sent (an old
    browser sends a whole Windows path), in Unicode NFC, without control characters and without
    leading dots or spaces (a dot name would be ignored by the watcher for ever). Chinese stays.
    A name the watcher never takes (``*.tmp``, ``~$…``, ``Thumbs.db``) is refused."""
    name = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", unicodedata.normalize("NFC", name)).strip().lstrip(". ").strip()
    if not name:
        name = DEFAULT_NAME + Path((given or "").strip()).suffix.lower()[:10]
    if is_ignored(name):
        raise InvalidValue(f"文件名「{readable_name(name)}」是临时文件或系统文件的名称，收文监视不会处理，未上传。"
                           "请改名后再上传。", fix="Rename the file (not *.tmp, *.part, ~$…, Thumbs.db).")
    return name


@dataclass(frozen=True)
class Uploaded:
    """One file placed into the inbox or outbox."""

    file_name: str          # its name there
    direction: str
    sha256: str
    size: int
    placed_as: str          # data-dir relative
    uploaded_at: datetime   # UTC

    def to_json(self) -> dict[str, Any]:
        return {"file_name": self.file_name, "direction": self.direction, "sha256": self.sha256,
                "size": self.size, "placed_as": self.placed_as,
                "uploaded_at": self.uploaded_at.isoformat(timespec="microseconds")}


@dataclass
class _Part:
    name: str
    temp: Path
    handle: BinaryIO | None
    digest: Any = field(default_factory=hashlib.sha256)
    size: int = 0


class Receiver:
    """The files of one upload request, received part by part (``begin``, ``write``, ``end``;
    ``field`` for the form's ``direction``), then ``place``d all together, or ``abort``ed:
    either way no temporary file stays. Used from one thread at a time."""

    def __init__(self, settings: Settings, direction: str | None = None):
        self.settings = settings
        self.direction = direction
        self.limit = limit_bytes(settings)
        self.parts: list[_Part] = []
        self._current: _Part | None = None
        check_free_space(settings)  # 磁盘空间不足: refused before a byte is written
        self._staging = settings.inbox_dir  # the direction may come after the file: moved at the end
        durable.private_dir(self._staging)
        _remove_stale(settings)

    def field(self, name: str, value: str) -> None:
        if name == "direction":
            folder_for(self.settings, value.strip())  # checked now, before the file is read
            self.direction = value.strip()

    def begin(self, file_name: str | None) -> None:
        if len(self.parts) >= MAX_FILES:
            raise InvalidValue(f"一次最多上传 {MAX_FILES} 个文件", fix="Upload the rest separately.")
        name = safe_name(file_name)
        temp = self._staging / f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, durable.PRIVATE_FILE)
        self._current = _Part(name, temp, os.fdopen(fd, "wb"))
        self.parts.append(self._current)

    def write(self, data: bytes) -> None:
        part = self._current
        if part is None:
            return
        part.size += len(data)
        if part.size > self.limit:
            raise too_large(self.settings, part.name)
        part.digest.update(data)
        part.handle.write(data)

    def end(self) -> None:
        part, self._current = self._current, None
        if part is not None and part.handle is not None:
            part.handle.flush()
            os.fsync(part.handle.fileno())
            part.handle.close()
            part.handle = None

    def place(self, engine: Engine, actor: str) -> list[Uploaded]:
        """Put every received file under its own name into the inbox (收文) or outbox (发文),
        each audited as uploaded by ``actor``."""
        try:
            if self._current is not None:
                self.end()
            if not self.parts:
                raise InvalidValue("没有收到文件，请选择要上传的文件", fix="Send the file in the `file` field.")
            if any(part.size == 0 for part in self.parts):
                empty = next(part.name for part in self.parts if part.size == 0)
                raise InvalidValue(f"文件「{readable_name(empty)}」是空的（0 字节），未上传", fix="Choose the right file.")
            direction = self.direction or INCOMING
            folder = folder_for(self.settings, direction)
            durable.private_dir(folder)
            placed = []
            for part in self.parts:
                placed.append(self._place_one(engine, actor, part, direction, folder))
            return placed
        finally:
            self.abort()

    def _place_one(self, engine: Engine, actor: str, part: _Part, direction: str, folder: Path) -> Uploaded:
        temp = part.temp
        if temp.parent != folder:  # 发文, said after the file: into the outbox, still a dot name
            moved = folder / temp.name
            try:
                os.rename(temp, moved)
            except OSError as error:
                if error.errno != errno.EXDEV:
                    raise
                durable.copy(temp, moved)
                temp.unlink()
            part.temp = temp = moved
        target = _link_free(temp, folder, part.name)
        temp.unlink(missing_ok=True)
        durable.fsync_dir(folder)
        uploaded = Uploaded(file_name=target.name, direction=direction, sha256=part.digest.hexdigest(),
                            size=part.size, placed_as=target.relative_to(self.settings.data_dir).as_posix(),
                            uploaded_at=utc_now())
        try:
            records.record_upload(engine, file_name=uploaded.file_name, sha256=uploaded.sha256, direction=direction,
                                  actor=actor, placed_as=uploaded.placed_as, size=uploaded.size)
        except BaseException:
            # not audited, not kept (the watcher waits [watch] stable_seconds before it takes a file)
            target.unlink(missing_ok=True)
            raise
        return uploaded

    def abort(self) -> None:
        """Remove what was received and not placed."""
        for part in self.parts:
            if part.handle is not None:
                part.handle.close()
                part.handle = None
            part.temp.unlink(missing_ok=True)
        self.parts, self._current = [], None


def _link_free(temp: Path, folder: Path, name: str) -> Path:
    """``temp`` under ``name`` (or a free variant) in ``folder``, never over a file that is
    there: a hard link fails if another upload or a scanner took the name meanwhile."""
    for _ in range(100):
        target = free_name(folder, name)
        try:
            os.link(temp, target, follow_symlinks=False)
            return target
        except FileExistsError:
            continue
        except OSError as error:  # a share without hard links: the rename, after the look
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if not os.path.lexists(target):
                os.rename(temp, target)
                return target
    raise InvalidValue(f"无法为「{readable_name(name)}」找到可用的文件名", fix="Rename the file.")


def _remove_stale(settings: Settings) -> None:
    """Temporary files a crash left in the inbox or outbox, a day old or more."""
    cutoff = time.time() - STALE_SECONDS
    for folder in (settings.inbox_dir, settings.outbox_dir):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                except OSError:
                    pass


# --- what became of an upload -----------------------------------------------------------------

PROCESSING, REGISTERED, DUPLICATE, QUARANTINED, RELEASED = "processing", "registered", "duplicate", "quarantined", \
    "released"
STATE_NAMES = {PROCESSING: "处理中", REGISTERED: "已登记", DUPLICATE: "重复", QUARANTINED: "已隔离",
               RELEASED: "已移走"}


@dataclass(frozen=True)
class UploadOutcome:
    state: str                   # one of STATE_NAMES
    reg_no: str | None = None    # registered as, or the registration it duplicates (None: not for this reader)
    reason: str | None = None    # quarantined: why
    claimed: bool = False        # processing: a watcher has taken it (else it waits in the folder)

    @property
    def final(self) -> bool:
        return self.state != PROCESSING

    @property
    def label(self) -> str:
        return STATE_NAMES[self.state]

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "label": self.label, "reg_no": self.reg_no, "reason": self.reason,
                "final": self.final}


WAITING = UploadOutcome(PROCESSING)


def outcome(engine: Engine, sha256: str, since: datetime | None, clearance: queries.Clearance,
            placed_as: str | None = None) -> UploadOutcome:
    """What became of the file with these bytes uploaded at ``since`` (and placed at
    ``placed_as``, which tells apart two uploads of the same bytes): the watcher's newest claim
    of it since then. A 登记号 of a record above ``clearance`` is not told."""
    if not _SHA256.fullmatch(sha256 or ""):
        raise NotFound("没有这次上传", fix="Use the status address the upload returned.")
    entry = ledger.newest_for(engine, sha256, since - CLOCK_SLACK if since else None, placed_as or None)
    if entry is None or entry.state == ClaimState.CLAIMED:
        return UploadOutcome(PROCESSING, claimed=entry is not None)
    if entry.state == ClaimState.QUARANTINED:
        return UploadOutcome(QUARANTINED, reason=entry.reason)
    if entry.state == ClaimState.RELEASED:
        return UploadOutcome(RELEASED, reason=entry.reason)
    state = REGISTERED if entry.state == ClaimState.DONE else DUPLICATE
    reg_no = entry.reg_no
    if reg_no and clearance is not queries.UNRESTRICTED:
        try:
            queries.get_visible(engine, reg_no, clearance)
        except NotFound:
            reg_no = None
    return UploadOutcome(state, reg_no=reg_no)

