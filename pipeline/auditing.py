"""What an auditor runs: verify the log (and, deep, the stored originals), take a checkpoint, and
the watcher's daily checkpoint line in ``[audit] checkpoint_dir`` (another machine's share).

The checks themselves are ``registry/verify.py``; here they get what only the edge knows: the
store of originals (``store_dir``), the checkpoint folder, the office's day.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.settings import Settings
from registry import checkpoints, guard
from registry.checkpoints import Checkpoint
from registry.db import audit_key
from registry.models import ChainHead, Document
from registry.verify import Break, verify

CHECKPOINT_FILE = "checkpoints.txt"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Verification:
    problems: list[Break]
    events: int
    checkpoints: int
    originals: int | None   # None: not checked (no --deep)


def verify_registry(engine: Engine, settings: Settings, *, given: list[str] = (), deep: bool = False) -> Verification:
    """The log checked against itself, the register, the counters, the checkpoints given and
    those in ``checkpoint_dir``, and the protective triggers; with ``deep``, every stored
    original against its SHA-256."""
    found = [parse_given(text) for text in given] + kept_checkpoints(settings)
    with Session(engine) as session:
        problems = verify(session, audit_key(engine), found)
        events = session.get(ChainHead, 1).last_seq
        if missing := guard.missing_triggers(session.connection()):
            problems.append(Break(None, None, f"保护触发器缺失或被停用：{'、'.join(missing)}"))
    originals = None
    if deep:
        checked, changed = originals_problems(engine, settings)
        problems, originals = problems + changed, checked
    return Verification(problems, events, len(found), originals)


def parse_given(text: str) -> Checkpoint:
    checkpoint = checkpoints.parse(text)
    if checkpoint is None:
        raise InvalidValue("检查点格式不对", fix="Pass the whole line `wenshu audit checkpoint` printed, in quotes.")
    return checkpoint


def kept_checkpoints(settings: Settings) -> list[Checkpoint]:
    """The checkpoint lines the watcher wrote into ``checkpoint_dir`` (none when it is unreachable)."""
    found = []
    for path in sorted(settings.checkpoint_dir.glob("*.txt")) if settings.checkpoint_dir.is_dir() else ():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if checkpoint := checkpoints.parse(line):
                found.append(checkpoint)
    return found


def originals_problems(engine: Engine, settings: Settings) -> tuple[int, list[Break]]:
    """(originals checked, those missing or changed): each stored file hashed again."""
    problems, checked = [], 0
    with Session(engine) as session:
        rows = session.execute(select(Document.reg_no, Document.stored_path, Document.sha256)
                               .order_by(Document.id)).all()
    for reg_no, stored_path, sha256 in rows:
        checked += 1
        path = settings.stored_file(stored_path)
        try:
            digest = _sha256(path)
        except FileNotFoundError:
            problems.append(Break(None, reg_no, f"原件 {stored_path} 不见了"))
            continue
        except OSError as exc:
            problems.append(Break(None, reg_no, f"原件 {stored_path} 无法读取：{exc.strerror}"))
            continue
        if digest != sha256:
            problems.append(Break(None, reg_no, f"原件 {stored_path} 已被改动：SHA-256 与登记时不同"))
    return checked, problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def take_checkpoint(engine: Engine) -> Checkpoint:
    key = audit_key(engine)
    if key is None:
        raise InvalidValue("没有审计密钥，无法签发检查点", fix="Restore the key file ([audit] key_file).")
    with engine.connect() as connection:
        return checkpoints.current(connection, key, datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write_daily_checkpoint(engine: Engine, settings: Settings) -> Checkpoint | None:
    """Append today's checkpoint line to ``checkpoint_dir`` unless it has one for today (the
    office's day); the line written, or None."""
    path = settings.checkpoint_dir / CHECKPOINT_FILE
    kept = kept_checkpoints(settings)
    if kept and datetime.fromisoformat(kept[-1].at).astimezone(settings.zone).date() == settings.today():
        return None
    checkpoint = take_checkpoint(engine)
    if checkpoint.seq == 0:
        return None   # an empty log: nothing to anchor yet
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(checkpoint.line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return checkpoint
