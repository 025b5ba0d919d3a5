"""The two repairs an administrator makes to the audit machinery, each audited.

- ``enable_key``: a registry begun before audit keys gets its key, keyed from its next event on;
  that event (``keyed``) is the first the key seals. A registry that was keyed and lost its key
  gets no new one: restoring the key file is the only way on, or a rewritten log would pass.
- ``repair_triggers``: the protective triggers someone dropped are made again, with who and why.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue, Tampered
from registry import auditkey, guard
from registry.audit import Action, Head
from registry.auditkey import AuditKey
from registry.db import audit_key, connect, writer
from registry.models import ChainHead
from registry.writing import WriteTransaction, write_transaction


def enable_key(engine: Engine, key_file: Path, actor: str) -> AuditKey | None:
    """Make the key of a registry that has events and never had one; None when it has a key."""
    if audit_key(engine) is not None:
        return None
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        head = session.scalar(select(ChainHead).where(ChainHead.id == 1).with_for_update())
        if head.keyed_from is not None:
            raise Tampered(f"审计密钥 {key_file} 缺失，而审计链自第 {head.keyed_from} 条起以密钥封存：不能另配新密钥。",
                           fix="Restore the key file from its backup (the same file on every machine of this registry).")
        guard.check_before_write(session.connection(), head.last_seq, head.last_hash)
        key = auditkey.create(key_file, keyed_from=head.last_seq + 1)
        head.keyed_from = key.keyed_from
        txn = WriteTransaction(session=session, head=Head(head.last_seq, head.last_hash), actor=actor, key=key)
        txn.record(Action.KEYED, None, {"keyed_from": key.keyed_from})
        session.flush()
        txn.append_events()
    connect.cache_clear()  # engines made before bind no key
    return key


def repair_triggers(engine: Engine, actor: str, reason: str) -> list[str]:
    """Restore the protective triggers that are missing; the names restored (none: nothing written)."""
    if not reason.strip():
        raise InvalidValue("修复触发器必须说明理由", fix='Give it with --reason "…".')
    with write_transaction(engine, actor, check_triggers=False) as txn:
        restored = guard.install_triggers(txn.connection)
        if restored:
            txn.record(Action.TRIGGERS_REPAIRED, None, {"restored": restored, "reason": reason.strip()})
    return restored
