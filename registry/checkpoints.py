"""Checkpoints: the chain's head written down off the system, for auditors.

Whoever owns the database can cut events off the end of the log and move ``chain_head`` back;
nothing inside the database can tell. A checkpoint is one line an auditor keeps elsewhere (a
printout, another machine's share): the newest event's sequence and hash, the time, and an
HMAC of the three under the audit key, so that a checkpoint cannot be made up. ``verify`` with a
checkpoint proves the log still holds that event with that hash.

    wenshu-checkpoint v1 seq=812 hash=<64 hex> at=2026-12-06T13:00:00+00:00 mac=<64 hex>
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from sqlalchemy import Connection, select

from registry.auditkey import AuditKey
from registry.models import ChainHead

_LINE = re.compile(r"wenshu-checkpoint v1 seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{64}) "
                   r"at=(?P<at>\S+) mac=(?P<mac>[0-9a-f]{64})")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    mac: str

    @property
    def line(self) -> str:
        return f"wenshu-checkpoint v1 seq={self.seq} hash={self.hash} at={self.at} mac={self.mac}"

    def sealed_by(self, key: AuditKey) -> bool:
        return hmac.compare_digest(self.mac, _mac(key, self.seq, self.hash, self.at))


def _mac(key: AuditKey, seq: int, hash_: str, at: str) -> str:
    return key.seal(f"wenshu-checkpoint|v1|{seq}|{hash_}|{at}".encode())


def current(connection: Connection, key: AuditKey, at: str) -> Checkpoint:
    """The chain head now, sealed."""
    seq, hash_ = connection.execute(select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.id == 1)).one()
    return Checkpoint(seq=seq, hash=hash_, at=at, mac=_mac(key, seq, hash_, at))


def parse(text: str) -> Checkpoint | None:
    """The checkpoint in a line as printed (extra spaces or words around it are ignored)."""
    m = _LINE.search(" ".join(text.split()))
    return Checkpoint(int(m["seq"]), m["hash"], m["at"], m["mac"]) if m else None
