"""The audit chain's state at a glance, for the web 工作台: its head (the newest event's number
and hash, and when it was written) and whether the registry would write on it.

This is the check every write makes before it writes (``guard.check_before_write``: the
protective triggers are there, the head agrees with the newest event), three indexed lookups;
not the full verification, which rehashes every event (``wenshu audit verify``, the 审计 page).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from core.errors import Tampered
from registry import guard
from registry.models import AuditEvent, ChainHead


@dataclass(frozen=True)
class HeadStatus:
    seq: int                # the newest event's number (0: no event yet)
    hash: str
    at: str | None          # when it was written (ISO 8601 UTC), None with no event
    problem: str | None     # why the registry refuses to write, None when it would write

    @property
    def intact(self) -> bool:
        return self.problem is None


def head_status(engine: Engine) -> HeadStatus:
    with engine.connect() as connection:
        seq, last_hash = connection.execute(select(ChainHead.last_seq, ChainHead.last_hash)
                                            .where(ChainHead.id == 1)).one()
        at = connection.scalar(select(AuditEvent.at).where(AuditEvent.seq == seq)) if seq else None
        try:
            guard.check_before_write(connection, seq, last_hash)
            problem = None
        except Tampered as error:
            problem = error.message
    return HeadStatus(seq=seq, hash=last_hash, at=at, problem=problem)
