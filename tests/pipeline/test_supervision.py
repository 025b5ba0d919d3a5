"""督办 from a 纪要 (issue 16): the 议定事项 that assign work are proposed with 主办, 时限 and the
decision's text; the clerk confirms chosen ones, which are then tracked like 办件."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.supervision import propose
from tests.cli import run, run_json

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

MINUTES = """东湖大学化学化工学院
党政联席会议纪要
〔2026〕第10期
2026年第10次党政联席会议纪要
2026年11月26日，学院召开党政联席会议。现将会议议定事项纪要如下。
一、关于实验室安全自查
由学院办公室负责，于12月15日前完成全院实验
室安全自查。
二、关于国家自然科学基金申报
请科研办牵头，组织做好2027年度国家自然科学基金申报。
三、关于本科教学质量报告
会议要求教务办于1月10日前完成本科教学质量报告。
四、关于其他事项
会议通报了近期学校有关会议精神。
东湖大学化学化工学院办公室	2026年11月27日印发
"""


def test_decisions_that_assign_work_are_proposed():
    found = propose(MINUTES, date(2026, 11, 26))
    assert [(p.number, p.lead, p.deadline) for p in found] == [
        (1, "学院办公室", date(2026, 12, 15)), (2, "科研办", None), (3, "教务办", date(2027, 1, 10))]
    assert found[0].text == "关于实验室安全自查：由学院办公室负责，于12月15日前完成全院实验室安全自查。"


def test_the_sample_minutes_give_their_assignments():
    text = (SAMPLES / "minutes_multipage.pdf.expected.txt").read_text(encoding="utf-8")
    found = propose(text, date(2026, 11, 13))
    assert [(p.lead, p.deadline) for p in found] == [
        ("各系、各实验室", date(2026, 11, 30)), ("学院办公室", None), ("各组", date(2026, 12, 20))]
    assert all(p.text.startswith("关于") for p in found)


def test_nothing_is_proposed_from_a_text_without_assignments():
    assert propose("会议听取了汇报。会议同意上述方案。", date(2026, 1, 1)) == []


def test_the_clerk_confirms_items_that_are_then_tracked(tmp_path):
    data = tmp_path / "data"
    minutes = tmp_path / "纪要.txt"
    minutes.write_text(MINUTES, encoding="utf-8")
    [registered] = run_json(data, "ingest", str(minutes))
    reg_no = registered["reg_no"]
    proposed = run_json(data, "supervise", reg_no)
    assert [p["lead"] for p in proposed] == ["学院办公室", "科研办", "教务办"]
    assert "学院办公室" in run(data, "supervise", reg_no).stdout
    made = run_json(data, "supervise", reg_no, "--confirm", "1", "--confirm", "3")
    assert [(i["item"], i["route"], i["state"], i["lead_department"], i["deadline"]) for i in made] == [
        (1, "督办", "承办中", "学院办公室", "2026-12-15"), (2, "督办", "承办中", "教务办", "2027-01-10")]
    assert [p["confirmed"] for p in run_json(data, "supervise", reg_no)] == [True, False, True]
    run(data, "supervise", reg_no, "--confirm", "1", check_code=9)        # already confirmed
    run(data, "supervise", reg_no, "--confirm", "7", check_code=9)        # no such proposal
    items = [t for t in run_json(data, "tasks") if t["item"]]
    assert [(t["item"], t["deadline"], t["waiting_for"]) for t in items] == [
        (1, "2026-12-15", ["文书"]), (2, "2027-01-10", ["文书"])]
    done = run_json(data, "handle", reg_no, "finish", "--item", "1", "--text", "自查完成，无问题")
    assert (done["item"], done["state"]) == (1, "已办结")
    assert [t["item"] for t in run_json(data, "tasks") if t["item"]] == [2]
    events = [e for e in run_json(data, "audit", "log", "--record", reg_no) if e["action"] == "supervised"]
    assert [item["lead"] for item in events[0]["details"]["items"]] == ["学院办公室", "教务办"]
    run(data, "audit", "verify")
