"""The web application on a PostgreSQL registry: the same pages and rules as on the embedded
default, walked once through every area (skipped without WENSHU_TEST_PG_URL)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.web.conftest import (NOTICE_PHRASE, SECRET_CLERK, SECRET_TITLE, Office, _register_samples, add_users,
                                office_settings)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_office(pg_url: str, tmp_path: Path) -> Office:
    from pipeline.web.app import create_app
    from pipeline.database import open_registry

    settings = office_settings(tmp_path / "data").model_copy(update={"database_url": pg_url})
    engine = open_registry(settings)
    add_users(engine)
    office = Office(settings, engine, create_app(settings), tmp_path / "work")
    _register_samples(office, samples=True)
    yield office
    office.close()
    engine.dispose()


def test_every_area_works_on_postgresql(pg_office: Office):
    clerk, cleared, auditor = (pg_office.client_for(name) for name in ("clerk", SECRET_CLERK, "auditor"))
    notice = pg_office.records["notice"]

    hits = clerk.get("/api/search", params={"q": f"“{NOTICE_PHRASE}”"}).json()["hits"]
    assert [hit["reg_no"] for hit in hits] == [notice]
    assert clerk.get("/documents/" + notice).status_code == 200
    corrected = clerk.post(f"/api/documents/{notice}/corrections",
                           json={"field": "title", "value": "关于新标题的通知", "reason": "笔误"})
    assert corrected.status_code == 200 and corrected.json()["title"] == "关于新标题的通知"

    # 涉密: absent for the uncleared clerk, present for the cleared one, masked for the auditor.
    secret = pg_office.records["secret"]
    assert clerk.get("/documents/" + secret).status_code == 404
    assert secret not in {row["reg_no"] for row in clerk.get("/api/log").json()}
    assert secret in {row["reg_no"] for row in cleared.get("/api/log").json()}
    assert SECRET_TITLE not in auditor.get("/register").text and "（涉密文件）" in auditor.get("/register").text

    rows = list(load_workbook(io.BytesIO(auditor.get("/api/log.xlsx").content)).active.values)
    assert len(rows) == 1 + len(clerk.get("/api/log").json()) + 1  # heading, rows, the secret row masked
    events = auditor.get("/api/audit", params={"actor": "clerk", "action": "corrected"}).json()
    assert [event["record"] for event in events] == [notice]
    assert auditor.post("/api/audit/verify").json()["ok"] is True
    assert pg_office.client_for("scanner").post(
        "/api/upload", data={"direction": "收文"},
        files={"file": ("扫描件.txt", "东湖大学\n关于测试的通知\n".encode(), "text/plain")}).status_code in (200, 201, 202)
