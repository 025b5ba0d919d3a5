"""Issue 14, item 18: small inputs that gave a traceback, nothing, or a wrong record."""

from __future__ import annotations

import json

import pytest

from tests.cli import run, run_json
from tests.conftest import SAMPLES


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    run(data, "ingest", str(SAMPLES / "notice_table_header.docx"), str(SAMPLES / "request_truetype_wqy.pdf"))
    return data


def test_log_xlsx_to_a_folder_is_a_clear_error_and_leaves_nothing(data, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    result = run(data, "log", "--xlsx", str(folder), check_code=9)
    assert "是文件夹" in result.stderr and "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []


def test_an_export_records_where_it_went(data, tmp_path):
    target = tmp_path / "out" / "登记簿.xlsx"
    run(data, "log", "--xlsx", str(target))
    run(data, "log", "--csv")
    exports = [e["details"] for e in run_json(data, "audit", "log") if e["action"] == "exported"]
    assert [e["destination"] for e in exports] == [str(target.resolve()), "stdout"]


def test_an_unknown_direction_is_an_error(data):
    assert "收文、发文" in run(data, "log", "--direction", "xyz", check_code=9).stderr


def test_a_date_out_of_any_plausible_range_is_refused(data):
    reg_no = run_json(data, "log")[0]["reg_no"]
    result = run(data, "correct", reg_no, "成文日期", "0001-01-01", "--reason", "补录", check_code=9)
    assert "1900—2100" in result.stderr
    assert run_json(data, "show", reg_no)["date"] != "0001-01-01"


def test_boolean_words_in_a_search(data):
    found = run_json(data, "search", "通知 AND NOT 请示")
    assert [hit["doc_type"] for hit in found["hits"]] == ["通知"]
    assert "excluded" in json.dumps(found["understood_as"], ensure_ascii=False)
    assert "不支持 OR" in run(data, "search", "通知 OR 请示", check_code=9).stderr
