"""The 隔离区 as the web application shows and handles it: each quarantined file with its reason,
size and time; 重新处理 (the same as ``wenshu retry FILE``) and 删除 with a reason (``wenshu
discard``), acting as the signed-in user.

A file is named by its path relative to ``quarantine/`` (``2026-12-06/空白扫描.pdf``), as the
page's forms send it back; ``locate`` accepts only such a path to a regular file inside
quarantine/ (no ``..``, no absolute path, no link, never a reason file).

重新处理 runs here, in the web process, as `wenshu retry` runs in its own: the file is claimed
back into work/ (``retry.claim_back``, so a crash leaves it to the next watcher), extracted in a
capped child process (``isolation.IsolatedExtractor``), registered or quarantined again on this
last attempt as the user, and indexed.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue, NotFound
from core.settings import Settings
from core.vocab import DIRECTIONS, Status
from pipeline import retry as retrying
from pipeline.files import REASON_SUFFIX, readable_name, reason_file
from pipeline.ingest import Outcome, original_name, quarantine_reason
from registry import queries


@dataclass(frozen=True)
class QuarantinedFile:
    name: str                # relative to quarantine/ (what the page's forms send back)
    file_name: str           # as it arrived (its reason file says), else as it is named here
    reason: str | None       # the reason file's 原因 line; None when the reason file is missing
    size: int                # bytes
    quarantined_at: datetime  # UTC: when its reason was written (else the file's own time)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "file_name": self.file_name, "reason": self.reason, "size": self.size,
                "quarantined_at": self.quarantined_at.isoformat(timespec="seconds")}


def listing(settings: Settings) -> list[QuarantinedFile]:
    """Every quarantined file, the most recently quarantined first."""
    found = []
    for path in retrying.quarantined_files(settings):
        try:
            found.append(_describe(settings, path))
        except OSError:  # removed (retried, discarded) while we looked
            continue
    return sorted(found, key=lambda item: (item.quarantined_at, item.name), reverse=True)


def count(settings: Settings) -> int:
    return len(retrying.quarantined_files(settings))


def _describe(settings: Settings, path: Path) -> QuarantinedFile:
    info = os.lstat(path)
    reason = reason_file(path)
    try:
        moment = os.lstat(reason).st_mtime
    except OSError:
        moment = info.st_mtime
    return QuarantinedFile(name=readable_name(path.relative_to(settings.quarantine_dir).as_posix()),
                           file_name=original_name(reason) or readable_name(path.name),
                           reason=quarantine_reason(reason), size=info.st_size,
                           quarantined_at=datetime.fromtimestamp(moment, timezone.utc))


def locate(settings: Settings, name: str) -> Path:
    """The quarantined file ``name`` (relative to quarantine/) names. A name that could reach
    outside quarantine/ is refused; one that names no quarantined file is not found."""
    relative = PurePosixPath(name or "")
    if (not name or "\x00" in name or "\\" in name or relative.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise InvalidValue(f"隔离文件名「{readable_name(name or '')}」无效", fix="Use a name the 隔离区 page lists.")
    root = settings.quarantine_dir
    path = root.joinpath(*relative.parts)
    missing = NotFound(f"隔离区中没有文件「{readable_name(name)}」（可能已被重新处理或删除）",
                       fix="Reload the 隔离区 page.")
    if path.name.endswith(REASON_SUFFIX):
        raise missing
    current = root
    for part in relative.parts:  # no link anywhere on the way (or at the end)
        current = current / part
        if current.is_symlink():
            raise missing
    if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        raise missing
    return path


def discard(settings: Settings, engine: Engine, actor: str, name: str, reason: str) -> str:
    """``wenshu discard``: remove the file and its reason file, audited with the reason (which
    is required). Returns where it was (data-dir relative)."""
    if not reason.strip():
        raise InvalidValue("删除隔离文件必须说明理由", fix="Say why the file cannot be saved.")
    return retrying.discard(settings, engine, actor, locate(settings, name), reason)


def retry(settings: Settings, engine: Engine, actor: str, name: str, direction: str | None = None, *,
          clearance: queries.Clearance = queries.UNRESTRICTED) -> Outcome:
    """``wenshu retry FILE``: send one quarantined file through the pipeline again, as ``actor``,
    on its last attempt (registered, a duplicate, or quarantined again with the new reason).
    A record it became or duplicates that is above ``clearance`` is not named in the outcome."""
    from pipeline.claims import Claimer, owner_name
    from pipeline.indexing import index_registered
    from pipeline.ingest import Context
    from pipeline.isolation import IsolatedExtractor
    from pipeline.processing import process

    if direction is not None and direction not in DIRECTIONS:
        raise InvalidValue(f"收发方向「{direction}」无效，可选：{'、'.join(DIRECTIONS)}", fix="收文 or 发文.")
    path = locate(settings, name)
    owner = owner_name(settings, f"{socket.gethostname()}:{os.getpid()}:web-{secrets.token_hex(3)}")
    claims = retrying.claim_back(settings, engine, Claimer(settings, engine, owner), [path], direction=direction,
                                 attempts=settings.watch.retries)
    if not claims:
        raise NotFound(f"隔离区中没有文件「{readable_name(name)}」（可能已被他人重新处理）", fix="Reload the 隔离区 page.")
    claim = claims[0]
    try:
        with IsolatedExtractor(settings, memory_mb=settings.watch.worker_memory_mb,
                               timeout=settings.watch.file_timeout) as extractor:
            ctx = Context(settings=settings, engine=engine, actor=actor, move=True, extract=extractor)
            outcome = process(claim.entry, ctx, retry_after=0.0, fresh=True).outcome
    finally:
        claim.release()  # should it have failed half-way, a watcher resumes the claim
    if outcome.status == Status.REGISTERED:
        index_registered(engine, settings, [outcome.reg_no], actor)  # a failure: `index check --fix`
    return _told(engine, outcome, clearance)


def _told(engine: Engine, outcome: Outcome, clearance: queries.Clearance) -> Outcome:
    """The outcome as a user with ``clearance`` may read it."""
    number = outcome.reg_no or outcome.duplicate_of
    if not number or clearance is queries.UNRESTRICTED:
        return outcome
    try:
        queries.get_visible(engine, number, clearance)
    except NotFound:
        return replace(outcome, reg_no=None, duplicate_of=None, title=None, doc_type=None, route=None)
    return outcome
