"""`wenshu archive plan | file | review | correct` end to end on a data directory, with the exit
codes docs/cli.md gives."""

from __future__ import annotations

from tests.archive_year import FOR_INFORMATION, MINUTES
from tests.cli import TEST_USER, run, run_json
from tests.pipeline.test_understood_registration import _write


def test_plan_review_file_and_archive_correction(tmp_path):
    data = tmp_path / "data"
    [calendar, minutes] = run_json(data, "ingest", str(_write(tmp_path, "校历.txt", FOR_INFORMATION)),
                                   str(_write(tmp_path, "纪要.txt", MINUTES)))
    plan = run_json(data, "archive", "plan", "--year", "2026")
    assert plan["year"] == 2026 and plan["to_file"] == 2 and plan["filed"] == 0
    by_code = {c["code"]: c for c in plan["categories"]}
    assert {code.split("-")[2] for code in by_code} == {"Y", "D10"}  # 纪要 永久, 普发 通知 10年
    blocked = {b["reg_no"]: b["reasons"] for b in plan["blockers"]}
    assert plan["ready"] is not bool(blocked)

    if blocked:
        refused = run(data, "archive", "file", "--year", "2026", check_code=25)
        assert "未做任何归档" in refused.stderr
        for reg_no, reasons in blocked.items():
            if any(r.startswith("初审提示") for r in reasons):
                run(data, "archive", "review", reg_no, check_code=9)  # a reason is required
                run(data, "archive", "review", reg_no, "--reason", "已核对原件")
            if any(r.startswith("办件") for r in reasons):
                run(data, "void", reg_no, "测试中作废的办件")
    done = run_json(data, "archive", "file", "--year", "2026")
    assert done["year"] == 2026 and done["filed"]
    codes = [f["archive_code"] for f in done["filed"]]
    assert all(code.startswith("0001-WS·2026-") and code.endswith("-0001") for code in codes)
    again = run(data, "archive", "file", "--year", "2026", check_code=9)
    assert "没有待归档" in again.stderr

    filed = done["filed"][0]["reg_no"]
    refused = run(data, "correct", filed, "标题", "新标题", "--reason", "试", check_code=26)
    assert "档案更正" in refused.stderr
    run(data, "archive", "correct", filed, "保管期限", "永久", "--reason", "鉴定", check_code=9)
    run(data, "archive", "correct", filed, "标题", "东湖大学关于公布2026年校历的通知（更正）", "--reason", "题名与原件核对")
    shown = run_json(data, "show", filed)
    assert shown["title"].endswith("（更正）") and shown["archive_code"] == done["filed"][0]["archive_code"]
    events = run_json(data, "audit", "log", "--record", filed)
    assert [e["action"] for e in events][-4:] == ["archived", "indexed", "archive_corrected", "indexed"]
    assert events[-2]["actor"] == TEST_USER
    run(data, "audit", "verify")
    assert calendar["reg_no"] and minutes["reg_no"]


def test_filing_needs_an_acting_user(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    refused = run(data, "archive", "file", "--year", "2026", env={"WENSHU_USER": ""}, check_code=22)
    assert "用户" in refused.stderr
