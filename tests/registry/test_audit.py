"""The audit log is append-only and any tampering is found and named by `wenshu audit verify`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from registry import audit
from registry.db import connect
from registry.corrections import void
from registry.records import Intake, register


def _populate(settings, count: int = 5):
    engine = connect(settings.database_url)
    for n in range(count):
        register(engine, settings, Intake(direction="收文", file_name=f"{n}.txt", sha256=f"{n:064x}",
                                          stored_path=f"s/{n}", text=f"正文{n}"), "clerk")
    void(engine, "收〔%d〕1号" % _year(engine), "重复", "clerk")
    return engine


def _year(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT year FROM documents LIMIT 1")).scalar_one()


def _drop_triggers(engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))


def _verify(engine) -> list[audit.Break]:
    with Session(engine) as session:
        return audit.verify(session)


def _cli_verify(settings) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()",
                           "--data", str(settings.data_dir), "audit", "verify"],
                          capture_output=True, text=True,
                          env={"WENSHU_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"})


def test_intact_chain_verifies(db_settings):
    engine = _populate(db_settings)
    assert _verify(engine) == []
    result = _cli_verify(db_settings)
    assert result.returncode == 0, result.stderr
    assert "6 条事件校验通过" in result.stdout


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
                                       "DELETE FROM audit_events WHERE seq = 2"])
def test_database_refuses_update_and_delete(db_settings, statement):
    engine = _populate(db_settings)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text(statement))
    assert _verify(engine) == []


def test_altered_event_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3"))
    problems = _verify(engine)
    assert problems[0].seq == 3 and "altered" in problems[0].problem
    result = _cli_verify(db_settings)
    assert result.returncode == 6
    assert "event 3" in result.stderr


def test_deleted_event_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    problems = _verify(engine)
    assert problems[0].seq == 3 and "missing" in problems[0].problem
    assert "event 3" in _cli_verify(db_settings).stderr


def test_event_reinserted_with_forged_content_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    with engine.begin() as connection:
        row = connection.execute(text("SELECT * FROM audit_events WHERE seq = 4")).mappings().one()
        connection.execute(text("DELETE FROM audit_events WHERE seq = 4"))
        forged = json.loads(row["details"]) | {"file_name": "forged.txt"}
        connection.execute(text("INSERT INTO audit_events (seq, at, actor, action, record, details, prev_hash, hash)"
                                " VALUES (:seq, :at, :actor, :action, :record, :details, :prev_hash, :hash)"),
                           dict(row) | {"details": audit.canonical_json(forged)})
    problems = _verify(engine)
    assert problems[0].seq == 4


def _append_forged(engine, *, skip: int) -> int:
    """Append a correctly hashed event after the newest one, ``skip`` numbers further on,
    without touching chain_head (as someone with raw SQL access and the algorithm would)."""
    with engine.begin() as connection:
        last = connection.execute(text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
        seq, details, at = last.seq + 1 + skip, audit.canonical_json({}), "2026-01-01T00:00:00.000000+00:00"
        digest = audit.event_hash(seq, at, "mallory", "exported", None, details, last.hash)
        connection.execute(text("INSERT INTO audit_events VALUES (:seq, :at, 'mallory', 'exported', NULL,"
                                " :details, :prev, :hash)"),
                           {"seq": seq, "at": at, "details": details, "prev": last.hash, "hash": digest})
    return seq


def test_event_inserted_out_of_order_is_named(db_settings):
    engine = _populate(db_settings)
    seq = _append_forged(engine, skip=1)
    problems = _verify(engine)
    assert problems[0].seq == seq and "missing" in problems[0].problem


def test_well_forged_event_appended_without_the_head_is_found(db_settings):
    engine = _populate(db_settings)
    _append_forged(engine, skip=0)
    problems = _verify(engine)
    assert problems and "head" in problems[0].problem


def test_tail_cut_off_is_found(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"))
    problems = _verify(engine)
    assert problems and "cut off" in problems[0].problem


def test_document_edited_behind_the_registry_is_found(db_settings):
    engine = _populate(db_settings)
    with engine.begin() as connection:
        connection.execute(text("UPDATE documents SET title = '改过的标题' WHERE seq = 2"))
    problems = _verify(engine)
    assert problems and problems[0].record.endswith("〕2号")
    result = _cli_verify(db_settings)
    assert result.returncode == 6 and "〕2号" in result.stderr
