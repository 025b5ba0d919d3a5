"""The registry's protective triggers, and the checks every write makes before it changes anything.

The triggers refuse what wenshu itself never does: changing or removing an audit event, and
removing a registered document (a voided one keeps its row and its number). Whoever owns the
database can drop them; so every write transaction first checks that they are all there and
that the chain head agrees with the newest event, and refuses to write otherwise: extending a
log that was cut or rewritten would only launder it. ``wenshu audit repair-triggers`` puts the
triggers back, audited with who and why.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from core.errors import Tampered

_REFUSE_PG = """
    CREATE OR REPLACE FUNCTION wenshu_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% on % refused: wenshu keeps this table append-only', TG_OP, TG_TABLE_NAME;
    END;
    $$"""

# name -> DDL, per dialect. audit_events' PostgreSQL triggers keep the function 0001 made.
TRIGGERS: dict[str, dict[str, str]] = {
    "postgresql": {
        "audit_events_append_only": "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                                    "FOR EACH ROW EXECUTE FUNCTION wenshu_refuse_change()",
        "audit_events_no_truncate": "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                                    "FOR EACH STATEMENT EXECUTE FUNCTION wenshu_refuse_change()",
        "documents_no_delete": "CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents "
                               "FOR EACH ROW EXECUTE FUNCTION wenshu_refuse_change()",
        "documents_no_truncate": "CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION wenshu_refuse_change()",
    },
    "sqlite": {
        "audit_events_no_update": "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                                  "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END",
        "audit_events_no_delete": "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                                  "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END",
        "documents_no_delete": "CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents "
                               "BEGIN SELECT RAISE(ABORT, 'documents are never deleted: void the record instead'); END",
    },
}
# 办理 opinions and 催办 rows are append-only too (migration 0008), with the same triggers.
HANDLING_APPEND_ONLY = ("handling_opinions", "handling_urges")
for _table in HANDLING_APPEND_ONLY:
    TRIGGERS["postgresql"][f"{_table}_append_only"] = (
        f"CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table} "
        "FOR EACH ROW EXECUTE FUNCTION wenshu_refuse_change()")
    for _operation in ("update", "delete"):
        TRIGGERS["sqlite"][f"{_table}_no_{_operation}"] = (
            f"CREATE TRIGGER {_table}_no_{_operation} BEFORE {_operation.upper()} ON {_table} "
            f"BEGIN SELECT RAISE(ABORT, '{_table} is append-only: {_operation.upper()} refused'); END")
GUARDED_TABLES = ("audit_events", "documents", *HANDLING_APPEND_ONLY)


def _table_of(trigger: str) -> str:
    return next(table for table in GUARDED_TABLES if trigger.startswith(table + "_"))


def present_triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        return set(connection.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
            "AND tgrelid::regclass::text IN (" + ", ".join(f"'{table}'" for table in GUARDED_TABLES) + ")")))
    return set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))


def missing_triggers(connection: Connection) -> list[str]:
    expected = TRIGGERS[connection.dialect.name]
    present = present_triggers(connection)
    return [name for name in expected if name not in present]


def install_triggers(connection: Connection) -> list[str]:
    """Create the triggers that are missing (a disabled PostgreSQL trigger is replaced); the
    names restored."""
    # Only on tables that exist: migration 0005 calls this before 0008 made the 办理 tables
    # (0008 makes their triggers itself).
    existing = {table for table in GUARDED_TABLES if inspect(connection).has_table(table)}
    missing = [name for name in missing_triggers(connection) if _table_of(name) in existing]
    if connection.dialect.name == "postgresql" and missing:
        connection.execute(text(_REFUSE_PG))
        for name in missing:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(name)}"))
    for name in missing:
        connection.execute(text(TRIGGERS[connection.dialect.name][name]))
    return missing


def check_before_write(connection: Connection, last_seq: int, last_hash: str, *, triggers: bool = True) -> None:
    """Refuse to write (``Tampered``) when a protective trigger is gone or the chain head does
    not agree with the newest audit event. Three indexed lookups."""
    if triggers and (missing := missing_triggers(connection)):
        raise Tampered(f"登记簿的保护触发器已被删除或停用（{'、'.join(missing)}），为免掩盖篡改，拒绝写入。",
                       fix="Run `wenshu audit verify` to see what else changed, then "
                           "`wenshu --user NAME audit repair-triggers --reason …` to restore the triggers.")
    newest = connection.scalar(text("SELECT max(seq) FROM audit_events")) or 0
    at_head = connection.scalar(text("SELECT hash FROM audit_events WHERE seq = :seq"), {"seq": last_seq})
    if newest != last_seq or (last_seq and at_head != last_hash):
        raise Tampered(f"审计链头（第 {last_seq} 条）与审计日志（最新第 {newest} 条）不一致：日志被截断或改写，拒绝写入。",
                       fix="Run `wenshu audit verify` and compare the log with the auditors' checkpoints; "
                           "restore the database from a backup taken before the change.")
