"""办理 closes by itself when the answer is registered (issue 16): a 批复 arriving closes the 请示
we sent, a 复函 the 函 we sent that asked for one, and our 发文 批复 the 请示 we received — each in
the registration's own transaction, by 系统, with a 办理结果 naming the reply's 登记号."""

from __future__ import annotations

from core.settings import load_settings
from registry.db import open_registry
from registry.handling import get_handling
from tests.cli import SAMPLE_OFFICE_ENV, run, run_json
from tests.pipeline.test_understood_registration import REPLY, REQUEST, _write

OUR_LETTER = """东湖大学化学化工学院
化学院函〔2026〕3号
东湖大学化学化工学院关于商请开放图书馆古籍阅览室的函
东湖大学图书馆：
为支持我院化学史课程教学，拟于2027年春季学期组织学生参观古籍阅览室，商请贵馆予以支持。
请于2026年12月20日前函复。
东湖大学化学化工学院
2026年11月5日
"""

THEIR_ANSWER = """东湖大学图书馆
东大图函〔2026〕8号
东湖大学图书馆关于同意开放古籍阅览室的复函
化学化工学院：
你院《关于商请开放图书馆古籍阅览室的函》（化学院函〔2026〕3号）收悉。经研究，同意于2027年春季学期开放古籍阅览室供你院学生参观。
特此函复。
东湖大学图书馆
2026年11月18日
"""

THEIR_REQUEST = """东湖大学化学化工学院分析测试中心
测试〔2026〕2号
分析测试中心关于购置液相色谱仪的请示
学院：
为满足科研测试需要，拟购置液相色谱仪1台，预算45万元。
妥否，请批示。
分析测试中心
2026年11月6日
"""

OUR_APPROVAL = """东湖大学化学化工学院
化学院〔2026〕9号
东湖大学化学化工学院关于同意分析测试中心购置液相色谱仪的批复
分析测试中心：
你中心《关于购置液相色谱仪的请示》（测试〔2026〕2号）收悉。经研究，同意购置液相色谱仪1台。
此复。
东湖大学化学化工学院
2026年11月20日
"""


def _logged(data, reg_no):
    return next(row for row in run_json(data, "log") if row["reg_no"] == reg_no)


def _closed_by_system(data, reg_no, reply):
    """The handling is 已办结 by 系统 with a result naming ``reply``; the event says so too."""
    settings = load_settings(data_dir=data, env=SAMPLE_OFFICE_ENV)
    found = get_handling(open_registry(settings), reg_no)
    assert (found.state, found.closed_by) == ("已办结", "系统")
    result = found.opinions[-1]
    assert (result.kind, result.user) == ("办理结果", "系统") and reply in result.text
    event = [e for e in run_json(data, "audit", "log", "--record", reg_no) if e["action"] == "handled"][-1]
    assert event["actor"] == "系统"
    assert (event["details"]["to"], event["details"]["closed_by_reply"]) == ("已办结", reply)
    return event


def test_a_reply_arriving_closes_our_request(tmp_path):
    data = tmp_path / "data"
    [ours] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "请示.txt", REQUEST)))
    assert _logged(data, ours["reg_no"])["handling_state"] == "待回复"
    [reply] = run_json(data, "ingest", str(_write(tmp_path, "批复.txt", REPLY)))
    row = _logged(data, ours["reg_no"])
    assert row["handling_state"] == "已办结" and row["closed_on"]
    event = _closed_by_system(data, ours["reg_no"], reply["reg_no"])
    assert event["details"]["from"] == "待回复"
    run(data, "audit", "verify")


def test_an_answer_closes_our_letter_that_asked_for_one(tmp_path):
    data = tmp_path / "data"
    [ours] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "函.txt", OUR_LETTER)))
    assert _logged(data, ours["reg_no"])["handling_state"] == "待回复"
    [answer] = run_json(data, "ingest", str(_write(tmp_path, "复函.txt", THEIR_ANSWER)))
    assert _logged(data, ours["reg_no"])["handling_state"] == "已办结"
    _closed_by_system(data, ours["reg_no"], answer["reg_no"])
    assert run_json(data, "show", ours["reg_no"])["handling_state"] == "已办结"
    run(data, "audit", "verify")


def test_our_approval_closes_the_request_we_received_even_once_under_way(tmp_path):
    data = tmp_path / "data"
    [theirs] = run_json(data, "ingest", str(_write(tmp_path, "请示.txt", THEIR_REQUEST)))
    assert _logged(data, theirs["reg_no"])["handling_state"] == "待拟办"
    run(data, "handle", theirs["reg_no"], "propose", "--text", "拟同意，请院长批示")
    assert _logged(data, theirs["reg_no"])["handling_state"] == "待批示"
    [approval] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "批复.txt", OUR_APPROVAL)))
    event = _closed_by_system(data, theirs["reg_no"], approval["reg_no"])
    assert event["details"]["from"] == "待批示"
    assert run_json(data, "show", theirs["reg_no"])["handling_state"] == "已办结"
    linked = [e for e in run_json(data, "audit", "log", "--record", theirs["reg_no"]) if e["action"] == "linked"]
    assert linked and linked[0]["details"]["answered_by"] == approval["reg_no"]
    run(data, "audit", "verify")


def test_a_reply_to_a_letter_that_asked_for_nothing_closes_nothing(tmp_path):
    data = tmp_path / "data"
    plain = OUR_LETTER.replace("请于2026年12月20日前函复。\n", "")
    [ours] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "函.txt", plain)))
    run_json(data, "ingest", str(_write(tmp_path, "复函.txt", THEIR_ANSWER)))
    assert _logged(data, ours["reg_no"])["handling_state"] is None
    assert not [e for e in run_json(data, "audit", "log", "--record", ours["reg_no"]) if e["action"] == "handled"]
