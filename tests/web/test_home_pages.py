"""工作台 (issue 15, Pages): today's 收文 and 发文 within the viewer's clearance, the 办件 due
soon and overdue with 特急/加急 marked, the quarantine count, whether a watcher is alive (its
heartbeat row), and the audit chain's head; each block only for the roles that may see it.
TestClient over a real data directory, SQLite registry and whoosh index (tests/web/conftest.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text, update

from pipeline.corrections import correct
from registry import heartbeat
from registry.db import writer
from registry.models import Heartbeat
from tests.web.conftest import SECRET_CLERK


def main_text(response) -> str:
    """The page's <main> as plain text, spaces collapsed."""
    assert response.status_code == 200, response.status_code
    body = response.text.split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def figure(page: str, label: str) -> int:
    return int(re.search(rf"{label} (\d+)", page).group(1))


def test_readers_see_today_within_their_clearance(office, client_for):
    uncleared = main_text(client_for("clerk").get("/"))
    cleared = main_text(client_for(SECRET_CLERK).get("/"))
    # four 收文 today (notice, pdf, the 秘密 报告, the notice to void): the clerk without a
    # clearance does not count the 秘密 one
    assert figure(uncleared, "今日收文") == 3
    assert figure(cleared, "今日收文") == 4
    assert figure(cleared, "今日发文") == 0
    assert "今日收文" in main_text(client_for("auditor").get("/"))


def test_each_block_only_for_roles_that_may_see_it(office, client_for):
    scanner = main_text(client_for("scanner").get("/"))
    assert "今日收文" not in scanner and "办件" not in scanner and "审计链" not in scanner
    assert figure(scanner, "隔离区") == len(office.quarantined)
    assert "上传文件" in scanner
    admin = main_text(client_for("admin").get("/"))
    assert "今日收文" not in admin and "上传文件" not in admin
    assert "隔离区" in admin and "审计链" in admin
    leader = main_text(client_for("leader").get("/"))
    assert "今日收文" in leader and "隔离区" not in leader and "审计链" not in leader and "上传文件" not in leader


def test_audit_chain_head_for_auditors_and_admins(office, client_for):
    page = main_text(client_for("auditor").get("/"))
    seq = int(re.search(r"审计链 第 (\d+) 条", page).group(1))
    with office.engine.connect() as connection:
        newest = connection.scalar(text("SELECT max(seq) FROM audit_events"))
    # the auditor's own login is an event: the page shows the head as it was read, at least that
    assert 0 < seq <= newest
    assert re.search(r"最近一条：\d{4}-\d\d-\d\d \d\d:\d\d", page)


def test_watcher_alive_dead_and_stopped(fresh_office):
    office = fresh_office()
    client = office.client_for("clerk")
    assert "收文监视：未运行" in main_text(client.get("/"))
    heartbeat.beat(office.engine, "scan-host:4242", "watcher", starting=True)
    page = main_text(client.get("/"))
    assert "收文监视：运行中" in page and "scan-host" in page and "4242" in page
    assert re.search(r"最近 \d+ 秒前", page)
    fragment = client.get("/home/watcher")
    assert "运行中" in fragment.text and 'hx-get="/home/watcher"' in fragment.text
    # refreshed on request only: a page polling by itself would keep its session from going idle
    assert "hx-trigger" not in fragment.text and "hx-trigger" not in client.get("/").text
    heartbeat.stopped(office.engine, "scan-host:4242")
    assert "收文监视：未运行" in main_text(client.get("/"))
    # a watcher killed outright stops beating: a beat older than three beats is not alive
    heartbeat.beat(office.engine, "other:1", "watcher", starting=True)
    with writer(office.engine).begin() as connection:
        connection.execute(update(Heartbeat).values(beat_at=heartbeat.utc_now() - timedelta(minutes=5)))
    assert "收文监视：未运行" in main_text(client.get("/"))


def set_fields(office, reg_no: str, **values: str) -> None:
    """Correct fields of a record as a clerk would (a field that already has the value is left)."""
    from registry import queries

    document = queries.get(office.engine, reg_no)
    for field, value in values.items():
        current = getattr(document, field)
        if (current.isoformat() if hasattr(current, "isoformat") else current or "") != value:
            correct(office.engine, office.settings, reg_no, field, value, "clerk", reason="测试办理时限")


def test_due_and_overdue_items_with_urgency_marked(fresh_office):
    office = fresh_office(samples=True)
    today = office.settings.today()
    due_soon, overdue = office.records["notice"], office.records["pdf"]
    set_fields(office, due_soon, route="办件", deadline=(today + timedelta(days=2)).isoformat(), urgency="特急")
    set_fields(office, overdue, route="办件", deadline=(today - timedelta(days=4)).isoformat(), urgency="")
    client = office.client_for("clerk")
    response = client.get("/")
    page = main_text(response)
    assert re.search(r"已逾期 1 ", page) and re.search(r"3 日内到期 1 ", page)
    assert f"{(today - timedelta(days=4)).isoformat()}（逾期 4 天）" in page
    row = re.search(rf'<tr class="urgent">.*?{re.escape(due_soon)}.*?</tr>', response.text, re.S)
    assert row and "特急" in row.group(0)
    assert f'href="/documents/' in row.group(0)
    # a 办件 above the viewer's clearance is in no list
    set_fields(office, office.records["secret"], route="办件", deadline=today.isoformat())
    assert re.search(r"3 日内到期 1 ", main_text(client.get("/")))
    assert re.search(r"3 日内到期 2 ", main_text(office.client_for(SECRET_CLERK).get("/")))
    assert "办件" not in main_text(office.client_for("scanner").get("/"))


def test_a_registry_that_refuses_to_write_is_said_on_the_home_page(fresh_office):
    office = fresh_office()
    client = office.client_for("admin")  # logging in is audited: after the trigger goes it is refused
    with writer(office.engine).begin() as connection:
        connection.execute(text("DROP TRIGGER documents_no_delete"))
    page = main_text(client.get("/"))
    assert "审计链" in page and "documents_no_delete" in page
    assert re.search(r'class="card attention">\s*<h2>审计链', client.get("/").text)


def test_anonymous_goes_to_the_login_page(office):
    response = office.anonymous().get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert office.anonymous().get("/home/watcher").status_code == 303
