"""Users (issue 15, first part): roles, clearance, argon2 passwords, API tokens kept as hashes,
every change audited without a secret in it; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from registry import audit, users
from registry.db import open_registry
from tests.cli import TEST_USER, run

PASSWORD = "正确的密码horse-battery"


def test_a_user_signs_in_with_the_password_and_nothing_else(db_settings):
    engine = open_registry(db_settings)
    added = users.add_user(engine, "zhang.li", roles=["文书", "handler"], password=PASSWORD, actor="admin",
                           clearance="机密", display_name="张丽")
    assert (added.roles, added.clearance, added.display_name) == (("clerk", "handler"), "机密", "张丽")
    assert users.authenticate(engine, "zhang.li", PASSWORD) == added
    assert users.authenticate(engine, "zhang.li", PASSWORD + "x") is None
    assert users.authenticate(engine, "nobody", PASSWORD) is None
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_token_is_shown_once_kept_as_a_hash_and_dies_with_the_user(db_settings):
    engine = open_registry(db_settings)
    users.add_user(engine, "auditor1", roles=["auditor"], password=PASSWORD, actor="admin")
    token = users.issue_token(engine, "auditor1", "admin")
    assert users.by_token(engine, token).name == "auditor1"
    assert users.by_token(engine, token + "x") is None
    with engine.connect() as connection:
        assert token not in " ".join(connection.execute(text("SELECT token_hash FROM api_tokens")).scalars())
    users.disable(engine, "auditor1", "admin", reason="调离")
    assert users.by_token(engine, token) is None
    assert users.authenticate(engine, "auditor1", PASSWORD) is None


def test_every_change_is_audited_without_a_secret(db_settings):
    engine = open_registry(db_settings)
    users.add_user(engine, "li.ming", roles=["leader"], password=PASSWORD, actor="admin")
    users.set_password(engine, "li.ming", "另一个好密码123", "admin")
    token = users.issue_token(engine, "li.ming", "admin")
    users.disable(engine, "li.ming", "admin", reason="退休")
    with Session(engine) as session:
        events = [(e.actor, e.action, json.loads(e.details)) for e in audit.events(session)]
    assert [(actor, action) for actor, action, _ in events] == [
        ("admin", "user_added"), ("admin", "password_changed"), ("admin", "token_issued"), ("admin", "user_disabled")]
    dumped = json.dumps(events, ensure_ascii=False)
    assert PASSWORD not in dumped and "另一个好密码123" not in dumped and token not in dumped
    assert events[-1][2] == {"user": "li.ming", "reason": "退休", "tokens_revoked": 1, "sessions_ended": 0}


@pytest.mark.parametrize("change, message", [
    (dict(name="Zhang Li"), "用户名"), (dict(roles=["boss"]), "角色"), (dict(roles=[]), "角色"),
    (dict(clearance="内部"), "保密级别"), (dict(password="short"), "太短")])
def test_bad_values_are_refused_in_chinese(db_settings, change, message):
    values = dict(name="wang", roles=["clerk"], password=PASSWORD, clearance=None) | change
    with pytest.raises(InvalidValue, match=message):
        users.add_user(open_registry(db_settings), values.pop("name"), actor="admin", **values)


def test_names_are_unique_and_unknown_users_are_named(db_settings):
    engine = open_registry(db_settings)
    users.add_user(engine, "wang", roles=["scanner"], password=PASSWORD, actor="admin")
    with pytest.raises(InvalidValue, match="已存在"):
        users.add_user(engine, "wang", roles=["clerk"], password=PASSWORD, actor="admin")
    with pytest.raises(NotFound, match="没有用户"):
        users.set_password(engine, "zhao", PASSWORD, "admin")


def test_the_user_commands(tmp_path):
    data = tmp_path / "data"
    result = run(data, "user", "add", "zhang.li", "--role", "文书", "--clearance", "秘密",
                 "--display-name", "张丽", "--password-stdin", input_text=PASSWORD + "\n")
    assert "已添加用户 zhang.li（文书，保密级别 秘密）" in result.stdout
    assert "标准输入" in run(data, "user", "add", "x", "--role", "clerk", check_code=9).stderr
    listed = json.loads(run(data, "user", "list", "--json").stdout)
    assert [account for account in listed if account["name"] != TEST_USER] == [{"name": "zhang.li", "display_name": "张丽", "roles": ["clerk"], "clearance": "秘密",
                       "disabled": False}]
    token = run(data, "user", "token", "zhang.li").stdout.strip()
    assert len(token) >= 40
    assert "--reason" in run(data, "user", "disable", "zhang.li", check_code=9).stderr
    run(data, "user", "disable", "zhang.li", "--reason", "调离")
    assert "已停用" in run(data, "user", "list").stdout
