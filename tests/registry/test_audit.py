"""The audit log is append-only, and what someone with the database (and not the audit key) does
behind wenshu's back is found and named by `wenshu audit verify`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.errors import Tampered
from core.vocab import SYSTEM_ACTOR
from registry import audit, guard, users
from registry.corrections import correct, void
from registry.db import audit_key, open_registry
from registry.records import Intake, register
from registry.verify import Break, verify
from tests.cli import SAMPLE_OFFICE_ENV, make_test_user, run


def _populate(settings, count: int = 5):
    engine = open_registry(settings)
    for n in range(count):
        register(engine, settings, Intake(direction="收文", file_name=f"{n}.txt", sha256=f"{n:064x}",
                                          stored_path=f"s/{n}", text=f"正文{n}"), "clerk")
    void(engine, "收〔%d〕1号" % _year(engine), "重复", "clerk")
    return engine


def _year(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT year FROM documents LIMIT 1")).scalar_one()


def _reg_no(engine, seq: int) -> str:
    return f"收〔{_year(engine)}〕{seq}号"


def _drop_triggers(engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
            connection.execute(text("DROP TRIGGER documents_no_delete ON documents"))
        else:
            for name in ("audit_events_no_update", "audit_events_no_delete", "documents_no_delete"):
                connection.execute(text(f"DROP TRIGGER {name}"))


def _sql(engine, *statements: str, **params) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


def _rehash_without_key(connection) -> str:
    """Recompute every event's hash with the public SHA-256 function, as someone without the
    key would; the new newest hash."""
    prev = audit.GENESIS_HASH
    for row in connection.execute(text("SELECT * FROM audit_events ORDER BY seq")).mappings().all():
        digest = audit.event_hash(row["seq"], row["at"], row["actor"], row["action"], row["record"],
                                  row["details"], prev)
        connection.execute(text("UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE seq = :seq"),
                           {"prev": prev, "hash": digest, "seq": row["seq"]})
        prev = digest
    return prev


def _verify(engine) -> list[Break]:
    with Session(engine) as session:
        return verify(session, audit_key(engine))


def _cli(settings, *args, code: int | None = None):
    return run(settings.data_dir, *args, env={"WENSHU_DATABASE_URL": settings.database_url}, check_code=code)


def _accounts(settings) -> None:
    """The accounts the commands below act as, made while the registry still takes writes: the
    tests' clerk, and 张主任 (zhang.zhuren), the administrator who repairs."""
    make_test_user(settings.data_dir, {**SAMPLE_OFFICE_ENV, "WENSHU_DATABASE_URL": settings.database_url})
    users.add_user(open_registry(settings), "zhang.zhuren", roles=["admin"], password="zhuren-mima-2026",
                   actor=SYSTEM_ACTOR, display_name="张主任")


def test_intact_chain_verifies(db_settings):
    engine = _populate(db_settings)
    assert _verify(engine) == []
    assert "6 条事件校验通过" in _cli(db_settings, "audit", "verify", code=0).stdout


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
                                       "DELETE FROM audit_events WHERE seq = 2",
                                       "DELETE FROM documents WHERE seq = 2"])
def test_database_refuses_update_and_delete(db_settings, statement):
    engine = _populate(db_settings)
    with pytest.raises(DBAPIError, match="append-only|never deleted|refused"):
        _sql(engine, statement)
    assert _verify(engine) == []


def test_altered_event_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    _sql(engine, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    problems = _verify(engine)
    assert problems[0].seq == 3 and "改动" in problems[0].problem
    assert "第 3 条事件" in _cli(db_settings, "audit", "verify", code=6).stderr


def test_deleted_event_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    _sql(engine, "DELETE FROM audit_events WHERE seq = 2")
    problems = _verify(engine)
    assert problems[0].seq == 3 and "缺失" in problems[0].problem


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
    assert _verify(engine)[0].seq == 4


def _append_forged(engine, *, skip: int = 0, key=None, move_head: bool = False) -> int:
    """Append an event after the newest one, hashed as wenshu would (with ``key``: as someone who
    stole the audit key), ``skip`` numbers further on."""
    with engine.begin() as connection:
        last = connection.execute(text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
        seq, details, at = last.seq + 1 + skip, audit.canonical_json({}), "2026-01-01T00:00:00.000000+00:00"
        digest = audit.event_hash(seq, at, "mallory", "exported", None, details, last.hash, key)
        connection.execute(text("INSERT INTO audit_events VALUES (:seq, :at, 'mallory', 'exported', NULL,"
                                " :details, :prev, :hash)"),
                           {"seq": seq, "at": at, "details": details, "prev": last.hash, "hash": digest})
        if move_head:
            connection.execute(text("UPDATE chain_head SET last_seq = :seq, last_hash = :hash"),
                               {"seq": seq, "hash": digest})
    return seq


def test_event_inserted_out_of_order_is_named(db_settings):
    engine = _populate(db_settings)
    seq = _append_forged(engine, skip=1, key=audit_key(engine))
    problems = _verify(engine)
    assert problems[0].seq == seq and "缺失" in problems[0].problem


def test_an_event_hashed_with_the_public_function_is_found_even_with_the_head_moved(db_settings):
    engine = _populate(db_settings)
    seq = _append_forged(engine, move_head=True)
    problems = _verify(engine)
    assert problems[0].seq == seq and "哈希不符" in problems[0].problem


def test_the_whole_chain_recomputed_without_the_key_is_found(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    with engine.begin() as connection:
        prev = _rehash_without_key(connection)
        connection.execute(text("UPDATE chain_head SET last_hash = :hash"), {"hash": prev})
    problems = _verify(engine)
    assert problems[0].seq == 1 and "哈希不符" in problems[0].problem


def test_a_well_forged_event_appended_without_the_head_is_found(db_settings):
    engine = _populate(db_settings)
    _append_forged(engine, key=audit_key(engine))
    problems = _verify(engine)
    assert problems and "截去" in problems[0].problem


def test_tail_cut_off_is_found(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    _sql(engine, "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")
    problems = _verify(engine)
    assert problems and "截去" in problems[0].problem


def test_document_edited_behind_the_registry_is_found(db_settings):
    engine = _populate(db_settings)
    _sql(engine, "UPDATE documents SET title = '改过的标题' WHERE seq = 2")
    problems = _verify(engine)
    assert problems and problems[0].record == _reg_no(engine, 2)
    assert "〕2号" in _cli(db_settings, "audit", "verify", code=6).stderr


# 1. ------------------------------------------------------------------------------------------

def test_a_deleted_register_row_is_named(db_settings):
    engine = _populate(db_settings)
    _drop_triggers(engine)
    _sql(engine, "DELETE FROM documents WHERE seq = 3")
    problems = _verify(engine)
    assert [(p.record, "被删除" in p.problem) for p in problems] == [(_reg_no(engine, 3), True)]
    assert "被删除" in _cli(db_settings, "audit", "verify", code=6).stderr


# 2. ------------------------------------------------------------------------------------------

def test_a_raised_counter_is_named_before_and_after_the_number_it_skips(db_settings):
    engine = _populate(db_settings)
    _sql(engine, "UPDATE counters SET last_seq = 20")
    problems = _verify(engine)
    assert len(problems) == 1 and "计数器为 20" in problems[0].problem and "第 6 至 20 号" in problems[0].problem
    register(engine, db_settings, Intake(direction="收文", file_name="x.txt", sha256="f" * 64,
                                         stored_path="s/x", text="正文"), "clerk")
    problems = _verify(engine)
    assert [p.record for p in problems] == [_reg_no(engine, 21)]
    assert "第 6 至 20 号被跳过" in problems[0].problem


def test_a_printed_number_may_jump_ahead_and_a_counter_lowered_is_named(db_settings):
    engine = open_registry(db_settings)
    for n, number in enumerate(["化学院发〔2026〕7号", None]):
        register(engine, db_settings, Intake(direction="发文", file_name=f"{n}.docx", sha256=f"{n:064x}",
                                             stored_path=f"s/{n}", text="正文",
                                             fields={"doc_number": number} if number else {}), "clerk")
    assert _verify(engine) == []      # 7 printed, then 8 from the series: 1-6 skipped by the paper
    _sql(engine, "UPDATE counters SET last_seq = 3")
    assert "将与已登记的号重复" in _verify(engine)[0].problem


# 3. ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", ["correct", "void"])
def test_a_correction_does_not_launder_a_forged_field(db_settings, change):
    engine = _populate(db_settings)
    _sql(engine, "UPDATE documents SET title = '伪造的标题' WHERE seq = 2")
    with pytest.raises(Tampered, match="〕2号"):
        if change == "correct":
            correct(engine, db_settings, _reg_no(engine, 2), "紧急程度", "特急", "clerk", reason="补录")
        else:
            void(engine, _reg_no(engine, 2), "重复", "clerk")
    assert _verify(engine)[0].record == _reg_no(engine, 2)
    result = _cli(db_settings, "correct", _reg_no(engine, 2), "紧急程度", "特急", "--reason", "补录", code=19)
    assert "在 wenshu 之外被改动" in result.stderr


# 4. ------------------------------------------------------------------------------------------

def test_the_key_lives_outside_the_database_mode_0600(db_settings):
    _populate(db_settings)
    key_file = db_settings.audit_key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o777 == 0o700
    secret = json.loads(key_file.read_text())["key"]
    with open_registry(db_settings).connect() as connection:
        dumped = " ".join(str(v) for row in connection.execute(text("SELECT * FROM chain_head")) for v in row)
    assert secret not in dumped


def test_a_checkpoint_catches_a_tail_cut_off_with_the_head_moved_back(db_settings):
    engine = _populate(db_settings)
    line = _cli(db_settings, "audit", "checkpoint", code=0).stdout.strip()
    assert line.startswith("wenshu-checkpoint v1 seq=6 ")
    _cli(db_settings, "audit", "verify", "--checkpoint", line, code=0)
    # Cut the last event (about no document) and set the head on the one before: consistent inside.
    _drop_triggers(engine)
    _append_forged(engine, key=audit_key(engine), move_head=True)
    line = _cli(db_settings, "audit", "checkpoint", code=0).stdout.strip()
    with engine.begin() as connection:
        before = connection.execute(text("SELECT seq, hash FROM audit_events WHERE seq = 6")).one()
        connection.execute(text("DELETE FROM audit_events WHERE seq = 7"))
        connection.execute(text("UPDATE chain_head SET last_seq = :seq, last_hash = :hash"),
                           {"seq": before.seq, "hash": before.hash})
    assert _verify(engine) == []      # nothing inside the database can tell
    result = _cli(db_settings, "audit", "verify", "--checkpoint", line, code=6)
    assert "截回到第 6 条" in result.stderr
    mac = line.rsplit("mac=", 1)[1]
    forged = line[:-len(mac)] + ("1" if mac[0] == "0" else "0") + mac[1:]
    assert "校验码不符" in _cli(db_settings, "audit", "verify", "--checkpoint", forged, code=6).stderr


def test_the_daily_checkpoint_is_kept_and_used_by_verify(db_settings):
    from pipeline.auditing import write_daily_checkpoint

    assert write_daily_checkpoint(open_registry(db_settings), db_settings) is None  # nothing to anchor yet
    engine = _populate(db_settings)
    first = write_daily_checkpoint(engine, db_settings)
    assert first is not None and write_daily_checkpoint(engine, db_settings) is None  # once a day
    kept = (db_settings.checkpoint_dir / "checkpoints.txt").read_text().splitlines()
    assert kept == [first.line]
    assert "1 个检查点" in _cli(db_settings, "audit", "verify", code=0).stdout
    _drop_triggers(engine)
    _sql(engine, "DELETE FROM audit_events WHERE seq = 6",
         "UPDATE chain_head SET last_seq = 5, last_hash = (SELECT hash FROM audit_events WHERE seq = 5)")
    assert "检查点" in _cli(db_settings, "audit", "verify", code=6).stderr


def test_without_its_key_a_keyed_registry_writes_nothing_and_gets_no_new_key(db_settings):
    engine = _populate(db_settings)
    _accounts(db_settings)
    db_settings.audit_key_file.unlink()
    result = _cli(db_settings, "void", _reg_no(engine, 2), "测试", code=19)
    assert "没有审计密钥" in result.stderr
    assert "不能另配新密钥" in _cli(db_settings, "init", code=19).stderr
    assert "缺少审计密钥" in _cli(db_settings, "audit", "verify", code=6).stderr
    assert not db_settings.audit_key_file.exists()


def test_a_registry_begun_before_keys_is_keyed_by_init_from_its_next_event(db_settings):
    engine = _populate(db_settings)
    # as a registry written before keys: plain SHA-256 events, no key, chain_head not keyed
    _drop_triggers(engine)
    with engine.begin() as connection:
        prev = _rehash_without_key(connection)
        connection.execute(text("UPDATE chain_head SET last_hash = :hash, keyed_from = NULL"), {"hash": prev})
        guard.install_triggers(connection)
    db_settings.audit_key_file.unlink()
    assert "第 7 条起" in _cli(db_settings, "init", code=0).stdout
    assert db_settings.audit_key_file.stat().st_mode & 0o777 == 0o600
    _cli(db_settings, "void", _reg_no(engine, 2), "重复", code=0)
    _cli(db_settings, "audit", "verify", code=0)
    with Session(engine) as session:
        actions = [e.action for e in audit.events(session)]
    assert actions[6] == "keyed" and "voided" in actions[7:]


# 5. ------------------------------------------------------------------------------------------

def test_deep_verify_names_changed_and_missing_originals(db_settings):
    engine = open_registry(db_settings)
    store = db_settings.data_dir / "store"
    store.mkdir(parents=True, exist_ok=True)
    import hashlib
    for n in range(3):
        (store / f"{n}.txt").write_bytes(f"原件{n}".encode())
        register(engine, db_settings, Intake(direction="收文", file_name=f"{n}.txt",
                                             sha256=hashlib.sha256(f"原件{n}".encode()).hexdigest(),
                                             stored_path=f"store/{n}.txt", text=f"原件{n}"), "clerk")
    assert "3 份原件" in _cli(db_settings, "audit", "verify", "--deep", code=0).stdout
    (store / "1.txt").write_bytes("改过".encode())
    (store / "2.txt").unlink()
    stderr = _cli(db_settings, "audit", "verify", "--deep", code=6).stderr
    assert f"{_reg_no(engine, 2)}：原件 store/1.txt 已被改动" in stderr
    assert f"{_reg_no(engine, 3)}：原件 store/2.txt 不见了" in stderr
    _cli(db_settings, "audit", "verify", code=0)   # without --deep the files are not read


# 6. ------------------------------------------------------------------------------------------

def test_dropped_triggers_stop_every_write_until_repaired_with_who_and_why(db_settings):
    engine = _populate(db_settings)
    _accounts(db_settings)
    _drop_triggers(engine)
    with pytest.raises(Tampered, match="保护触发器"):
        void(engine, _reg_no(engine, 2), "重复", "clerk")
    assert "保护触发器" in _cli(db_settings, "void", _reg_no(engine, 2), "重复", code=19).stderr
    assert "--reason" in _cli(db_settings, "--user", "zhang.zhuren", "audit", "repair-triggers", code=None).stderr
    out = _cli(db_settings, "--user", "zhang.zhuren", "audit", "repair-triggers", "--reason", "DBA 误删",
               code=0).stdout
    assert "已恢复" in out
    void(engine, _reg_no(engine, 2), "重复", "clerk")
    with Session(engine) as session:
        repaired = [e for e in audit.events(session) if e.action == "triggers_repaired"]
        assert [(e.actor, json.loads(e.details)["reason"]) for e in repaired] == [("zhang.zhuren", "DBA 误删")]
    assert _verify(engine) == []


def test_a_dropped_trigger_of_the_handling_opinions_stops_writes_and_is_repaired(db_settings):
    engine = _populate(db_settings)
    _accounts(db_settings)
    dropped = "handling_opinions_append_only" if engine.dialect.name == "postgresql" else "handling_opinions_no_update"
    _sql(engine, f"DROP TRIGGER {dropped}" + (" ON handling_opinions" if engine.dialect.name == "postgresql" else ""))
    with pytest.raises(Tampered, match="保护触发器"):
        void(engine, _reg_no(engine, 2), "重复", "clerk")
    out = _cli(db_settings, "--user", "zhang.zhuren", "audit", "repair-triggers", "--reason", "DBA 误删", code=0).stdout
    assert dropped in out
    void(engine, _reg_no(engine, 2), "重复", "clerk")
    assert _verify(engine) == []


def test_a_head_that_disagrees_with_the_log_stops_every_write(db_settings):
    engine = _populate(db_settings)
    _accounts(db_settings)
    _sql(engine, "UPDATE chain_head SET last_seq = 4, last_hash = (SELECT hash FROM audit_events WHERE seq = 4)")
    with pytest.raises(Tampered, match="截断或改写"):
        register(engine, db_settings, Intake(direction="收文", file_name="x.txt", sha256="e" * 64,
                                             stored_path="s/x", text="正文"), "clerk")
    assert "截断或改写" in _cli(db_settings, "--user", "zhang.zhuren", "audit", "repair-triggers", "--reason", "r",
                              code=19).stderr


def test_the_watcher_refuses_to_start_on_a_tampered_registry_and_keeps_a_daily_checkpoint(db_settings):
    engine = _populate(db_settings)
    inbox = db_settings.data_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "a.txt").write_text("东湖大学教务处\n关于开展教学检查的通知\n各学院：\n请做好检查。\n2026年12月1日\n", encoding="utf-8")
    _accounts(db_settings)
    _drop_triggers(engine)
    result = _cli(db_settings, "watch", "--once", code=19)
    assert "保护触发器" in result.stderr and (inbox / "a.txt").exists()
    _cli(db_settings, "--user", "zhang.zhuren", "audit", "repair-triggers", "--reason", "DBA 误删", code=0)
    _cli(db_settings, "watch", "--once", code=0)
    kept = (db_settings.checkpoint_dir / "checkpoints.txt").read_text().splitlines()
    assert len(kept) == 1 and kept[0].startswith("wenshu-checkpoint v1 ")
    assert "1 个检查点" in _cli(db_settings, "audit", "verify", code=0).stdout
