"""用户 (issue 15, Pages): administrators add users, change roles, clearance and display names,
reset passwords, disable (with a reason) and enable again; a new password and disabling end
the user's sessions at once; an administrator cannot disable themself or drop their own 管理员
role; every change is audited with the administrator's name. And docs/web.md's role × action
table is the code's. TestClient over a real data directory and SQLite registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import ROLES
from pipeline.web.access import ACTION_NAMES, PERMISSIONS
from registry import users
from registry.models import AuditEvent
from tests.web.conftest import PASSWORD

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"
GENERATED = re.compile(r"自动生成的密码：<code>([A-Za-z0-9]{16})</code>")


def last_event(office, action: str) -> AuditEvent:
    with Session(office.engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.seq.desc())).first()


def signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


@pytest.fixture
def admin_desk(fresh_office):
    office = fresh_office()
    return office, office.client_for("admin")


def test_only_administrators_manage_users(admin_desk):
    office, admin = admin_desk
    for role in ("clerk", "leader", "handler", "auditor", "scanner"):
        client = office.client_for(role)
        assert client.get("/users").status_code == 403
        assert client.get("/api/users").status_code == 403
        assert client.post("/users", data={"name": "eve", "roles": ["admin"], "password": "12345678x"}).status_code == 403
        assert client.post("/users/clerk/disable", data={"reason": "越权"}).status_code == 403
    assert users.get_account(office.engine, "eve") is None
    assert not users.get_account(office.engine, "clerk").disabled
    page = admin.get("/users")
    assert page.status_code == 200
    for name in ("admin", "clerk", "scanner", "clerk.mi"):
        assert f"<code>{name}</code>" in page.text
    assert "吴机要" in page.text and "秘密" in page.text
    listed = {item["name"]: item for item in admin.get("/api/users").json()}
    assert listed["clerk.mi"]["clearance"] == "秘密" and listed["scanner"]["roles"] == ["scanner"]


def test_add_a_user_who_can_then_sign_in(admin_desk):
    office, admin = admin_desk
    response = admin.post("/users", data={"name": "zhang.li", "display_name": "<b>张丽</b>",
                                          "roles": ["clerk", "leader"], "clearance": "机密",
                                          "password": "zhangli-2026"})
    assert response.status_code == 200 and "已添加用户" in response.text
    assert "&lt;b&gt;张丽&lt;/b&gt;" in response.text and "<b>张丽</b>" not in response.text
    account = users.get_account(office.engine, "zhang.li")
    assert account.roles == ("clerk", "leader") and account.clearance == "机密"
    event = last_event(office, "user_added")
    assert event.actor == "admin" and "zhangli-2026" not in event.details
    assert office.login("zhang.li", "zhangli-2026").status_code == 303


def test_a_user_added_without_a_password_gets_one_shown_once(admin_desk):
    office, admin = admin_desk
    response = admin.post("/users", data={"name": "li.si", "roles": ["scanner"]})
    generated = GENERATED.search(response.text).group(1)
    assert "只显示这一次" in response.text
    assert generated not in admin.get("/users").text and generated not in admin.get("/users/li.si").text
    assert office.login("li.si", generated).status_code == 303


def test_bad_input_is_refused_with_a_chinese_message(admin_desk):
    office, admin = admin_desk
    for data, message in (({"name": "Zhang Li", "roles": ["clerk"], "password": "long-enough"}, "用户名"),
                          ({"name": "wang", "roles": [], "password": "long-enough"}, "角色"),
                          ({"name": "wang", "roles": ["clerk"], "password": "short"}, "密码太短"),
                          ({"name": "clerk", "roles": ["clerk"], "password": "long-enough"}, "已存在"),
                          ({"name": "wang", "roles": ["clerk"], "clearance": "内部", "password": "long-enough"},
                           "保密级别")):
        response = admin.post("/users", data=data)
        assert response.status_code == 400 and message in response.text, (data, response.text[-400:])
    assert users.get_account(office.engine, "wang") is None


def test_change_roles_clearance_and_name_ends_the_users_sessions(admin_desk):
    office, admin = admin_desk
    handler = office.client_for("handler")
    response = admin.post("/users/handler/change", data={"display_name": "钱主任", "roles": ["handler", "leader"],
                                                         "clearance": "秘密"})
    assert response.status_code == 200 and "已保存" in response.text
    account = users.get_account(office.engine, "handler")
    assert account.roles == ("leader", "handler") and account.clearance == "秘密"
    assert account.display_name == "钱主任"
    assert not signed_in(handler)
    changed = json.loads(last_event(office, "user_changed").details)["changed"]
    assert changed["clearance"] == {"old": None, "new": "秘密"}
    page = admin.get("/users/handler").text
    assert 'value="leader" checked' in page and '<option value="秘密" selected>' in page
    # nothing changed: said, not pretended
    again = admin.post("/users/handler/change", data={"display_name": "钱主任", "roles": ["handler", "leader"],
                                                      "clearance": "秘密"})
    assert again.status_code == 400 and "没有变化" in again.text


def test_reset_password_ends_sessions_and_the_old_password(admin_desk):
    office, admin = admin_desk
    clerk = office.client_for("clerk")
    response = admin.post("/users/clerk/password", data={"password": ""})
    generated = GENERATED.search(response.text).group(1)
    assert not signed_in(clerk)
    assert office.login("clerk", PASSWORD).status_code == 401
    assert office.login("clerk", generated).status_code == 303
    assert admin.post("/users/clerk/password", data={"password": "short"}).status_code == 400
    response = admin.post("/users/clerk/password", data={"password": "chosen-password-2026"})
    assert response.status_code == 200 and not GENERATED.search(response.text)
    assert office.login("clerk", "chosen-password-2026").status_code == 303
    event = last_event(office, "password_changed")
    assert event.actor == "admin" and "chosen-password-2026" not in event.details


def test_disable_needs_a_reason_ends_sessions_and_enable_restores(admin_desk):
    office, admin = admin_desk
    scanner = office.client_for("scanner")
    assert admin.post("/users/scanner/disable", data={"reason": "  "}).status_code == 400
    assert signed_in(scanner)
    response = admin.post("/users/scanner/disable", data={"reason": "已调离本单位"})
    assert response.status_code == 200 and "已停用" in response.text
    assert not signed_in(scanner)
    assert office.login("scanner").status_code == 401
    event = last_event(office, "user_disabled")
    assert event.actor == "admin" and json.loads(event.details)["reason"] == "已调离本单位"
    assert "重新启用" in admin.get("/users/scanner").text
    assert admin.post("/users/scanner/enable").status_code == 200
    assert office.login("scanner").status_code == 303


def test_an_administrator_cannot_lock_themself_out(admin_desk):
    office, admin = admin_desk
    page = admin.get("/users/admin").text
    assert "不能停用自己的账户" in page and 'action="/users/admin/disable"' not in page
    response = admin.post("/users/admin/disable", data={"reason": "试试"})
    assert response.status_code == 400 and "不能停用自己的账户" in response.text
    response = admin.post("/users/admin/change", data={"roles": ["clerk"], "display_name": "王管理"})
    assert response.status_code == 400 and "不能取消自己的管理员角色" in response.text
    assert users.get_account(office.engine, "admin").roles == ("admin",)
    assert signed_in(admin)
    # another administrator may
    users.add_user(office.engine, "admin2", roles=["admin"], password=PASSWORD, actor="admin")
    other = office.client_for("admin2")
    assert other.post("/users/admin/disable", data={"reason": "交接完毕"}).status_code == 200
    assert not signed_in(admin)


def test_unknown_user_is_not_found(admin_desk):
    _, admin = admin_desk
    assert admin.get("/users/nobody").status_code == 404
    assert admin.post("/users/nobody/disable", data={"reason": "x"}).status_code == 404


def docs_table() -> dict[str, frozenset[str]]:
    """The role × action table printed in docs/web.md, as action → roles."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("<!-- permissions table", 1)[1].split("<!-- end of permissions table -->", 1)[0]
    rows = [line for line in block.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    roles = [cell.split()[-1] for cell in header[1:]]
    assert [f"{ROLES[role]} {role}" for role in roles] == header[1:]
    table = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        action = re.fullmatch(r"(\S+) `(\w+)`", cells[0])
        assert action, cells[0]
        assert ACTION_NAMES.get(action.group(2)) == action.group(1), cells[0]
        assert set(cells[1:]) <= {"✓", ""}, row
        assert action.group(2) not in table, f"{action.group(2)} twice"
        table[action.group(2)] = frozenset(role for role, cell in zip(roles, cells[1:]) if cell == "✓")
    assert sorted(roles) == sorted(ROLES)
    return table


def test_the_docs_table_of_who_may_do_what_is_the_codes():
    assert docs_table() == PERMISSIONS
