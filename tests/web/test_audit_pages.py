"""审计 in the web application (issue 15): the audit events filtered by record (any brackets),
actor, action and the office's days, newest first in pages with a total, in local time with
Chinese action names and old → new for corrections; events about a 涉密 record masked for a
reader whose clearance does not reach it; "校验审计链" that says the chain is whole, or names
what was tampered with; audited CSV/XLSX exports; and ``/api/audit`` in ``wenshu audit log
--json``'s shape. TestClient over a real data directory and SQLite registry."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pipeline.corrections import correct
from pipeline.web.labels import ACTION_LABELS
from registry.audit import Action
from registry.models import AuditEvent
from registry.queries import MASKED_TITLE
from registry.records import Intake, register
from tests.cli import run_json
from tests.web.conftest import SECRET_TITLE

TOTAL = re.compile(r'<strong class="total">(\d+)</strong>')
SEQ = re.compile(r'<td class="seq"[^>]*>(\d+)</td>')
OLD_TITLE = "关于做好2026—2027学年第一学期期末考试工作的通知"
NEW_TITLE = "关于做好2026—2027学年第一学期期末考试安排工作的通知"


def seqs(page) -> list[int]:
    assert page.status_code == 200, page.text[:500]
    return [int(seq) for seq in SEQ.findall(page.text)]


def total(page) -> int:
    return int(TOTAL.search(page.text).group(1))


def rows_of(page) -> list[str]:
    """Each event's table row, as HTML."""
    body = page.text[page.text.index("<tbody>"):page.text.index("</tbody>")]
    return body.split("<tr")[1:]


def head_seq(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.max(AuditEvent.seq)))


@pytest.fixture(scope="module")
def client_for(office):
    """One signed-in client per role for the module (a login costs an argon2 check)."""
    made = {}

    def client(role: str):
        if role not in made:
            made[role] = office.client_for(role)
        return made[role]
    return client


@pytest.fixture(scope="module")
def corrected(office):
    """The 通知's title corrected by the clerk, with a reason."""
    reg_no = office.records["notice"]
    correct(office.engine, office.settings, reg_no, "标题", NEW_TITLE, "clerk", reason="标题漏字")
    return reg_no


# --- who may --------------------------------------------------------------------------------------

def test_who_may_read_verify_and_export_the_audit_trail(office, client_for):
    for role in ("clerk", "leader", "handler", "scanner"):
        client = client_for(role)
        assert client.get("/audit").status_code == 403
        assert client.get("/api/audit").status_code == 403
        assert client.post("/api/audit/verify").status_code == 403
        assert client.get("/api/audit.csv").status_code == 403   # a clerk may export the 登记簿, not this
    admin = client_for("admin")
    page = admin.get("/audit")
    assert page.status_code == 200 and "校验审计链" in page.text and "/api/audit.csv" not in page.text
    assert admin.get("/api/audit.xlsx").status_code == 403
    auditor = client_for("auditor").get("/audit")
    assert "校验审计链" in auditor.text and "/api/audit.csv" in auditor.text
    assert office.anonymous().get("/audit").status_code == 303


# --- the page ---------------------------------------------------------------------------------------

def test_newest_first_in_local_time_with_chinese_names_and_a_total(office, client_for, corrected):
    page = client_for("auditor").get("/audit")
    shown = seqs(page)
    assert shown == sorted(shown, reverse=True) and shown[0] == head_seq(office.engine)
    assert total(page) == head_seq(office.engine)
    assert ">登记</td>" in page.text and ">登录</td>" in page.text
    assert ">registered</td>" not in page.text
    assert "digest" not in page.text and "prev_hash" not in page.text
    with Session(office.engine) as session:
        newest = session.scalar(select(AuditEvent).where(AuditEvent.seq == shown[0]))
    local = datetime.fromisoformat(newest.at).astimezone(office.settings.zone)
    assert f'<td class="when">{local:%Y-%m-%d %H:%M}</td>' in rows_of(page)[0]


def test_paging_with_a_total(fresh_office):
    office = fresh_office()
    for n in range(60):
        register(office.engine, office.settings, Intake(direction="收文", file_name=f"{n}.txt", sha256=f"{n:064x}",
                                                        stored_path=f"s/{n}"), "clerk")
    auditor = office.client_for("auditor")
    head = head_seq(office.engine)
    first = auditor.get("/audit")
    assert seqs(first) == list(range(head, head - 50, -1)) and total(first) == head
    assert f"第 1 / {-(-head // 50)} 页" in first.text and 'rel="next"' in first.text
    second = auditor.get("/audit?page=2")
    assert seqs(second) == list(range(head - 50, max(head - 100, 0), -1))
    registered = auditor.get("/audit", params={"action": "registered", "page": 2})
    assert total(registered) == 60 and len(seqs(registered)) == 10
    assert "action=registered" in registered.text.split('rel="prev"')[0].rsplit("<a ", 1)[1]


def test_a_correction_reads_old_to_new_with_its_reason(client_for, corrected):
    page = client_for("auditor").get("/audit", params={"action": "corrected"})
    assert total(page) >= 1
    row = rows_of(page)[-1]
    assert f"标题：「{OLD_TITLE}」 → 「{NEW_TITLE}」" in row and "理由：标题漏字" in row
    assert ">更正</td>" in row and ">clerk</a>" in row


def test_filter_by_record_with_any_brackets(office, client_for, corrected):
    auditor = client_for("auditor")
    typed = corrected.replace("〔", "[").replace("〕", "]")
    page = auditor.get("/audit", params={"record": typed})
    actions = re.findall(r"<td class=\"action\">([^<]+)</td>", page.text)
    assert {"登记", "更正"} <= set(actions)
    assert all(corrected in row for row in rows_of(page))
    with Session(office.engine) as session:
        expected = session.scalar(select(func.count()).where(AuditEvent.record == corrected))
    assert total(page) == expected
    assert total(auditor.get("/audit", params={"record": "收〔1999〕1号"})) == 0


def test_filter_by_actor_action_and_day(office, client_for, corrected):
    auditor = client_for("auditor")
    by_clerk = auditor.get("/audit", params={"actor": "clerk"})
    assert total(by_clerk) > 0 and all(">clerk</a>" in row for row in rows_of(by_clerk))
    logins = auditor.get("/audit", params={"action": "logged_in", "actor": "auditor"})
    assert total(logins) >= 1 and all(">登录</td>" in row for row in rows_of(logins))
    today = office.settings.today()
    everything = total(auditor.get("/audit"))
    assert total(auditor.get("/audit", params={"from": today.isoformat(), "to": today.isoformat()})) >= everything
    assert total(auditor.get("/audit", params={"to": (today - timedelta(days=1)).isoformat()})) == 0
    assert total(auditor.get("/audit", params={"from": (today + timedelta(days=1)).isoformat()})) == 0
    bad = auditor.get("/audit", params={"action": "hacked"})
    assert bad.status_code == 400 and "操作「hacked」无效" in bad.text
    backwards = auditor.get("/api/audit", params={"from": today.isoformat(),
                                                  "to": (today - timedelta(days=2)).isoformat()})
    assert backwards.status_code == 400 and "晚于" in backwards.json()["message"]


def test_every_action_has_a_chinese_name_in_the_select(client_for):
    page = client_for("auditor").get("/audit")
    for action in Action:
        assert f'<option value="{action.value}">{ACTION_LABELS[action]}</option>' in page.text


# --- 涉密 ---------------------------------------------------------------------------------------

def test_events_of_a_secret_record_are_masked_for_readers_without_clearance(office, client_for):
    secret = office.records["secret"]
    auditor = client_for("auditor").get("/audit", params={"record": secret})
    assert total(auditor) >= 2 and all(MASKED_TITLE in row and secret in row for row in rows_of(auditor))
    for page in (auditor, client_for("auditor").get("/audit")):
        assert "危化品" not in page.text and SECRET_TITLE not in page.text
    # an admin (no clearance, no masked register) does not learn the number either
    admin = client_for("admin")
    assert total(admin.get("/audit", params={"record": secret})) == 0
    everything = admin.get("/api/audit").json()
    assert secret not in json.dumps(everything, ensure_ascii=False)
    hidden = [event for event in everything if event.get("masked")]
    assert hidden and all(event["record"] == MASKED_TITLE and event["details"] == {} for event in hidden)
    assert "危化品" not in json.dumps(everything, ensure_ascii=False)


# --- verify ---------------------------------------------------------------------------------------

def test_verify_says_the_chain_is_whole(office, client_for):
    auditor = client_for("auditor")
    fragment = auditor.post("/audit/verify", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "审计链完整" in fragment.text
    answer = client_for("admin").post("/api/audit/verify").json()
    assert answer["ok"] is True and answer["problems"] == [] and answer["events"] >= head_seq(office.engine) - 1
    without_script = auditor.post("/audit/verify", data={"csrf_token": auditor.csrf_token})
    assert "<html" in without_script.text and "审计链完整" in without_script.text


def test_verify_needs_the_csrf_token_from_a_browser(office, client_for):
    auditor = client_for("auditor")
    refused = auditor.post("/api/audit/verify", headers={"X-CSRF-Token": "forged"})
    assert refused.status_code == 403


def test_verify_names_a_tampered_event(fresh_office):
    office = fresh_office()
    for n in range(3):
        register(office.engine, office.settings, Intake(direction="收文", file_name=f"{n}.txt", sha256=f"{n:064x}",
                                                        stored_path=f"s/{n}"), "clerk")
    auditor, admin = office.client_for("auditor"), office.client_for("admin")   # before the tampering
    assert auditor.post("/api/audit/verify").json()["ok"] is True
    with office.engine.begin() as connection:
        for trigger in ("audit_events_no_update", "audit_events_no_delete", "documents_no_delete"):
            connection.execute(text(f"DROP TRIGGER {trigger}"))
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3"))
    answer = admin.post("/api/audit/verify").json()
    assert answer["ok"] is False
    assert {"where": "第 3 条事件", "problem": "内容与其哈希不符：事件被改动或伪造"} in answer["problems"]
    assert any("保护触发器" in problem["problem"] for problem in answer["problems"])
    fragment = auditor.post("/audit/verify", headers={"HX-Request": "true"})
    assert "审计校验未通过" in fragment.text and "第 3 条事件" in fragment.text and 'role="alert"' in fragment.text


# --- exports --------------------------------------------------------------------------------------

def _exports(office) -> list[tuple[str, dict]]:
    with Session(office.engine) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "exported").order_by(AuditEvent.seq))
        return [(row.actor, json.loads(row.details)) for row in rows]


def test_csv_export_has_a_bom_chinese_headings_and_is_audited(office, client_for, corrected):
    response = client_for("auditor").get("/api/audit.csv", params={"action": "corrected"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["序号", "时间", "操作人", "操作", "登记号", "详情"]
    assert len(rows) >= 2 and all(row[3] == "更正" and row[6] == "corrected" for row in rows[1:])
    mine = [row for row in rows[1:] if row[4] == corrected][-1]
    assert f"「{OLD_TITLE}」 → 「{NEW_TITLE}」" in mine[5]
    assert json.loads(mine[8])["new"] == NEW_TITLE
    actor, details = _exports(office)[-1]
    assert (actor, details) == ("auditor", {"what": "audit.csv", "filters": {"action": "corrected"},
                                            "count": len(rows) - 1, "destination": "web"})


def test_xlsx_export_opens_with_openpyxl_and_leaves_out_its_own_event(office, client_for, tmp_path):
    before = head_seq(office.engine)
    response = client_for("auditor").get("/api/audit.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    path = tmp_path / "审计日志.xlsx"
    path.write_bytes(response.content)
    rows = [list(row) for row in load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "序号" and [row[0] for row in rows[1:]] == list(range(1, before + 1))
    actor, details = _exports(office)[-1]
    assert actor == "auditor" and details["what"] == "audit.xlsx" and details["count"] == before
    assert not any("危化品" in str(cell) for row in rows for cell in row if cell)


# --- /api/audit is `wenshu audit log --json` ------------------------------------------------------

def test_api_audit_is_the_cli_json_masked_where_the_page_masks(office, client_for, corrected):
    auditor = client_for("auditor")
    cli = run_json(office.settings.data_dir, "audit", "log")
    api = auditor.get("/api/audit").json()
    assert len(api) >= len(cli)
    secret = office.records["secret"]
    for ours, theirs in zip(api, cli):
        if ours.get("masked"):
            assert theirs["record"] == secret and ours["details"] == {}
            assert {k: v for k, v in ours.items() if k not in ("masked", "details")} == \
                   {k: v for k, v in theirs.items() if k != "details"}
        else:
            assert ours == theirs
    assert any(event.get("masked") for event in api)
    record_only = auditor.get("/api/audit", params={"record": corrected})
    assert record_only.json() == run_json(office.settings.data_dir, "audit", "log", "--record", corrected)
    head = head_seq(office.engine)
    page = auditor.get("/api/audit", params={"limit": 5, "offset": 2, "order": "newest"})
    assert [event["seq"] for event in page.json()] == list(range(head - 2, head - 7, -1))
    assert page.headers["x-total-count"] == str(head)
    oldest = auditor.get("/api/audit", params={"limit": 3}).json()
    assert oldest == api[:3]
