"""What the clerk does with files set aside: send quarantined files through again once the
cause is fixed (``wenshu retry``), register a same_document duplicate anew (``--as-new``),
remove an unfixable quarantined file (``wenshu discard``), and list what is in quarantine.

A quarantined file is claimed back into work/ as it came in (its name, 收文 or 发文, its
series: from the ledger row that quarantined it) and marked as on its last attempt, so that the
watcher's recipe either registers it or quarantines it again at once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.errors import InvalidValue, NotFound
from core.settings import Settings
from core.vocab import INCOMING
from pipeline.claims import Claim, Claimer
from pipeline.files import REASON_SUFFIX, reason_file, sha256_of
from pipeline.ingest import Context, Outcome, ingest_file, original_name, quarantine_reason
from registry import ledger, queries, records


def register_anew(settings: Settings, engine: Engine, actor: str, path: Path, reason: str) -> Outcome:
    """The clerk overrules a same_document duplicate: register the file in duplicates/ as a new
    record (a misprinted or reused number, say), audited with the reason."""
    if not reason.strip():
        raise InvalidValue("另行登记必须说明理由", fix='Give it with --reason "…".')
    sha256 = sha256_of(path)
    known = queries.registered_as(engine, sha256)
    if known:
        raise InvalidValue(f"该文件与 {known} 是同一文件（内容完全相同），不能另行登记。",
                           fix="Only a same_document duplicate (another file of the same 文号) can be registered anew.")
    arrived = ledger.last_duplicate(engine, sha256)
    ctx = Context(settings=settings, engine=engine, actor=actor, move=True, as_new=reason.strip(),
                  origin={"duplicates": path.relative_to(settings.data_dir).as_posix()})
    return ingest_file(path, ctx, direction=arrived.direction if arrived else INCOMING,
                       series=arrived.series if arrived else None,
                       file_name=arrived.file_name if arrived else path.name, sha256=sha256)


def discard(settings: Settings, engine: Engine, actor: str, path: Path, reason: str) -> str:
    """Remove an unfixable quarantined file and its reason file, audited with the reason first
    (a crash in between leaves the file, and the audit event saying it was to go)."""
    where = path.relative_to(settings.data_dir).as_posix()
    records.record_discard(engine, file_name=path.name, sha256=sha256_of(path), quarantined_to=where,
                           reason=reason, actor=actor)
    reason_file(path).unlink(missing_ok=True)
    path.unlink()
    return where


def quarantine_list(settings: Settings) -> list[dict[str, str | None]]:
    """Each quarantined file (data-dir relative) with the reason it is there."""
    return [{"file": path.relative_to(settings.data_dir).as_posix(), "reason": quarantine_reason(reason_file(path))}
            for path in quarantined_files(settings)]


def find_duplicate(settings: Settings, given: Path) -> Path:
    """A file in duplicates/, named by its path or by its name inside duplicates/<day>/."""
    return _find_in(settings.duplicates_dir, given, "重复件目录")


def quarantined_files(settings: Settings) -> list[Path]:
    root = settings.quarantine_dir
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*")
                  if path.is_file() and not path.is_symlink() and not path.name.endswith(REASON_SUFFIX))


def find_quarantined(settings: Settings, given: Path) -> Path:
    """A quarantined file named by its path, or by its name inside quarantine/<day>/."""
    return _find_in(settings.quarantine_dir, given, "隔离区")


def _find_in(folder: Path, given: Path, label: str) -> Path:
    root = folder.resolve()
    candidates = [given] if given.exists() else sorted(root.glob(f"*/{given.name}"))
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root) and not resolved.name.endswith(REASON_SUFFIX):
            return folder / resolved.relative_to(root)
    raise NotFound(f"{label}中没有文件「{given}」", fix=f"List them with: ls {folder}/*/")


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
        origin = {"quarantine": where, "sha256": previous.sha256 if previous else None}
        claim = claimer.claim(path, direction or (previous.direction if previous else INCOMING),
                              previous.series if previous else None, attempts=attempts, file_name=name,
                              origin=origin)
        if claim is not None:
            reason.unlink(missing_ok=True)
            claims.append(claim)
    return claims
