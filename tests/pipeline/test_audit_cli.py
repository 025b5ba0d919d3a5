"""The register and the audit log for auditors, from the command line (issue 17): `wenshu log
--csv/--xlsx` with the BOM and the three new columns, `wenshu audit log` filtered by record, actor,
action and days in local time with Chinese names, and `wenshu audit export --csv|--xlsx`, audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from core.errors import InvalidValue
from pipeline.auditview import ACTION_LABELS, NAMES, action_code
from registry.audit import Action
from registry.exports import HEADINGS
from tests.cli import TEST_USER, run, run_json

ZONE = ZoneInfo("Asia/Shanghai")
WIDE = {"COLUMNS": "300"}  # rich wraps a table at 80 columns when it writes to a pipe
NOTICE = "东湖大学教务处\n关于做好期末考试工作的通知\n各学院：\n请于12月10日前报送考试安排。\n"
LETTER = "东湖大学图书馆\n关于图书清查的函\n"


def today() -> str:
    return datetime.now(ZONE).date().isoformat()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A registry with a corrected record and a voided one, all done by the test clerk."""
    folder = tmp_path_factory.mktemp("audit-cli")
    data = folder / "data"
    notice, letter = folder / "通知.txt", folder / "函.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    letter.write_text(LETTER, encoding="utf-8")
    first, second = (row["reg_no"] for row in run_json(data, "ingest", str(notice), str(letter)))
    run(data, "correct", first, "标题", "关于期末考试工作的通知", "--reason", "笔误")
    run(data, "void", second, "重复扫描")
    return data, first, second


def events(data, *filters: str) -> list[dict]:
    return run_json(data, "audit", "log", *filters)


# --- the names --------------------------------------------------------------------------------

def test_every_action_has_a_chinese_name_and_is_found_by_it_or_its_code():
    assert all(action.value in NAMES and ACTION_LABELS[action] != action.value for action in Action)
    assert action_code("更正") == action_code("corrected") == action_code(" corrected ") == "corrected"
    assert action_code("作废") == "voided"
    with pytest.raises(InvalidValue, match="操作「改了」无效"):
        action_code("改了")


# --- the 登记簿 -----------------------------------------------------------------------------------

def test_log_csv_has_the_bom_and_the_three_new_columns(office):
    data, first, second = office
    text = run(data, "log", "--csv").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(HEADINGS) and rows[0][-3:] == ["登记人", "作废原因", "最后更正"]
    by_number = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_number[first]["登记人"] == by_number[second]["登记人"] == TEST_USER
    assert (by_number[second]["作废原因"], by_number[first]["作废原因"]) == ("重复扫描", "")
    assert by_number[first]["最后更正"].endswith(f" 标题（{TEST_USER}）") and by_number[second]["最后更正"] == ""
    record = run_json(data, "show", first)
    assert (record["registered_by"], record["void_reason"]) == (TEST_USER, None)
    assert record["last_corrected"] == by_number[first]["最后更正"]


def test_log_xlsx_is_typed_frozen_filtered_and_has_the_three_new_columns(office, tmp_path):
    data, first, second = office
    path = tmp_path / "登记簿.xlsx"
    run(data, "log", "--xlsx", str(path))
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AD3"
    headings = [cell.value for cell in sheet[1]]
    assert headings == list(HEADINGS)
    rows = {row[0].value: {heading: cell for heading, cell in zip(headings, row)} for row in sheet.iter_rows(min_row=2)}
    registered = rows[first]["登记时间"]
    assert isinstance(registered.value, datetime) and registered.is_date
    assert abs(datetime.now(ZONE).replace(tzinfo=None) - registered.value) < timedelta(minutes=10)
    assert rows[first]["办理时限"].is_date and rows[first]["序号"].value == 1
    assert rows[first]["登记人"].value == TEST_USER and rows[first]["最后更正"].value.endswith(f"标题（{TEST_USER}）")
    assert rows[second]["作废原因"].value == "重复扫描"


# --- audit log -----------------------------------------------------------------------------------

def test_audit_log_filters_by_action_in_chinese_or_code_and_by_actor(office):
    data, first, second = office
    corrected = events(data, "--action", "更正")
    assert [(event["action"], event["record"]) for event in corrected] == [("corrected", first)]
    assert events(data, "--action", "corrected") == corrected
    assert set(corrected[0]) == {"seq", "at", "actor", "action", "record", "details", "prev_hash", "hash"}
    assert corrected[0]["at"].endswith("+00:00")              # as stored and hashed
    assert [event["record"] for event in events(data, "--action", "作废", "--actor", TEST_USER)] == [second]
    everything = events(data)
    assert {event["actor"] for event in events(data, "--actor", "系统")} == {"系统"}
    mine = events(data, "--actor", TEST_USER)
    assert mine and {event["actor"] for event in mine} == {TEST_USER}
    assert len(mine) < len(everything) and events(data, "--actor", "nobody") == []
    about_first = events(data, "--record", first.replace("〔", "[").replace("〕", "]"))
    assert about_first and {event["record"] for event in about_first} == {first}


def test_audit_log_filters_by_the_offices_days(office):
    data, _, _ = office
    everything = events(data)
    day = datetime.now(ZONE).date()
    assert events(data, "--from", today(), "--to", today()) == everything
    assert events(data, "--from", (day + timedelta(days=1)).isoformat()) == []
    assert events(data, "--to", (day - timedelta(days=1)).isoformat()) == []


def test_audit_log_shows_local_time_chinese_names_and_details(office):
    data, first, _ = office
    shown = run(data, "audit", "log", "--action", "更正", env=WIDE).stdout
    [event] = events(data, "--action", "更正")
    local = datetime.fromisoformat(event["at"]).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    assert local in shown and "UTC" not in shown
    assert "更正" in shown and "corrected" not in shown
    assert "标题：「关于做好期末考试工作的通知」 → 「关于期末考试工作的通知」" in shown and "理由：笔误" in shown
    assert first in shown and "digest" not in shown


def test_bad_filters_are_chinese_errors(office):
    data, _, _ = office
    unknown = run(data, "audit", "log", "--action", "改了", check_code=9)
    assert "操作「改了」无效" in unknown.stderr and "更正（corrected）" in unknown.stderr
    bad_day = run(data, "audit", "log", "--from", "2026-13-01", check_code=9)
    assert "--from 的日期「2026-13-01」无法识别" in bad_day.stderr and "YYYY-MM-DD" in bad_day.stderr
    backwards = run(data, "audit", "log", "--from", "2026-12-08", "--to", "2026-12-01", check_code=9)
    assert "晚于截止日期" in backwards.stderr
    assert "请选择一种导出格式" in run(data, "audit", "export", check_code=9).stderr
    assert "请选择一种导出格式" in run(data, "audit", "export", "--csv", "--xlsx", "x.xlsx", check_code=9).stderr
    assert "--out 只用于 --csv" in run(data, "audit", "export", "--xlsx", "x.xlsx", "--out", "y",
                                      check_code=9).stderr
    assert "操作「改了」无效" in run(data, "audit", "export", "--csv", "--action", "改了", check_code=9).stderr


# --- audit export --------------------------------------------------------------------------------

def exports(data) -> list[dict]:
    return events(data, "--action", "exported")


def test_audit_export_needs_a_user_and_exports_nothing_without_one(office):
    data, _, _ = office
    before = len(events(data))
    refused = run(data, "audit", "export", "--csv", env={"WENSHU_USER": ""}, check_code=22)
    assert refused.stdout == "" and "--user" in refused.stderr
    assert len(events(data)) == before


def test_audit_export_csv_has_the_bom_the_filtered_events_and_is_audited(office, tmp_path):
    data, first, _ = office
    text = run(data, "audit", "export", "--csv", "--action", "更正").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:6] == ["序号", "时间", "操作人", "操作", "登记号", "详情"]
    assert [(row[3], row[4], row[6]) for row in rows[1:]] == [("更正", first, "corrected")]
    assert json.loads(rows[1][8])["reason"] == "笔误"
    last = exports(data)[-1]
    assert (last["actor"], last["details"]) == (TEST_USER, {"what": "audit.csv", "filters": {"action": "corrected"},
                                                            "count": 1, "destination": "stdout"})
    path = tmp_path / "审计.csv"
    run(data, "audit", "export", "--csv", "--out", str(path), "--actor", "系统")
    written = path.read_text(encoding="utf-8")
    assert written.startswith("\ufeff") and {row[2] for row in csv.reader(io.StringIO(written[1:]))} == {"操作人", "系统"}
    assert exports(data)[-1]["details"]["destination"] == str(path.resolve())


def test_audit_export_xlsx_reads_back_typed_frozen_and_without_its_own_event(office, tmp_path):
    data, _, _ = office
    before = events(data)
    path = tmp_path / "审计日志.xlsx"
    done = run(data, "audit", "export", "--xlsx", str(path), "--from", today())
    assert f"已导出 {len(before)} 条审计事件" in done.stderr
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:K{len(before) + 1}"
    assert sheet.page_setup.orientation == "landscape"
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == [event["seq"] for event in before]
    moment = rows[0][1]
    assert moment.is_date and moment.value == datetime.fromisoformat(before[0]["at"]).astimezone(ZONE).replace(
        tzinfo=None, microsecond=0)
    assert [row[3].value for row in rows] == [ACTION_LABELS[event["action"]] for event in before]
    assert [row[7].value for row in rows] == [event["at"] for event in before]   # the hashed UTC text, as stored
    last = exports(data)[-1]
    assert last["details"] == {"what": "audit.xlsx", "filters": {"date_from": today()}, "count": len(before),
                               "destination": str(path.resolve())}
    run(data, "audit", "verify")
