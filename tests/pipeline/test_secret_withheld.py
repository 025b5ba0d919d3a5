"""涉密 never leaks (issue 14 §7): of a 涉密 record nothing of the body appears anywhere but its own
withheld text: not in why_route, checks or warnings, audit events, search snippets, the 登记簿 as
JSON, CSV or Excel, or what ingest, watch, show and status print. Real command, real SQLite."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.cli import run, run_json

# Every body line holds words found nowhere in the head, so any run of its characters that shows
# up outside the record's text is a leak. 2026-12-20 is a Sunday: the weekday check quotes it.
NOTICE_HEAD = """000012
机密★1年
东湖省教育厅文件
东教高〔2026〕20号
关于做好2027年研究生招生考试试题安全保密工作的通知
各招生单位：
"""
NOTICE_BODY = """一、青鸾保密室实行二十四小时双人值守，钥匙由主任与副主任分持。
二、请于2026年12月20日（星期一）前完成青鸾保密室安全自查，并将自查结果报送省教育厅高校学生处。
"""
NOTICE_TAIL = """东湖省教育厅
2026年12月1日
"""
REPORT_HEAD = """秘密★6个月
东湖大学化学化工学院
化学院〔2026〕9号
东湖大学化学化工学院关于实验室危化品清查情况的报告
学校保卫处：
"""
REPORT_BODY = """经逐柜核对，玄武楼三层库房短少氰化钠两瓶，已封存现场并调取监控录像。
拟于2026年12月20日（星期一）前组织复查。妥否，请批示。
"""
REPORT_TAIL = """东湖大学化学化工学院
2026年12月2日
"""
WINDOW = 5


def body_runs(body: str, head: str) -> set[str]:
    """Every run of WINDOW characters of the body lines that is not also in the head or the
    signature (whose fields the register records)."""
    runs = set()
    for line in body.splitlines():
        for i in range(len(line) - WINDOW + 1):
            run_ = line[i:i + WINDOW]
            if run_ not in head:
                runs.add(run_)
    return runs


def leaks(output: str, runs: set[str]) -> list[str]:
    return sorted(run_ for run_ in runs if run_ in output)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_of_a_secret_body_leaves_the_record(tmp_path):
    data = tmp_path / "data"
    notice = _write(tmp_path, "密件通知.txt", NOTICE_HEAD + NOTICE_BODY + NOTICE_TAIL)
    runs = body_runs(NOTICE_BODY, NOTICE_HEAD + NOTICE_TAIL) | body_runs(REPORT_BODY, REPORT_HEAD + REPORT_TAIL)
    assert "青鸾保密室" in runs and "氰化钠两瓶" in runs

    outputs = {"ingest": run(data, "ingest", str(notice))}
    reg_no = run_json(data, "log")[0]["reg_no"]
    # the watcher, on a 涉密 报告 that asks for approval: a check that would quote the body
    report = _write(data / "outbox", "密件报告.txt", REPORT_HEAD + REPORT_BODY + REPORT_TAIL)
    outputs["watch"] = run(data, "watch", "--once", "--stable-seconds", "0.2", "--workers", "1")
    assert not report.exists()
    records = run_json(data, "log")
    assert [r["secrecy"] for r in records] == ["机密", "秘密"]
    outputs["show"] = run(data, "show", reg_no)
    assert "涉密文件，正文不在此显示" in outputs["show"].stdout
    for record in records:
        shown = run_json(data, "show", record["reg_no"])
        assert shown["text"] is None
        outputs[f"show --json {record['reg_no']}"] = json.dumps({k: v for k, v in shown.items() if k != "text"},
                                                                 ensure_ascii=False)
    notice_record = run_json(data, "show", reg_no)
    assert notice_record["route"] == "办件" and notice_record["deadline"] == "2026-12-20"
    assert notice_record["why_route"] == ["文种「通知」：正文要求办理（涉密，原文不显示）"]
    assert "正文所定期限的日期与星期不符（涉密，原文不显示）" in notice_record["checks"]
    report_record = run_json(data, "show", records[1]["reg_no"])
    assert "报告中夹带请示事项（涉密，原文不显示），不得在报告等非请示性公文中夹带请示事项" in report_record["warnings"]

    outputs["log --json"] = json.dumps(records, ensure_ascii=False)
    outputs["log --csv"] = run(data, "log", "--csv")
    xlsx = tmp_path / "登记簿.xlsx"
    run(data, "log", "--xlsx", str(xlsx))
    outputs["log --xlsx"] = "\n".join(str(cell) for row in load_workbook(xlsx).active.iter_rows(values_only=True)
                                      for cell in row)
    outputs["audit log --json"] = json.dumps(run_json(data, "audit", "log"), ensure_ascii=False)
    outputs["search"] = run(data, "search", "招生考试试题", "--json")
    assert json.loads(outputs["search"].stdout)["total"] == 1
    for word in ("青鸾保密室", "氰化钠"):
        assert run_json(data, "search", word)["total"] == 0
    outputs["status"] = run(data, "status")
    for name, output in outputs.items():
        text = output if isinstance(output, str) else output.stdout + output.stderr
        assert not leaks(text, runs), f"{name} shows the body: {leaks(text, runs)}"
    # the database holds the text; the originals are in store/; nothing else on disk does
    for path in data.rglob("*"):
        if path.is_file() and path.name != "wenshu.db" and "store" not in path.parts:
            assert b"\xe9\x9d\x92\xe9\xb8\xbe" not in path.read_bytes(), path   # 青鸾


def test_a_record_corrected_to_secret_withholds_its_body_from_then_on(tmp_path):
    """The events written before the correction cannot change (the chain forbids it); everything
    shown from then on says what kind of thing was found, as for a record 涉密 from the start."""
    data = tmp_path / "data"
    plain = REPORT_HEAD.replace("秘密★6个月\n", "") + REPORT_BODY + REPORT_TAIL
    [result] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "报告.txt", plain)))
    runs = body_runs(REPORT_BODY, REPORT_HEAD + REPORT_TAIL)
    before = json.dumps(run_json(data, "show", result["reg_no"]), ensure_ascii=False)
    assert leaks(before, runs)                                  # an ordinary record shows what it quotes
    events_before = len(run_json(data, "audit", "log"))

    run(data, "correct", result["reg_no"], "密级", "秘密", "--reason", "纸面标有密级，登记时漏标")
    shown = run_json(data, "show", result["reg_no"])
    assert shown["text"] is None and shown["secrecy"] == "秘密"
    assert "报告中夹带请示事项（涉密，原文不显示），不得在报告等非请示性公文中夹带请示事项" in shown["warnings"]
    outputs = {"show": run(data, "show", result["reg_no"]).stdout,
               "show --json": json.dumps(shown, ensure_ascii=False),
               "log --csv": run(data, "log", "--csv").stdout,
               "audit log (since)": json.dumps(run_json(data, "audit", "log")[events_before:], ensure_ascii=False)}
    for name, output in outputs.items():
        assert not leaks(output, runs), f"{name} shows the body: {leaks(output, runs)}"
    corrected = [e["details"] for e in run_json(data, "audit", "log") if e["action"] == "corrected"]
    assert corrected[0]["withheld"] == ["checks", "warnings"]
    run(data, "audit", "verify")
