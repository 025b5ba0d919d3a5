"""办理 on the 文件 page and its JSON twin (issue 16): the panel shows the state, 主办/协办, who has
it now, the 时限, the opinions in order, 传阅 and 催办; it offers exactly the steps
``allowed_actions`` gives this viewer; each step is one post as the signed-in user (a plain form
post redirects back, an htmx post gets the panel alone); a refused step is 409/403 with the
Chinese reason and changes nothing; a record above the viewer's clearance is 404 here too.
TestClient over a real data directory, SQLite registry and whoosh index (tests/web/conftest.py)."""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote

from core.settings import HandlingSettings
from pipeline.web.app import create_app
from registry import views
from registry.handling import get_handling
from tests.web.conftest import SECRET_CLERK, Office

_serial = itertools.count(1)
HTMX = {"HX-Request": "true", "HX-Target": "handling"}


def action_notice(office: Office, deadline: str = "2026年12月30日", urgency: str = "", dated: str = "2026年11月20日") -> str:
    """A new 收文 通知 (written on ``dated``) that asks for something by ``deadline``: a 办件 (待拟办)."""
    n = next(_serial)
    head = f"{urgency}\n" if urgency else ""
    return office.register_text(f"办件{n}.txt", f"""{head}东湖大学教务处文件
东大教〔2026〕{100 + n}号
关于报送第{n}批教学检查材料的通知
各学院：
请于{deadline}前报送本单位教学检查材料。
东湖大学教务处
{dated}
""")


def read_notice(office: Office) -> str:
    """A new 收文 通知 that only informs: a 阅件 (待传阅)."""
    n = next(_serial)
    return office.register_text(f"阅件{n}.txt", f"""东湖大学办公室
关于第{n}次调整作息时间的通知
各单位：
现将调整作息时间的安排通知如下：自12月1日起下午上班时间调整为14:00。
东湖大学办公室
2026年11月25日
""")


def url(reg_no: str, *rest: str) -> str:
    return "/".join(("/documents", quote(reg_no, safe=""), *rest))


def panel_text(response) -> str:
    """The 办理 section (of the page or the fragment) as plain text, spaces collapsed."""
    assert 'id="handling"' in response.text, response.text[:500]
    body = response.text.split('id="handling"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def forms(response) -> list[str]:
    """The steps the panel offers, by their forms' class."""
    return re.findall(r'class="handling-form form-(\w+)"', response.text)


def post(client, reg_no: str, **data):
    return client.post(url(reg_no, "handling"), data=data)


def api(client, reg_no: str, **body):
    return client.post(f"/api/documents/{quote(reg_no, safe='')}/handling", json=body)


def test_a_banjian_goes_from_proposal_to_result_through_the_page(office, client_for):
    reg_no = action_notice(office)
    clerk, leader, handler = client_for("clerk"), client_for("leader"), client_for("handler")

    page = clerk.get(url(reg_no))
    assert "待拟办" in panel_text(page) and "2026-12-30" in panel_text(page)
    assert forms(page) == ["propose", "deadline"]
    assert forms(leader.get(url(reg_no))) == ["deadline"] and forms(handler.get(url(reg_no))) == []

    # 文书: 拟办, sent to the leader; a plain post comes back to the page by a redirect
    answer = post(clerk, reg_no, action="propose", text="拟请钱承办牵头办理", assignees="leader")
    assert answer.status_code == 303
    assert answer.headers["location"] == url(reg_no) + "?handled=propose#handling"
    shown = panel_text(clerk.get(answer.headers["location"]))
    assert "已提交拟办意见" in shown and "待批示" in shown and "拟请钱承办牵头办理" in shown
    assert "现在在谁手里 赵院长" in shown

    # 领导: 批示 naming 主办, 协办 and a new 时限
    page = leader.get(url(reg_no))
    assert forms(page) == ["instruct", "return", "deadline"]
    answer = post(leader, reg_no, action="instruct", text="请钱承办办理，李文书协助", assignees=["handler"],
                  assist=["clerk"], deadline="2026-12-28")
    assert answer.status_code == 303

    # 承办人: sees 承办意见/办结/退回/转办, records progress, then the result
    page = handler.get(url(reg_no))
    assert forms(page) == ["progress", "finish", "return", "transfer"]
    shown = panel_text(page)
    assert "承办中" in shown and "主办 钱承办" in shown and "协办 李文书" in shown and "2026-12-28" in shown
    assert post(handler, reg_no, action="progress", text="已通知各系收集材料").status_code == 303
    assert post(handler, reg_no, action="finish", text="材料已于12月5日报送教务处").status_code == 303

    shown = panel_text(clerk.get(url(reg_no)))
    assert "已办结" in shown
    kinds = re.findall(r"(拟办意见|领导批示|承办意见|办理结果) (李文书|赵院长|钱承办) \d{4}-\d\d-\d\d \d\d:\d\d", shown)
    assert kinds == [("拟办意见", "李文书"), ("领导批示", "赵院长"), ("承办意见", "钱承办"), ("办理结果", "钱承办")]
    assert forms(clerk.get(url(reg_no))) == []          # nothing more to do on it

    # every step an audited event naming who took it, in the record's history
    steps = [(event.actor, event.details["action"]) for event in views.history(office.engine, reg_no)
             if event.action == "handled"]
    assert steps == [("clerk", "propose"), ("leader", "instruct"), ("handler", "progress"), ("handler", "finish")]
    history = clerk.get(url(reg_no)).text
    assert "批示：待批示 → 承办中；请钱承办办理，李文书协助；主办 handler；时限 2026-12-28" in history
    assert "办结：承办中 → 已办结；材料已于12月5日报送教务处" in history


def test_a_refused_step_is_409_or_403_in_chinese_and_changes_nothing(office, client_for):
    reg_no = action_notice(office)
    before = get_handling(office.engine, reg_no)
    handler, clerk = client_for("handler"), client_for("clerk")

    # not by this user: a 承办人 writing the 拟办 → 403, the error page says why
    refused = post(handler, reg_no, action="propose", text="我来拟办")
    assert refused.status_code == 403 and "文书" in refused.text and "text/html" in refused.headers["content-type"]
    # not from this state: 办结 before anyone was assigned → 409
    conflict = post(clerk, reg_no, action="finish", text="办完了")
    assert conflict.status_code == 409 and "待拟办" in conflict.text
    # the API says the same as JSON
    answer = api(clerk, reg_no, action="instruct", text="批示", assignees=["handler"])
    assert answer.status_code == 409
    assert answer.json()["error"] == "HandlingConflict" and "不能批示" in answer.json()["message"]
    answer = api(handler, reg_no, action="propose", text="我来拟办")
    assert answer.status_code == 403 and answer.json()["error"] == "HandlingRefused"
    # with htmx the panel comes back with the reason, marked for static/handling.js to swap in
    fragment = handler.post(url(reg_no, "handling"), data={"action": "propose", "text": "我来拟办"}, headers=HTMX)
    assert fragment.status_code == 403 and fragment.headers["x-wenshu-panel"] == "1"
    assert "<html" not in fragment.text and 'role="alert"' in fragment.text and "文书" in panel_text(fragment)
    # a required text missing: 400, with what is missing
    empty = clerk.post(url(reg_no, "handling"), data={"action": "propose", "text": "  "}, headers=HTMX)
    assert empty.status_code == 400 and "拟办意见不能为空" in panel_text(empty)
    bad_day = clerk.post(url(reg_no, "handling"), data={"action": "deadline", "deadline": "12月30日"}, headers=HTMX)
    assert bad_day.status_code == 400 and "2026-03-31" in panel_text(bad_day)
    # nothing changed, nothing audited
    assert get_handling(office.engine, reg_no) == before
    assert not [event for event in views.history(office.engine, reg_no) if event.action == "handled"]


def test_an_htmx_step_gets_the_panel_alone(office, client_for):
    reg_no = action_notice(office)
    clerk = client_for("clerk")
    fragment = clerk.post(url(reg_no, "handling"), data={"action": "deadline", "deadline": "2026-12-24"},
                          headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<section") or '<section id="handling"' in fragment.text
    shown = panel_text(fragment)
    assert "已设定办理时限" in shown and "2026-12-24" in shown
    assert "handling.js" not in fragment.text          # loaded once, by the page
    assert "handling.js" in clerk.get(url(reg_no)).text


def test_the_api_reads_and_takes_steps(office, client_for):
    reg_no = action_notice(office)
    clerk, leader, auditor = client_for("clerk"), client_for("leader"), client_for("auditor")
    path = f"/api/documents/{quote(reg_no, safe='')}/handling"
    read = auditor.get(path)
    assert read.status_code == 200
    assert read.json()["state"] == "待拟办" and read.json()["implicit"] is True
    done = api(clerk, reg_no, action="propose", text="拟请领导批示")
    assert done.status_code == 200 and done.json()["state"] == "待批示"
    done = api(leader, reg_no, action="instruct", text="请钱承办办理", assignees=["handler"], deadline="2026-12-20")
    body = done.json()
    assert (body["state"], body["lead"], body["holder"], body["deadline"]) == ("承办中", ["handler"], "handler",
                                                                                "2026-12-20")
    assert [opinion["kind"] for opinion in body["opinions"]] == ["拟办意见", "领导批示"]
    assert auditor.get(path).json() == body
    # an auditor reads but takes no step; a 登记号 typed with other brackets is the same record
    assert api(auditor, reg_no, action="urge", text="请抓紧").status_code == 403
    typed = reg_no.replace("〔", "[").replace("〕", "]")
    assert auditor.get(f"/api/documents/{quote(typed, safe='')}/handling").json()["reg_no"] == reg_no
    # a record that has no handling (our own 发文 通知) answers null; an unknown one 404
    ours = office.register_text(f"发文{next(_serial)}.txt", "东湖大学化学化工学院\n关于举办学术报告会的通知\n各系：\n定于12月10日举办学术报告会。\n"
                                "东湖大学化学化工学院\n2026年12月1日\n", direction="发文")
    assert clerk.get(f"/api/documents/{quote(ours, safe='')}/handling").json() is None
    assert api(clerk, ours, action="propose", text="拟办").status_code == 409
    assert clerk.get("/api/documents/%E6%94%B6%E3%80%942026%E3%80%959999%E5%8F%B7/handling").status_code == 404
    # invalid JSON fields: 422 in Chinese
    wrong = clerk.post(path, json={"action": "deadline", "deadline": "明天"})
    assert wrong.status_code == 422 and "deadline" in wrong.json()["message"]


def test_a_secret_record_has_no_handling_for_the_uncleared(office, client_for):
    secret = office.records["secret"]                  # a 秘密 报告, 阅件 待传阅
    path = f"/api/documents/{quote(secret, safe='')}/handling"
    clerk, cleared = client_for("clerk"), client_for(SECRET_CLERK)
    assert clerk.get(path).status_code == 404
    assert api(clerk, secret, action="circulate", readers=["leader"]).status_code == 404
    assert post(clerk, secret, action="circulate", readers="leader").status_code == 404
    assert get_handling(office.engine, secret).implicit           # nothing was done
    assert cleared.get(path).json()["state"] == "待传阅"
    assert "form-circulate" in cleared.get(url(secret)).text


def test_a_yuejian_circulated_in_order_finishes_when_everyone_has_read(office, client_for):
    reg_no = read_notice(office)
    clerk, leader, handler = client_for("clerk"), client_for("leader"), client_for("handler")
    page = clerk.get(url(reg_no))
    assert "待传阅" in panel_text(page) and forms(page) == ["circulate", "deadline"]
    assert post(clerk, reg_no, action="circulate", readers=["leader", "", "handler"], ordered="1").status_code == 303
    shown = panel_text(clerk.get(url(reg_no)))
    assert "传阅中" in shown and "依次传阅" in shown and "应阅 2，已阅 0，未阅 2" in shown
    assert "现在在谁手里 赵院长" in shown and "赵院长 （在手）" in shown
    # in order: the 承办人 waits for the leader
    assert "form-read" not in handler.get(url(reg_no)).text
    assert post(handler, reg_no, action="read").status_code == 403
    assert "form-read" in leader.get(url(reg_no)).text
    assert post(leader, reg_no, action="read", text="已阅，请各系遵照执行").status_code == 303
    shown = panel_text(clerk.get(url(reg_no)))
    assert "应阅 2，已阅 1，未阅 1" in shown and "现在在谁手里 钱承办" in shown and "已阅，请各系遵照执行" in shown
    assert post(handler, reg_no, action="read").status_code == 303
    shown = panel_text(clerk.get(url(reg_no)))
    assert "已阅毕" in shown and "应阅 2，已阅 2，未阅 0" in shown and "未阅 " not in shown.split("未阅 0", 1)[1]


def test_a_leader_turns_a_yuejian_into_a_banjian(office, client_for):
    reg_no = read_notice(office)
    leader = client_for("leader")
    page = leader.get(url(reg_no))
    assert "批示（转为办件）" in page.text
    assert post(leader, reg_no, action="instruct", text="请钱承办落实", assignees="handler").status_code == 303
    shown = panel_text(leader.get(url(reg_no)))
    assert "承办中" in shown and "（办件）" in shown


def test_urging_is_recorded_on_the_task(office, client_for):
    reg_no = action_notice(office)
    clerk, leader = client_for("clerk"), client_for("leader")
    api(clerk, reg_no, action="propose", text="拟请领导批示", assignees=["leader"])
    page = clerk.get(url(reg_no))
    assert "form-urge" in page.text
    # the urge form offers whoever holds it first
    urge_form = page.text.split('form-urge"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<option value="leader" selected>', urge_form)
    assert post(clerk, reg_no, action="urge", assignees="leader", text="请于本周内批示").status_code == 303
    shown = panel_text(leader.get(url(reg_no)))
    assert re.search(r"催办记录 \d{4}-\d\d-\d\d \d\d:\d\d 李文书 催办 赵院长：请于本周内批示", shown)


def test_the_panel_shows_what_people_wrote_as_text(office, client_for):
    reg_no = action_notice(office)
    clerk = client_for("clerk")
    post(clerk, reg_no, action="propose", text="<script>alert(1)</script><b>拟办</b>")
    page = clerk.get(url(reg_no))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;拟办&lt;/b&gt;" in page.text


def test_only_roles_that_handle_may_post_a_step(office, client_for):
    reg_no = action_notice(office)
    for role in ("auditor", "admin", "scanner"):
        assert post(client_for(role), reg_no, action="deadline", deadline="2026-12-31").status_code == 403
    assert "form-" not in client_for("auditor").get(url(reg_no)).text.split('id="handling"', 1)[1]
    assert get_handling(office.engine, reg_no).implicit


def test_a_type_the_office_handles_without_a_leader_goes_from_proposal_to_the_handler(office):
    settings = office.settings.model_copy(update={"handling": HandlingSettings(skip_instruction=("通知",))})
    skipping = Office(settings, office.engine, create_app(settings), office.work)
    try:
        reg_no = action_notice(office)
        clerk = skipping.client_for("clerk")
        page = clerk.get(url(reg_no))
        assert "不经领导批示" in page.text and 'name="assignees" multiple required' in page.text
        assert post(clerk, reg_no, action="propose", text="请钱承办直接办理", assignees="handler").status_code == 303
        handling = get_handling(office.engine, reg_no)
        assert (handling.state, handling.lead) == ("承办中", ("handler",))
    finally:
        skipping.close()


def test_a_record_without_handling_shows_no_panel(office, client_for):
    ours = office.register_text(f"发文{next(_serial)}.txt", "东湖大学化学化工学院\n关于举办第二场学术报告会的通知\n各系：\n"
                                "定于12月12日举办学术报告会。\n东湖大学化学化工学院\n2026年12月1日\n", direction="发文")
    page = client_for("clerk").get(url(ours))
    assert page.status_code == 200 and 'id="handling"' not in page.text


MINUTES = """东湖大学化学化工学院
党政联席会议纪要
〔2026〕{n}号
2026年11月30日，学院召开党政联席会议，研究了以下事项：
一、关于实验室安全检查
会议决定由学院办公室负责组织全院实验室安全检查，要求各系于12月20日前完成自查。
二、关于期末考试安排
请教学办牵头做好期末考试组织工作。
东湖大学化学化工学院办公室
2026年11月30日
"""


def test_the_clerk_confirms_supervision_items_of_minutes(office, client_for):
    reg_no = office.register_text(f"纪要{next(_serial)}.txt", MINUTES.format(n=next(_serial)))
    clerk, leader = client_for("clerk"), client_for("leader")
    page = clerk.get(url(reg_no))
    shown = panel_text(page)
    assert "督办建议" in shown and "要求各系于12月20日前完成自查" in shown and "教学办" in shown
    assert page.text.count('name="proposals"') == 2 and "确认为督办事项" in page.text
    assert 'name="proposals"' not in leader.get(url(reg_no)).text    # only a clerk confirms
    assert leader.post(url(reg_no, "handling"), data={"action": "supervise", "proposals": "1"}).status_code == 403
    answer = clerk.post(url(reg_no, "handling"), data={"action": "supervise", "proposals": "1"}, headers=HTMX)
    assert answer.status_code == 200
    shown = panel_text(answer)
    assert "已确认为督办事项" in shown and "督办事项 1：关于实验室安全检查" in shown
    assert "主办 各系" in shown and "2026-12-20" in shown and "承办中" in shown
    assert answer.text.count('name="proposals"') == 1                    # the other one is still proposed
    again = api(clerk, reg_no, action="supervise", proposals=[1])
    assert again.status_code == 400 and "已确认" in again.json()["message"]
    made = api(clerk, reg_no, action="supervise", proposals=[2])
    assert made.status_code == 200 and [item["item"] for item in made.json()] == [2]
    # a 督办 item is tracked like a 办件: the clerk records its result on the page
    assert post(clerk, reg_no, action="finish", item="2", text="期末考试已组织完毕").status_code == 303
    assert get_handling(office.engine, reg_no, 2).state == "已办结"
    assert get_handling(office.engine, reg_no, 1).state == "承办中"
