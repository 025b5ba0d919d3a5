"""`wenshu handle`, `tasks`, `remind` (issue 16): the 办件 from 拟办 to 办结 and a 阅件's 传阅
through the real command, each step by the user named with --user and audited; refusals exit
23 (the state) and 24 (the user) and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import load_settings
from registry import users
from registry.db import connect
from tests.cli import SAMPLE_OFFICE_ENV, run, run_json

LABELLED = Path(__file__).resolve().parents[1] / "understand" / "labelled"
PEOPLE = {"ling.dao": ("leader", "王院长"), "cheng.ban": ("handler", "程办"), "xie.ban": ("handler", None),
          "yue.yi": ("handler", None), "yue.er": ("handler", None)}


@pytest.fixture
def office(tmp_path):
    """A data directory with one 办件 registered by the tests' clerk, and the other people."""
    data = tmp_path / "data"
    [registered] = run_json(data, "ingest", str(LABELLED / "012.txt"))
    settings = load_settings(data_dir=data, env=SAMPLE_OFFICE_ENV)
    engine = connect.__wrapped__(settings.database_url, settings.audit_key_file)
    for name, (role, shown) in PEOPLE.items():
        users.add_user(engine, name, roles=[role], password="mima-2026-abcd", actor="系统", display_name=shown)
    engine.dispose()
    return data, registered["reg_no"]


def as_user(name: str) -> dict[str, str]:
    return {"WENSHU_USER": name}


def test_a_document_goes_from_proposal_to_result(office):
    data, reg_no = office
    assert [t["state"] for t in run_json(data, "tasks", "--mine")] == ["待拟办"]   # the clerk's
    run(data, "handle", reg_no, "propose", "--text", "拟请程办牵头办理", "--to", "ling.dao")
    assert [t["reg_no"] for t in run_json(data, "tasks", "--mine", env=as_user("ling.dao"))] == [reg_no]
    instructed = run_json(data, "handle", reg_no, "instruct", "--text", "同意，请程办办理", "--to", "cheng.ban",
                          "--assist", "xie.ban", "--deadline", "2026-12-20", env=as_user("ling.dao"))
    assert (instructed["state"], instructed["lead"], instructed["assist"], instructed["deadline"]) == \
        ("承办中", ["cheng.ban"], ["xie.ban"], "2026-12-20")
    assert run_json(data, "tasks", "--mine", env=as_user("xie.ban"))[0]["reg_no"] == reg_no
    run(data, "handle", reg_no, "progress", "--text", "已联系外事办", env=as_user("xie.ban"))
    done = run_json(data, "handle", reg_no, "finish", "--text", "已按时报送", env=as_user("cheng.ban"))
    assert (done["state"], done["closed_by"]) == ("已办结", "cheng.ban")
    assert [(o["kind"], o["user"]) for o in done["opinions"]] == [
        ("拟办意见", "ceshi"), ("领导批示", "ling.dao"), ("承办意见", "xie.ban"), ("办理结果", "cheng.ban")]
    assert run_json(data, "tasks") == []
    [row] = run_json(data, "log")
    assert (row["handling_state"], row["lead"]) == ("已办结", ["cheng.ban"]) and row["closed_on"]
    assert "办理状态" in run(data, "log", "--csv").stdout.splitlines()[0]
    events = [(e["actor"], e["details"]["action"]) for e in run_json(data, "audit", "log", "--record", reg_no)
              if e["action"] == "handled"]
    assert events == [("ceshi", "propose"), ("ling.dao", "instruct"), ("xie.ban", "progress"),
                      ("cheng.ban", "finish")]
    run(data, "audit", "verify")


def test_refusals_say_why_and_change_nothing(office):
    data, reg_no = office
    conflict = run(data, "handle", reg_no, "finish", "--text", "x", check_code=23)
    assert "待拟办" in conflict.stderr and "办结" in conflict.stderr
    run(data, "handle", reg_no, "propose", "--text", "拟办")
    refused = run(data, "handle", reg_no, "instruct", "--text", "x", "--to", "cheng.ban", check_code=24,
                  env=as_user("cheng.ban"))
    assert "领导" in refused.stderr
    run(data, "handle", reg_no, "instruct", "--text", "批示", check_code=9, env=as_user("ling.dao"))  # no 主办
    run(data, "handle", reg_no, "fly", "--text", "x", check_code=9)
    run(data, "handle", reg_no, "propose", "--text", "x", check_code=22, env={"WENSHU_USER": ""})
    assert [e["details"]["action"] for e in run_json(data, "audit", "log", "--record", reg_no)
            if e["action"] == "handled"] == ["propose"]
    assert run_json(data, "log")[0]["handling_state"] == "待批示"


def test_overdue_and_due_lists_and_the_digest(office, tmp_path):
    data, reg_no = office
    run(data, "handle", reg_no, "propose", "--text", "拟办", "--to", "ling.dao")
    run(data, "handle", reg_no, "instruct", "--text", "请办理", "--to", "cheng.ban", "--deadline", "2020-01-10",
        env=as_user("ling.dao"))
    [late] = run_json(data, "tasks", "--overdue")
    assert late["overdue"] and late["due_in"] < 0 and late["waiting_for"] == ["cheng.ban"]
    assert late["highlight"] == (late["urgency"] in ("特急", "加急"))
    assert run_json(data, "tasks", "--due-days", "3") == []
    run(data, "handle", reg_no, "urge", "--text", "请于本周内办结", env=as_user("ceshi"))
    assert run_json(data, "tasks", "--overdue")[0]["urged"]
    shown = run(data, "tasks").stdout
    assert "超期" in shown and "已催办" in shown
    digest = tmp_path / "催办.txt"
    run(data, "remind", "--out", str(digest))
    text = digest.read_text(encoding="utf-8")
    assert "程办（cheng.ban）" in text and reg_no in text and "超期" in text
    assert run(data, "remind").stdout == text
    run(data, "handle", reg_no, "deadline", "--deadline", "2099-01-01", env=as_user("ling.dao"))
    assert run_json(data, "tasks", "--overdue") == []
    assert "没有超期" in run(data, "remind").stdout


def test_a_reading_document_is_finished_when_every_reader_has_read_it(office):
    data, reg_no = office
    run(data, "correct", reg_no, "阅办", "阅件", "--reason", "仅需传阅")
    assert run_json(data, "log")[0]["handling_state"] == "待传阅"
    run(data, "handle", reg_no, "circulate", "--reader", "yue.yi", "--reader", "yue.er", "--ordered")
    run(data, "handle", reg_no, "read", check_code=24, env=as_user("yue.er"))  # not his turn yet
    after_first = run_json(data, "handle", reg_no, "read", "--text", "已阅，同意", env=as_user("yue.yi"))
    assert (after_first["state"], after_first["holder"], after_first["unread"]) == ("传阅中", "yue.er", ["yue.er"])
    done = run_json(data, "handle", reg_no, "read", env=as_user("yue.er"))
    assert (done["state"], done["read"], done["unread"]) == ("已阅毕", ["yue.yi", "yue.er"], [])
    assert [r["comment"] for r in done["readers"]] == ["已阅，同意", None]
    run(data, "handle", reg_no, "read", check_code=23, env=as_user("yue.er"))
    run(data, "audit", "verify")
