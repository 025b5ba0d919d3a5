"""登记簿 in the web application (issue 15): ``wenshu log``'s filters, newest first in pages with a
total, 涉密 rows left out (and out of the total) for a user without clearance and masked for an
auditor, CSV with a BOM and XLSX exports that are audited with the user, and ``/api/log`` in
``wenshu log --json``'s shape. TestClient over a real data directory, SQLite registry and the
samples registered through the pipeline (tests/web/conftest.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.exports import FIELDS
from registry.models import AuditEvent
from registry.queries import MASKED_TITLE
from registry.records import Intake, register
from tests.cli import run, run_json
from tests.web.conftest import SECRET_CLERK, SECRET_TITLE

ROW = re.compile(r'<td class="reg-no">(?:<a href="([^"]*)">)?([^<]+)')
TOTAL = re.compile(r'<strong class="total">(\d+)</strong>')
HEADINGS = [heading for _, heading in FIELDS]


def listed(page) -> list[str]:
    """The 登记号 of the rows shown, in order."""
    assert page.status_code == 200, page.text[:500]
    return [number for _, number in ROW.findall(page.text)]


def total(page) -> int:
    return int(TOTAL.search(page.text).group(1))


def exports_of(office, actor: str) -> list[dict]:
    with Session(office.engine) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "exported", AuditEvent.actor == actor)
                               .order_by(AuditEvent.seq))
        return [json.loads(row.details) for row in rows]


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
def numbers(office):
    """收文 numbers of the samples, registration order: 通知, 请示, 秘密 报告, 通知 (then voided)."""
    from pipeline.corrections import void
    void(office.engine, office.settings, office.records["void"], "重复登记", "clerk")
    records = office.records
    return [records["notice"], records["pdf"], records["secret"], records["void"]]


# --- the page: order, total, filters ------------------------------------------------------------

def test_the_register_lists_newest_first_with_a_total_and_the_cli_columns(office, client_for, numbers):
    page = client_for("clerk").get("/register")
    notice, pdf, secret, voided = numbers
    assert listed(page) == [voided, pdf, notice]   # the 秘密 报告 is not there for a clerk without clearance
    assert total(page) == 3
    for heading in ("登记号", "登记时间", "文种", "发文字号", "发文机关", "标题", "阅办", "状态"):
        assert f">{heading}</th>" in page.text
    assert f'href="/documents/{quote(notice, safe="")}"' in page.text
    assert "东大教发〔2026〕31号" in page.text and "东湖大学教务处" in page.text
    assert "已作废" in page.text
    # 登记时间 in the office's local time, to the minute
    registered = datetime.now(timezone.utc).astimezone(office.settings.zone)
    assert re.search(registered.strftime("%Y-%m-%d") + r" \d\d:\d\d", page.text)
    assert listed(client_for("clerk").get("/register?order=oldest")) == [notice, pdf, voided]


def test_filters_are_those_of_wenshu_log(office, client_for, numbers):
    clerk = client_for("clerk")
    notice, pdf, secret, voided = numbers
    assert listed(clerk.get("/register", params={"type": "通知"})) == [voided, notice]
    assert listed(clerk.get("/register", params={"direction": "收文", "type": "请示"})) == [pdf]
    empty = clerk.get("/register", params={"direction": "发文"})
    assert listed(empty) == [] and total(empty) == 0 and "没有符合条件的登记记录" in empty.text
    today = office.settings.today()
    assert total(clerk.get("/register", params={"from": today.isoformat(), "to": today.isoformat()})) == 3
    assert total(clerk.get("/register", params={"to": (today - timedelta(days=1)).isoformat()})) == 0
    assert total(clerk.get("/register", params={"from": (today + timedelta(days=1)).isoformat()})) == 0
    assert listed(clerk.get("/register", params={"route": "办件"})) == [voided, pdf, notice]
    assert listed(clerk.get("/register", params={"route": "阅件"})) == []          # the 秘密 报告 alone is 阅件
    assert listed(client_for(SECRET_CLERK).get("/register", params={"route": "阅件"})) == [secret]
    # blank fields of the submitted form mean "any"
    assert total(clerk.get("/register?from=&to=&direction=&type=&route=&order=")) == 3


def test_a_bad_filter_is_said_in_chinese_on_the_page_and_in_the_api(client_for):
    clerk = client_for("clerk")
    page = clerk.get("/register", params={"from": "2026-13-40"})
    assert page.status_code == 400 and "起始日期「2026-13-40」无法识别" in page.text
    page = clerk.get("/register", params={"type": "报纸"})
    assert page.status_code == 400 and "文种「报纸」无效" in page.text and "<form" in page.text
    api = clerk.get("/api/log", params={"route": "传阅"})
    assert api.status_code == 400 and "阅办「传阅」无效" in api.json()["message"]
    assert clerk.get("/api/log", params={"limit": "0"}).status_code == 400
    assert clerk.get("/api/log.csv", params={"to": "昨天"}).status_code == 400


def test_htmx_gets_the_results_alone(client_for):
    fragment = client_for("clerk").get("/register?type=通知", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and '<table class="register' in fragment.text
    whole = client_for("clerk").get("/register?type=通知",
                                     headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in whole.text


# --- 涉密: left out, or masked for an auditor -----------------------------------------------------

def test_an_auditor_sees_the_secret_row_masked_and_counted(client_for, numbers):
    page = client_for("auditor").get("/register?order=oldest")
    assert listed(page) == numbers and total(page) == 4
    secret = numbers[2]
    row = page.text[page.text.index(f'<td class="reg-no">{secret}'):]
    row = row[:row.index("</tr>")]
    assert MASKED_TITLE in row and "/documents/" not in row   # no link to a page that would say 404
    assert SECRET_TITLE not in page.text and "危化品" not in page.text


def test_a_clerk_without_clearance_never_sees_it_and_a_cleared_one_does(office, client_for, numbers):
    secret = numbers[2]
    for role in ("clerk", "leader"):
        client = client_for(role)
        page = client.get("/register")
        assert secret not in page.text and MASKED_TITLE not in page.text and total(page) == 3
        api = client.get("/api/log")
        assert secret not in api.text and api.headers["x-total-count"] == "3"
        assert secret not in client.get("/api/log", params={"limit": 10, "order": "newest"}).text
    cleared = client_for(SECRET_CLERK).get("/register")
    assert secret in listed(cleared) and SECRET_TITLE in cleared.text and total(cleared) == 4


def test_roles_without_the_register_are_refused(client_for):
    for role in ("admin", "scanner", "handler"):
        assert client_for(role).get("/register").status_code == 403
        assert client_for(role).get("/api/log").status_code == 403
    leader = client_for("leader")   # reads the register, exports nothing
    page = leader.get("/register")
    assert page.status_code == 200 and "/api/log.csv" not in page.text
    assert leader.get("/api/log.csv").status_code == 403 and leader.get("/api/log.xlsx").status_code == 403


def test_paging_with_a_total(fresh_office):
    """60 records: three pages of 50, 10; the pager keeps the filters."""
    office = fresh_office()
    settings, engine = office.settings, office.engine
    moment = datetime.now(timezone.utc)
    for n in range(60):
        register(engine, settings, Intake(direction="收文", file_name=f"{n}.txt", sha256=f"{n:064x}",
                                          stored_path=f"s/{n}", fields={"doc_type": "通知" if n % 2 else "函",
                                                                        "title": f"第{n + 1}份"}),
                 "clerk", now=moment + timedelta(seconds=n))
    clerk = office.client_for("clerk")
    first = clerk.get("/register")
    assert total(first) == 60 and len(listed(first)) == 50
    assert listed(first)[0].endswith("〕60号") and "第 1 / 2 页" in first.text
    second = clerk.get("/register?page=2")
    assert len(listed(second)) == 10 and listed(second)[-1].endswith("〕1号")
    assert set(listed(first)).isdisjoint(listed(second))
    assert "本页第 51–60 条" in second.text
    filtered = clerk.get("/register?type=通知&order=oldest")
    assert total(filtered) == 30 and "第 1 / 1 页" not in filtered.text   # one page: no pager
    api = clerk.get("/api/log", params={"limit": 7, "offset": 7, "order": "newest"})
    assert [row["seq"] for row in api.json()] == list(range(53, 46, -1)) and api.headers["x-total-count"] == "60"
    assert clerk.get("/register?page=0").status_code == 400


# --- exports, audited -------------------------------------------------------------------------

def test_csv_has_a_bom_chinese_headings_the_filtered_rows_and_is_audited(office, client_for, numbers):
    before = len(exports_of(office, "clerk"))
    response = client_for("clerk").get("/api/log.csv", params={"type": "通知"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["content-disposition"]
    assert quote("登记簿") in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADINGS
    assert [row[0] for row in rows[1:]] == [numbers[0], numbers[3]]     # oldest first, as the CLI exports
    events = exports_of(office, "clerk")
    assert len(events) == before + 1
    assert events[-1] == {"what": "csv", "filters": {"doc_type": "通知"}, "count": 2, "destination": "web"}


def test_csv_is_what_wenshu_log_csv_writes_for_the_same_rows(office, client_for, numbers):
    web = client_for(SECRET_CLERK).get("/api/log.csv").content.decode("utf-8")
    cli = run(office.settings.data_dir, "log", "--csv").stdout
    assert web.startswith("\ufeff") and cli.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(web[1:]))) == list(csv.reader(io.StringIO(cli[1:])))


def test_xlsx_opens_with_openpyxl_and_leaves_out_what_the_clerk_may_not_see(office, client_for, numbers, tmp_path):
    response = client_for("clerk").get("/api/log.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    path = tmp_path / "登记簿.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADINGS
    assert [row[0] for row in rows[1:]] == [numbers[0], numbers[1], numbers[3]]
    title = HEADINGS.index("标题")
    assert rows[1][title] == "关于做好2026—2027学年第一学期期末考试工作的通知"
    assert exports_of(office, "clerk")[-1] == {"what": "xlsx", "filters": {}, "count": 3, "destination": "web"}


def test_an_auditors_export_carries_the_masked_row(office, client_for, numbers, tmp_path):
    response = client_for("auditor").get("/api/log.xlsx")
    path = tmp_path / "登记簿.xlsx"
    path.write_bytes(response.content)
    rows = [list(row) for row in load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == numbers
    assert rows[3][HEADINGS.index("标题")] == MASKED_TITLE
    assert not any("危化品" in str(cell) for row in rows for cell in row if cell)
    csv_text = client_for("auditor").get("/api/log.csv").content.decode("utf-8-sig")
    assert MASKED_TITLE in csv_text and SECRET_TITLE not in csv_text
    assert exports_of(office, "auditor")[-1]["count"] == 4


# --- /api/log is `wenshu log --json` ------------------------------------------------------------

def test_api_log_is_the_cli_json_for_the_same_data(office, client_for, numbers):
    cli = run_json(office.settings.data_dir, "log")
    assert [row["reg_no"] for row in cli] == numbers
    cleared = client_for(SECRET_CLERK).get("/api/log")
    assert cleared.headers["content-type"] == "application/json" and cleared.json() == cli
    assert cleared.headers["x-total-count"] == "4"
    clerk = client_for("clerk").get("/api/log")
    assert clerk.json() == [row for row in cli if row["reg_no"] != numbers[2]]
    filtered = client_for("clerk").get("/api/log", params={"type": "通知", "direction": "收文"})
    assert filtered.json() == [row for row in cli if row["doc_type"] == "通知" and row["direction"] == "收文"]
    masked = {row["reg_no"]: row for row in client_for("auditor").get("/api/log").json()}[numbers[2]]
    assert masked["title"] == MASKED_TITLE and masked["issuer"] is None and not masked["sha256"]
    assert set(masked) == set(cli[2])
    page = client_for(SECRET_CLERK).get("/api/log", params={"limit": 2, "offset": 1})
    assert page.json() == cli[1:3] and page.headers["x-total-count"] == "4"


def test_api_answers_in_json_without_a_session(office):
    response = office.anonymous().get("/api/log.csv")
    assert response.status_code == 401 and response.json()["error"] == "not_signed_in"
