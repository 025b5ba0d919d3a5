"""The CLI contract: names, JSON fields and exit codes that scripts rely on."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.cli import TEST_USER, run, run_json

RECORD_FIELDS = {"reg_no", "series", "seq", "direction", "registered_at", "file_name", "sha256",
                 "format", "pages", "text_method", "doc_type", "doc_number", "issuer", "title", "date",
                 "secrecy", "urgency", "route", "deadline", "department", "archive_code", "retention",
                 "status", "warnings"}

def office_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


TEXT = "东湖大学教务处\n关于做好2026年秋季学期期末考试工作的通知\n各学院：\n请于12月10日前报送考试安排。\n"


def _txt(tmp_path, name="通知.txt", text=TEXT, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_init_is_idempotent(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    run(data, "init")
    for folder in ("inbox", "outbox", "quarantine", "store", "index"):
        assert (data / folder).is_dir()
    assert (data / "wenshu.db").is_file()


def test_after_init_a_search_finds_nothing_instead_of_failing(tmp_path):
    run(tmp_path, "init")
    assert run_json(tmp_path, "search", "通知") == {"total": 0, "hits": [], "understood_as": {"doc_type": "通知",
                                                                                            "sort": "date"}}


def test_ingest_show_and_log_a_text_file(tmp_path):
    data, source = tmp_path / "data", _txt(tmp_path)
    [result] = run_json(data, "ingest", str(source))
    assert result["path"] == str(source)
    assert result["status"] == "registered" and result["reg_no"] == f"收〔{office_today().year}〕1号"
    assert result["duplicate_of"] is None and result["reason"] is None
    assert source.exists()  # ingest copies, it never moves

    record = run_json(data, "show", result["reg_no"])
    assert RECORD_FIELDS <= set(record)
    assert record["text"].strip() == TEXT.strip()
    assert (record["format"], record["text_method"], record["pages"]) == ("txt", "txt", 1)
    assert record["direction"] == "收文" and record["status"] == "已登记"
    assert record["file_name"] == "通知.txt" and len(record["sha256"]) == 64
    assert date.fromisoformat(record["registered_at"][:10])

    [logged] = run_json(data, "log")
    assert RECORD_FIELDS <= set(logged) and logged["reg_no"] == result["reg_no"]
    assert "text" not in logged
    run(data, "audit", "verify")


def test_duplicate_and_quarantine_and_exit_code(tmp_path):
    data = tmp_path / "data"
    original = _txt(tmp_path)
    copy = _txt(tmp_path, name="再次扫描.txt")
    empty = tmp_path / "空文件.pdf"
    empty.write_bytes(b"")
    result = run(data, "ingest", "--json", str(original), str(copy), str(empty), check_code=4)
    first, second, third = json.loads(result.stdout)
    assert second["status"] == "duplicate" and second["duplicate_of"] == first["reg_no"]
    assert third["status"] == "quarantined" and third["reg_no"] is None and third["reason"]
    [reason_file] = (data / "quarantine").rglob("空文件.pdf.reason.txt")
    assert "原因" in reason_file.read_text(encoding="utf-8")
    events = run_json(data, "audit", "log")
    assert [(event["action"], event["details"]["user"]) for event in events[:1]] == [("user_added", TEST_USER)]
    assert [event["action"] for event in events[1:]] == ["registered", "routed", "classified", "duplicate",
                                                        "quarantined", "indexed"]
    assert {event["actor"] for event in events[1:]} == {TEST_USER}
    run(data, "audit", "verify")


def test_outgoing_documents_use_their_own_series(tmp_path):
    data = tmp_path / "data"
    [letter] = run_json(data, "ingest", "--direction", "发文", "--series", "函", str(_txt(tmp_path)))
    assert letter["reg_no"].startswith("化学院函〔")
    result = run(data, "ingest", "--direction", "下发", str(_txt(tmp_path, "b.txt", "另一份")), check_code=9)
    assert "收文 或 发文" in result.stderr


def test_log_filters_and_exports(tmp_path):
    data = tmp_path / "data"
    run_json(data, "ingest", str(_txt(tmp_path, "a.txt", "甲")), str(_txt(tmp_path, "b.txt", "乙")))
    run_json(data, "ingest", "--direction", "发文", str(_txt(tmp_path, "c.txt", "丙")))
    assert len(run_json(data, "log", "--direction", "收文")) == 2
    today = office_today().isoformat()
    assert len(run_json(data, "log", "--from", today, "--to", today)) == 3
    assert run_json(data, "log", "--from", "2001-01-01", "--to", "2001-12-31") == []

    exported_csv = run(data, "log", "--csv").stdout
    assert exported_csv.startswith("\ufeff")  # the BOM: Excel on a Chinese Windows reads it as UTF-8
    rows = list(csv.reader(io.StringIO(exported_csv[1:])))
    assert rows[0][0] == "登记号" and len(rows) == 4
    run(data, "log", "--xlsx", str(tmp_path / "登记簿.xlsx"))
    sheet = load_workbook(tmp_path / "登记簿.xlsx").active
    assert sheet.cell(1, 1).value == "登记号" and sheet.max_row == 4
    exported = [e for e in run_json(data, "audit", "log") if e["action"] == "exported"]
    assert [e["details"]["what"] for e in exported] == ["csv", "xlsx"]
    run(data, "audit", "verify")


def test_errors_carry_exit_codes_and_fixes(tmp_path):
    data = tmp_path / "data"
    missing = run(data, "show", "收〔2026〕99号", check_code=5)
    assert "没有登记号" in missing.stderr and "How to fix" in missing.stderr
    bad_date = run(data, "log", "--from", "yesterday", check_code=9)
    assert "YYYY-MM-DD" in bad_date.stderr
    bad_setting = run(data, "init", env={"WENSHU_OCR_ENGINE": "paddle"}, check_code=3)
    assert "ocr.engine" in bad_setting.stderr
    run(data, "ingest", str(tmp_path / "nowhere.txt"), check_code=9)


def test_void_keeps_the_number(tmp_path):
    data = tmp_path / "data"
    [first] = run_json(data, "ingest", str(_txt(tmp_path)))
    run(data, "void", first["reg_no"], "误扫")
    record = run_json(data, "show", first["reg_no"])
    assert record["status"] == "已作废" and record["void_reason"] == "误扫"
    [second] = run_json(data, "ingest", str(_txt(tmp_path, "x.txt", "另一份")))
    assert second["reg_no"].endswith("〕2号")
