"""Sending quarantined files through again, once the cause is fixed (``wenshu retry``).

A quarantined file is claimed back into work/ as it came in (its name, 收文 or 发文, its
series: from the ledger row that quarantined it) and marked as on its last attempt, so that the
watcher's recipe either registers it or quarantines it again at once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.errors import NotFound
from core.settings import Settings
from core.vocab import INCOMING
from pipeline.claims import Claim, Claimer
from pipeline.files import REASON_SUFFIX, reason_file, sha256_of
from pipeline.ingest import original_name
from registry import ledger


def quarantined_files(settings: Settings) -> list[Path]:
    root = settings.quarantine_dir
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*")
                  if path.is_file() and not path.is_symlink() and not path.name.endswith(REASON_SUFFIX))


def find_quarantined(settings: Settings, given: Path) -> Path:
    """A quarantined file named by its path, or by its name inside quarantine/<day>/."""
    root = settings.quarantine_dir.resolve()
    candidates = [given] if given.exists() else sorted(root.glob(f"*/{given.name}"))
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root) and not resolved.name.endswith(REASON_SUFFIX):
            return settings.quarantine_dir / resolved.relative_to(root)
    raise NotFound(f"隔离区中没有文件「{given}」", fix=f"List them with: ls {settings.quarantine_dir}/*/")


def claim_back(settings: Settings, engine: Engine, claimer: Claimer, paths: list[Path], *,
               direction: str | None, attempts: int) -> list[Claim]:
    """Claim quarantined files back into work/; a claimed file's old reason file goes (the file
    is safe in work/ with its ledger row, and gets a new outcome)."""
    claims = []
    for path in paths:
        where = path.relative_to(settings.data_dir).as_posix()
        previous = ledger.last_quarantined(engine, where) or ledger.last_quarantined(engine, where, sha256_of(path))
        reason = reason_file(path)
        name = previous.file_name if previous else original_name(reason) or path.name
        claim = claimer.claim(path, direction or (previous.direction if previous else INCOMING),
                              previous.series if previous else None, attempts=attempts, file_name=name)
        if claim is not None:
            reason.unlink(missing_ok=True)
            claims.append(claim)
    return claims
