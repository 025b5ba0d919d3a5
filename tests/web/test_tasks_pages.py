"""我的待办 (issue 16): the open 办理 items that wait for the viewer — overdue first, an overdue
特急/加急 one highlighted, ``?due_days=`` for those due soon — on their page, on the 工作台 and as
``GET /api/tasks``; a record above the viewer's clearance is in no list. TestClient over a real
data directory, SQLite registry and whoosh index (tests/web/conftest.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.web.conftest import SECRET_CLERK, Office
from tests.web.test_handling_pages import action_notice, api


def rows(page_text: str, section: str) -> list[str]:
    """The table rows of one section of the 我的待办 page (tasks-overdue, tasks-open), as text."""
    assert f"tasks-section {section}" in page_text, page_text[:400]
    part = page_text.split(f"tasks-section {section}", 1)[1].split("</section>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr class="task[^"]*">.*?</tr>', part, flags=re.S)]


@pytest.fixture(scope="module")
def items(office: Office) -> dict[str, str]:
    """An overdue 特急 办件 and an overdue plain one (both waiting for the clerk's 拟办), one
    in the handler's hands due in two days, and one later still."""
    made = {"overdue_urgent": action_notice(office, "2026年1月5日", urgency="特急", dated="2025年12月20日"),
            "overdue": action_notice(office, "2026年1月6日", dated="2025年12月21日")}
    soon = office.settings.today() + timedelta(days=2)
    made["soon"] = action_notice(office, f"{soon.year}年{soon.month}月{soon.day}日")
    made["later"] = action_notice(office, "2027年6月30日")
    clerk, leader = office.shared_client("clerk"), office.shared_client("leader")
    for key in ("soon", "later"):
        api(clerk, made[key], action="propose", text="拟请领导批示", assignees=["leader"])
        answer = api(leader, made[key], action="instruct", text="请钱承办办理", assignees=["handler"])
        assert answer.status_code == 200, answer.text
    return made


def test_the_handlers_tasks_are_what_is_in_their_hands(office, items):
    page = office.shared_client("handler").get("/tasks")
    assert page.status_code == 200 and "<h1>我的待办" in page.text
    listed = " ".join(rows(page.text, "tasks-open"))
    assert items["soon"] in listed and items["later"] in listed
    assert items["overdue"] not in page.text           # waiting for the clerk, not for the handler
    assert rows(page.text, "tasks-overdue") == []
    # each row links to its record's 办理 panel
    assert f'href="/documents/{quote(items["soon"], safe="")}#handling"' in page.text


def test_the_clerks_tasks_put_the_overdue_first_and_mark_the_urgent(office, items):
    page = office.shared_client("clerk").get("/tasks").text
    overdue = rows(page, "tasks-overdue")
    assert [row.split()[0] for row in overdue][:2] == [items["overdue_urgent"], items["overdue"]]
    assert "逾期" in overdue[0] and "特急" in overdue[0]
    urgent_rows = re.findall(r'<tr class="task overdue-row urgent">.*?</tr>', page, flags=re.S)
    assert len(urgent_rows) == 1 and items["overdue_urgent"] in urgent_rows[0]
    assert items["soon"] not in page                   # in the handler's hands, not the clerk's


def test_due_within_n_days_and_overdue_only(office, items):
    handler = office.shared_client("handler")
    soon = " ".join(rows(handler.get("/tasks?due_days=3").text, "tasks-open"))
    assert items["soon"] in soon and items["later"] not in soon
    assert "3 日内到期" in handler.get("/tasks?due_days=3").text
    only = office.shared_client("clerk").get("/tasks?overdue=1").text
    assert "tasks-open" not in only and items["overdue"] in only
    everyone = office.shared_client("clerk").get("/tasks?mine=0").text
    assert "全部在办" in everyone and items["soon"] in everyone and items["overdue"] in everyone
    bad = handler.get("/tasks?due_days=soon")
    assert bad.status_code == 400 and "到期天数" in bad.text


def test_the_api_lists_tasks_with_filters(office, items):
    handler = office.shared_client("handler")
    mine = handler.get("/api/tasks", params={"mine": "1"})
    assert mine.status_code == 200
    listed = {task["reg_no"]: task for task in mine.json()}
    assert {items["soon"], items["later"]} <= set(listed)
    assert listed[items["soon"]]["state"] == "承办中" and listed[items["soon"]]["lead"] == ["handler"]
    overdue = office.shared_client("clerk").get("/api/tasks", params={"overdue": "1"}).json()
    assert {items["overdue_urgent"], items["overdue"]} <= {task["reg_no"] for task in overdue}
    assert all(task["overdue"] for task in overdue)
    soon = handler.get("/api/tasks", params={"mine": "1", "due_days": "3"}).json()
    assert [task["reg_no"] for task in soon] == [items["soon"]]
    by_state = office.shared_client("clerk").get("/api/tasks", params={"state": "承办中"}).json()
    assert by_state and {task["state"] for task in by_state} == {"承办中"}
    wrong = handler.get("/api/tasks", params={"state": "办完了"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "InvalidValue"


def test_a_secret_record_is_in_no_list_of_the_uncleared(office, items):
    secret = office.records["secret"]                  # a 秘密 阅件 waiting to be circulated
    clerk, cleared = office.shared_client("clerk"), office.shared_client(SECRET_CLERK)
    for path in ("/tasks?mine=0", "/api/tasks"):
        assert secret not in clerk.get(path).text
        assert secret in cleared.get(path).text


def test_the_home_page_shows_my_open_tasks_and_my_overdue_ones(office, items):
    clerk = office.shared_client("clerk").get("/").text
    block = clerk.split('class="my-tasks', 1)[1].split("</section>", 1)[0]
    count = int(re.search(r'<span class="count figure-inline">(\d+)</span>', block).group(1))
    assert count == len(office.shared_client("clerk").get("/api/tasks", params={"mine": "1"}).json())
    assert items["overdue_urgent"] in block and items["overdue"] in block
    assert re.search(r'<tr class="task overdue-row urgent">.*?' + re.escape(items["overdue_urgent"]), block, re.S)
    handler = office.shared_client("handler").get("/").text
    assert items["overdue"] not in handler.split('class="my-tasks', 1)[1].split("</section>", 1)[0]
    for role in ("auditor", "admin", "scanner"):
        assert 'class="my-tasks' not in office.shared_client(role).get("/").text
    assert "/tasks" in clerk.split("</nav>", 1)[0]     # in the navigation of those who have tasks
