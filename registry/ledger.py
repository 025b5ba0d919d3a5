"""The intake ledger: what the watcher has claimed out of the inbox and what became of it.

One row per claimed file: where it was found, its name exactly as the clerk wrote it, size,
mtime and SHA-256 at the claim, its place in ``work/``, the attempts made, and the end state:

    claimed ──> done (reg_no) | duplicate (reg_no of the existing record)
       │        | quarantined (kind, reason, cause, placed_to)
       └──────> released (the claim ended without the file: it vanished from work/)

A claim is closed in the same transaction as the registry's record of its outcome (the
registration, or the duplicate or quarantine audit event), and its file is moved afterwards.
So after a crash the ledger alone says what is left to do: a row still ``claimed`` had no
outcome yet (run the recipe again); a closed row whose file is still in ``work/`` has its file
moved where the row says (``pipeline/recovery.py``).

A row in ``claimed`` is unfinished work: a watcher that starts (or rescans) resumes it unless
the watcher named in ``owner`` is still alive (it holds a lock on the work file, see
``pipeline/claims.py``). Taking over a row is a compare-and-set on ``owner`` under
``SELECT … FOR UPDATE SKIP LOCKED``, so two watchers never resume the same file.

Only this module writes the table (``close`` inside the registration's own transaction). Ledger
writes describe files, not records: they take the
database's write lock (SQLite ``BEGIN IMMEDIATE``) but not the audit chain's, and add no audit
event; the registrations, duplicates and quarantines they point at have theirs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import (BigInteger, DateTime, Engine, Integer, String, Text, bindparam, func, insert, select,
                        update)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.vocab import FINAL_CLAIM_STATES, ClaimState
from registry.audit import as_utc, utc_now
from registry.db import writer
from registry.models import Base, Document


class LedgerRow(Base):
    __tablename__ = "intake_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    direction: Mapped[str] = mapped_column(String(4), nullable=False)
    series: Mapped[str | None] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    source_path: Mapped[str] = mapped_column(Text, nullable=False)
    work_path: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mtime_ns: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reg_no: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    placed_to: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)  # JSON: where a retried file came from
    owner: Mapped[str] = mapped_column(String(120), nullable=False)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Entry:
    """A row as a value (no session attached)."""

    id: int
    state: str
    direction: str
    series: str | None
    file_name: str
    source_path: str
    work_path: str
    size: int
    mtime_ns: int
    sha256: str | None
    attempts: int
    not_before: datetime | None
    reg_no: str | None
    kind: str | None
    reason: str | None
    owner: str
    claimed_at: datetime
    finished_at: datetime | None
    cause: str | None = None
    placed_to: str | None = None
    origin: str | None = None

    @classmethod
    def of(cls, row: LedgerRow) -> "Entry":
        return cls(id=row.id, state=row.state, direction=row.direction, series=row.series,
                   file_name=row.file_name, source_path=row.source_path, work_path=row.work_path,
                   size=row.size, mtime_ns=row.mtime_ns, sha256=row.sha256, attempts=row.attempts,
                   not_before=row.not_before and as_utc(row.not_before), reg_no=row.reg_no,
                   kind=row.kind, reason=row.reason, owner=row.owner,
                   claimed_at=as_utc(row.claimed_at),
                   finished_at=row.finished_at and as_utc(row.finished_at), cause=row.cause,
                   placed_to=row.placed_to, origin=row.origin)


def _write(engine: Engine) -> Session:
    return Session(writer(engine), expire_on_commit=False)


# --- writes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewClaim:
    """A file just moved into ``work_path``, to be recorded as claimed."""

    direction: str
    series: str | None
    file_name: str
    source_path: str
    work_path: str
    size: int
    mtime_ns: int
    sha256: str | None
    attempts: int = 0
    origin: str | None = None  # JSON: a retried file's quarantine entry and earlier SHA-256


_CLAIM = insert(LedgerRow).returning(LedgerRow.id, sort_by_parameter_order=True)


def claim(engine: Engine, claims: list[NewClaim], *, owner: str) -> list[Entry]:
    """Record files just moved into ``work/``, in one transaction: from now on they are
    resumable. Plain SQL, one statement for all: the watcher's loop waits for this."""
    if not claims:
        return []
    now = utc_now()
    rows = [{**asdict(new), "state": ClaimState.CLAIMED, "owner": owner, "claimed_at": now, "updated_at": now}
            for new in claims]
    with writer(engine).begin() as connection:
        ids = connection.execute(_CLAIM, rows).scalars().all()
    return [Entry(id=id_, not_before=None, reg_no=None, kind=None, reason=None, finished_at=None,
                  **{name: value for name, value in row.items() if name != "updated_at"})
            for id_, row in zip(ids, rows)]


def adopt(engine: Engine, entry_id: int, *, seen_owner: str, owner: str) -> Entry | None:
    """Take over an unfinished claim whose owner is gone; None if someone else was quicker."""
    with _write(engine) as session, session.begin():
        row = session.scalar(select(LedgerRow).where(
            LedgerRow.id == entry_id, LedgerRow.state == ClaimState.CLAIMED, LedgerRow.owner == seen_owner)
            .with_for_update(skip_locked=True))
        if row is None:
            return None
        row.owner, row.updated_at = owner, utc_now()
        return Entry.of(row)


def note_retry(engine: Engine, entry_id: int, *, not_before: datetime, kind: str | None,
               reason: str | None) -> None:
    """One more attempt failed in a way worth retrying; try again after ``not_before``."""
    with _write(engine) as session, session.begin():
        session.execute(update(LedgerRow).where(LedgerRow.id == entry_id, LedgerRow.state == ClaimState.CLAIMED)
                        .values(attempts=LedgerRow.attempts + 1, not_before=not_before, kind=kind,
                                reason=reason, updated_at=utc_now()))


def release(engine: Engine, entry_id: int, *, reason: str) -> bool:
    """Close a claim whose file vanished from work/. False if it was already closed."""
    with _write(engine) as session, session.begin():
        return close(session, entry_id, Closing(ClaimState.RELEASED, reason=reason))


@dataclass(frozen=True)
class Closing:
    """How a claim ends, as the ledger keeps it."""

    state: ClaimState
    reg_no: str | None = None  # registered as, or the registration it duplicates
    kind: str | None = None  # quarantined: the error kind; duplicate: same_file | same_document
    reason: str | None = None
    cause: str | None = None
    placed_to: str | None = None  # quarantined: where the file goes (data-dir relative)

    def __post_init__(self) -> None:
        if self.state not in FINAL_CLAIM_STATES:
            raise ValueError(f"not an end state: {self.state}")


_CLOSE = update(LedgerRow).where(LedgerRow.id == bindparam("entry_id"), LedgerRow.state == ClaimState.CLAIMED).values(
    state=bindparam("new_state"), reg_no=bindparam("to_reg_no"), kind=bindparam("new_kind"),
    reason=bindparam("new_reason"), cause=bindparam("new_cause"), placed_to=bindparam("new_placed_to"),
    updated_at=bindparam("now"), finished_at=bindparam("now"), attempts=LedgerRow.attempts + 1)


def close(session: Session, entry_id: int, closing: Closing) -> bool:
    """Close a claim inside a write transaction the caller holds: the registry closes it in the
    transaction that records its outcome, so no crash can come between the two. False if it
    was already closed."""
    result = session.connection().execute(_CLOSE, {  # plain SQL: the ORM's bulk UPDATE costs a millisecond
        "entry_id": entry_id, "new_state": closing.state.value, "to_reg_no": closing.reg_no,
        "new_kind": closing.kind, "new_reason": closing.reason, "new_cause": closing.cause,
        "new_placed_to": closing.placed_to, "now": utc_now()})
    return result.rowcount == 1


# --- reads ------------------------------------------------------------------------------------

def get(engine: Engine, entry_id: int) -> Entry | None:
    with Session(engine) as session:
        row = session.get(LedgerRow, entry_id)
        return Entry.of(row) if row else None


def unfinished(engine: Engine) -> list[Entry]:
    with Session(engine) as session:
        rows = session.scalars(select(LedgerRow).where(LedgerRow.state == ClaimState.CLAIMED).order_by(LedgerRow.id))
        return [Entry.of(row) for row in rows]


def by_work_path(engine: Engine, work_path: str) -> Entry | None:
    with Session(engine) as session:
        row = session.scalar(select(LedgerRow).where(LedgerRow.work_path == work_path))
        return Entry.of(row) if row else None


def last_quarantined(engine: Engine, placed_to: str, sha256: str | None = None) -> Entry | None:
    """The claim whose file was quarantined at ``placed_to`` (else the newest one with these
    bytes), to retry a file as it came in: its name, 收文 or 发文, and its series."""
    with Session(engine) as session:
        conditions = [LedgerRow.placed_to == placed_to] + ([LedgerRow.sha256 == sha256] if sha256 else [])
        for condition in conditions:
            row = session.scalar(select(LedgerRow).where(condition, LedgerRow.state == ClaimState.QUARANTINED)
                                 .order_by(LedgerRow.id.desc()).limit(1))
            if row is not None:
                return Entry.of(row)
    return None


def last_duplicate(engine: Engine, sha256: str) -> Entry | None:
    """The newest claim whose file with these bytes was found a duplicate (how it came in)."""
    with Session(engine) as session:
        row = session.scalar(select(LedgerRow).where(LedgerRow.sha256 == sha256,
                                                     LedgerRow.state == ClaimState.DUPLICATE)
                             .order_by(LedgerRow.id.desc()).limit(1))
        return Entry.of(row) if row else None


def newest_for(engine: Engine, sha256: str, since: datetime | None = None,
               source_path: str | None = None) -> Entry | None:
    """The newest claim of a file with these bytes (claimed at or after ``since``, found at
    ``source_path``): what became of a file put into the inbox, once a watcher took it."""
    query = select(LedgerRow).where(LedgerRow.sha256 == sha256)
    if since is not None:
        query = query.where(LedgerRow.claimed_at >= since)
    if source_path is not None:
        query = query.where(LedgerRow.source_path == source_path)
    with Session(engine) as session:
        row = session.scalar(query.order_by(LedgerRow.id.desc()).limit(1))
        return Entry.of(row) if row else None


def counts(engine: Engine, since: datetime) -> dict[str, int]:
    """Claims in progress, and claims finished per end state since ``since``."""
    with Session(engine) as session:
        in_progress = session.scalar(select(func.count()).select_from(LedgerRow)
                                     .where(LedgerRow.state == ClaimState.CLAIMED))
        finished = dict(session.execute(select(LedgerRow.state, func.count()).where(
            LedgerRow.finished_at >= since).group_by(LedgerRow.state)).all())
        registered = session.scalar(select(func.count()).select_from(Document)
                                    .where(Document.registered_at >= since))
    return {"in_progress": in_progress, "registered": registered,
            **{state.value: finished.get(state.value, 0) for state in FINAL_CLAIM_STATES}}
