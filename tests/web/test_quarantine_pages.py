"""隔离区 (issue 15, Pages): each quarantined file with its reason, size and time; 重新处理 and
删除 with a required reason, acting as the signed-in user and audited with their name; file
names shown as text; files named only by their path inside quarantine/. TestClient over a real
data directory, SQLite registry and whoosh index (tests/web/conftest.py)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.searching import search
from registry.models import AuditEvent
from tests.web.conftest import VOID_NOTICE

EVIL = "<img src=x onerror=alert(1)>.pdf"


def events(office, action: str) -> list[AuditEvent]:
    with Session(office.engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def listed(client) -> dict[str, dict]:
    response = client.get("/api/quarantine")
    assert response.status_code == 200, response.text
    return {item["file_name"]: item for item in response.json()}


@pytest.fixture
def desk(fresh_office):
    """An office of this test with a few quarantined files (one with a hostile name)."""
    office = fresh_office()
    office.quarantine("空白扫描.pdf")
    office.quarantine(EVIL)
    office.quarantine("会议通知.txt")
    return office


def test_the_list_shows_each_file_with_its_reason_size_and_time(desk):
    client = desk.client_for("scanner")
    files = listed(client)
    assert set(files) == {"空白扫描.pdf", EVIL, "会议通知.txt"}
    item = files["空白扫描.pdf"]
    assert item["name"].endswith("/空白扫描.pdf") and "/" in item["name"]
    assert "空" in item["reason"] and item["size"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", item["quarantined_at"])
    page = client.get("/quarantine")
    assert page.status_code == 200
    assert "3 个文件" in page.text and item["reason"] in page.text and "0 字节" in page.text


def test_a_hostile_file_name_is_shown_as_text(desk):
    page = desk.client_for("clerk").get("/quarantine").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page


def test_who_may_see_and_do_what(desk):
    name = listed(desk.client_for("clerk"))["空白扫描.pdf"]["name"]
    for role in ("leader", "handler", "auditor"):
        client = desk.client_for(role)
        assert client.get("/quarantine").status_code == 403
        assert client.get("/api/quarantine").status_code == 403
    scanner, admin = desk.client_for("scanner"), desk.client_for("admin")
    assert admin.get("/quarantine").status_code == 200
    assert 'action="/quarantine/retry"' not in admin.get("/quarantine").text  # admin sees, does not act
    assert admin.post("/quarantine/retry", data={"name": name}).status_code == 403
    assert scanner.post("/quarantine/discard", data={"name": name, "reason": "扫描员不能删"}).status_code == 403
    assert scanner.post("/api/quarantine/discard", json={"name": name, "reason": "x"}).status_code == 403
    assert "删除理由" not in scanner.get("/quarantine").text
    assert desk.anonymous().get("/api/quarantine").status_code == 401
    assert name in json.dumps(listed(scanner), ensure_ascii=False)


def test_discard_needs_a_reason_and_is_audited_with_who(desk):
    client = desk.client_for("clerk")
    item = listed(client)["空白扫描.pdf"]
    path = desk.settings.quarantine_dir / item["name"]
    for reason in ("", "   "):
        response = client.post("/quarantine/discard", data={"name": item["name"], "reason": reason})
        assert response.status_code == 400 and "必须说明理由" in response.text
    assert path.exists()
    response = client.post("/quarantine/discard", data={"name": item["name"], "reason": "空白扫描，无法补救"})
    assert response.status_code == 200
    assert "已删除隔离文件" in response.text and "空白扫描，无法补救" in response.text
    assert not path.exists() and not path.with_name(path.name + ".reason.txt").exists()
    [event] = events(desk, "discarded")
    assert event.actor == "clerk"
    assert json.loads(event.details)["reason"] == "空白扫描，无法补救"
    assert "空白扫描.pdf" not in listed(client)


def test_discard_by_the_api(desk):
    client = desk.client_for("clerk")
    name = listed(client)[EVIL]["name"]
    assert client.post("/api/quarantine/discard", json={"name": name}).json()["error"] == "InvalidValue"
    response = client.post("/api/quarantine/discard", json={"name": name, "reason": "无法打开"})
    assert response.status_code == 200 and response.json()["reason"] == "无法打开"
    assert EVIL not in listed(client)


def test_a_name_reaching_outside_quarantine_is_refused(desk):
    client = desk.client_for("clerk")
    for name in ("../wenshu.db", "/etc/passwd", "2026-01-01/../../wenshu.db", "", "a\\..\\b", "./x.pdf"):
        response = client.post("/quarantine/discard", data={"name": name, "reason": "试图越界"})
        assert response.status_code in (400, 422), (name, response.status_code)
        assert client.post("/quarantine/retry", data={"name": name}).status_code in (400, 422)
    assert (desk.settings.data_dir / "wenshu.db").exists()
    assert len(listed(client)) == 3


def test_a_name_that_is_not_a_quarantined_file_is_not_found(desk):
    client = desk.client_for("clerk")
    item = listed(client)["空白扫描.pdf"]
    reason_file = item["name"] + ".reason.txt"
    folder = item["name"].split("/")[0]
    outside = desk.settings.data_dir / "secret.txt"
    outside.write_text("x", encoding="utf-8")
    (desk.settings.quarantine_dir / folder / "link.pdf").symlink_to(outside)
    for name in (reason_file, f"{folder}/没有这个文件.pdf", folder, f"{folder}/link.pdf"):
        response = client.post("/quarantine/discard", data={"name": name, "reason": "不存在"})
        assert response.status_code == 404, (name, response.status_code)
    assert outside.exists() and (desk.settings.quarantine_dir / reason_file).exists()
    assert "link.pdf" not in listed(client)


def test_retry_once_the_cause_is_fixed_registers_as_the_user(desk):
    client = desk.client_for("scanner")
    item = listed(client)["会议通知.txt"]
    path = desk.settings.quarantine_dir / item["name"]
    path.write_text(VOID_NOTICE, encoding="utf-8")  # the scanner put the right content in place
    response = client.post("/quarantine/retry", data={"name": item["name"]})
    assert response.status_code == 200
    found = re.search(r"已登记为\s*<strong>(收〔\d{4}〕\d+号)</strong>", response.text)
    assert found, response.text
    assert not path.exists() and "会议通知.txt" not in listed(client)
    registered = [event for event in events(desk, "registered") if event.record == found.group(1)]
    assert [event.actor for event in registered] == ["scanner"]
    origin = json.loads(registered[0].details)
    assert "quarantine" in json.dumps(origin, ensure_ascii=False)
    # and indexed, as `wenshu retry` leaves it
    assert any(hit.reg_no == found.group(1) for hit in search(desk.settings, "消防安全检查").hits)


def test_retry_of_a_file_still_broken_quarantines_it_again(desk):
    client = desk.client_for("clerk")
    item = listed(client)["空白扫描.pdf"]
    response = client.post("/quarantine/retry", data={"name": item["name"], "direction": "发文"})
    assert response.status_code == 200
    assert "仍无法登记，已再次隔离" in response.text
    again = listed(client)["空白扫描.pdf"]
    assert "空" in again["reason"]
    assert events(desk, "quarantined")[-1].actor == "clerk"


def test_retry_by_the_api_and_twice(desk):
    client = desk.client_for("clerk")
    name = listed(client)[EVIL]["name"]
    response = client.post("/api/quarantine/retry", json={"name": name})
    assert response.status_code == 200 and response.json()["status"] == "quarantined"
    # the file was claimed and placed again (perhaps under another name): the old name is gone
    again = client.post("/api/quarantine/retry", json={"name": name})
    if again.status_code != 200:
        assert again.status_code == 404 and again.json()["error"] == "NotFound"
    assert client.post("/api/quarantine/retry", json={"name": name, "direction": "外文"}).status_code == 400
