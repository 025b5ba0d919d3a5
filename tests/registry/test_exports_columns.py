"""The 登记簿 for auditors (issue 17): 登记人, 作废原因 and 最后更正 in the JSON record, the CSV
(with its BOM) and the Excel file (typed dates, widths, a frozen heading row, an autofilter,
landscape print), on a real registry (SQLite, and PostgreSQL where one is given)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from registry import corrections, queries
from registry.db import open_registry
from registry.exports import (FIELDS, HEADINGS, MAX_WIDTH, WIDTH_SAMPLE, record_json, write_csv, write_table_xlsx,
                              write_xlsx)
from registry.records import Intake, register

CLERK = "wen.shu"
CORRECTOR = "zhang.li"


def _register(engine, settings, n: int, **fields) -> str:
    intake = Intake(direction="收文", file_name=f"文件{n}.txt", sha256=f"{n:064x}", stored_path=f"store/{n}",
                    text=f"正文 {n}", fields={"title": f"关于第{n}项工作的通知", **fields})
    return register(engine, settings, intake, actor=CLERK).reg_no


@pytest.fixture
def office(db_settings):
    """Three records: one corrected twice, one voided, one 涉密 and corrected."""
    engine = open_registry(db_settings)
    corrected = _register(engine, db_settings, 1, date=date(2026, 11, 30), deadline=date(2026, 12, 20))
    voided = _register(engine, db_settings, 2)
    secret = _register(engine, db_settings, 3, secrecy="秘密")
    corrections.correct(engine, db_settings, corrected, "title", "关于第一项工作的通知", CLERK, reason="笔误")
    corrections.correct(engine, db_settings, corrected, "发文机关", "东湖大学教务处", CORRECTOR, reason="补录")
    corrections.correct(engine, db_settings, secret, "title", "关于另一项工作的通知", CORRECTOR, reason="笔误")
    corrections.void(engine, voided, "重复扫描", CLERK)
    return engine, db_settings, {"corrected": corrected, "voided": voided, "secret": secret}


def _rows(engine, settings, **kwargs) -> dict[str, dict]:
    return {document.reg_no: record_json(document, settings)
            for document in queries.log(engine, settings, queries.LogFilter(), **kwargs)}


def test_the_three_columns_are_appended_and_the_old_ones_keep_their_place():
    names = [name for name, _ in FIELDS]
    assert names[-3:] == ["registered_by", "void_reason", "last_corrected"]
    assert HEADINGS[-3:] == ("登记人", "作废原因", "最后更正")
    assert names[:3] == ["reg_no", "series", "seq"] and len(set(names)) == len(names)


def test_the_record_names_who_registered_why_voided_and_the_newest_correction(office):
    engine, settings, numbers = office
    rows = _rows(engine, settings)
    corrected, voided = rows[numbers["corrected"]], rows[numbers["voided"]]
    assert corrected["registered_by"] == voided["registered_by"] == CLERK
    assert (voided["status"], voided["void_reason"], voided["last_corrected"]) == ("已作废", "重复扫描", None)
    assert corrected["void_reason"] is None
    # the newest of its two corrections: office time to the minute, the field's heading, who
    when, rest = corrected["last_corrected"][:16], corrected["last_corrected"][17:]
    assert rest == f"发文机关（{CORRECTOR}）"
    moment = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=settings.zone)
    assert abs(datetime.now(settings.zone) - moment) < timedelta(minutes=5)
    # show --json reads the record the same way
    assert record_json(queries.get(engine, numbers["corrected"]), settings, with_text=True)["last_corrected"] == \
        corrected["last_corrected"]
    page = queries.log_page(engine, settings, queries.LogFilter(), clearance=queries.UNRESTRICTED)
    assert {row.reg_no: record_json(row, settings)["last_corrected"] for row in page.rows} == \
        {reg_no: row["last_corrected"] for reg_no, row in rows.items()}


def test_the_newest_corrections_are_read_with_the_rows_not_one_query_per_row(office):
    engine, settings, numbers = office
    for n in range(4, 24):
        reg_no = _register(engine, settings, n)
        corrections.correct(engine, settings, reg_no, "title", f"关于第{n}项工作的更正通知", CLERK, reason="笔误")
    statements = []

    def counted(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        rows = _rows(engine, settings)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert len(rows) == 23 and sum(row["last_corrected"] is not None for row in rows.values()) == 22
    assert len([statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]) == 1


def test_a_masked_row_keeps_its_correction_and_void_reason_to_itself(office):
    engine, settings, numbers = office
    rows = _rows(engine, settings, clearance=None, mask=True)   # an auditor without clearance
    secret = rows[numbers["secret"]]
    assert secret["title"] == queries.MASKED_TITLE and secret["last_corrected"] is None
    assert secret["registered_by"] == CLERK      # kept, as its number and time, so no gap is unexplained
    assert rows[numbers["corrected"]]["last_corrected"].endswith(f"（{CORRECTOR}）")
    assert numbers["secret"] not in _rows(engine, settings, clearance=None)


def test_the_csv_starts_with_a_bom_and_has_the_three_columns(office):
    engine, settings, numbers = office
    out = io.StringIO()
    count = write_csv(_rows(engine, settings).values(), out)
    text = out.getvalue()
    assert count == 3 and text.startswith("\ufeff登记号,")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == list(HEADINGS)
    voided = next(row for row in table if row[0] == numbers["voided"])
    assert voided[-3:] == [CLERK, "重复扫描", ""]


def test_the_xlsx_has_typed_cells_widths_a_frozen_heading_an_autofilter_and_print_setup(office, tmp_path):
    engine, settings, numbers = office
    path = tmp_path / "登记簿.xlsx"
    assert write_xlsx(_rows(engine, settings).values(), path) == 3
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(HEADINGS)).column_letter}4"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True and sheet.print_title_rows == "$1:$1"
    assert [cell.value for cell in sheet[1]] == list(HEADINGS) and sheet.cell(1, 1).font.bold
    column = {heading: n for n, heading in enumerate(HEADINGS, start=1)}
    row = next(r for r in range(2, 5) if sheet.cell(r, 1).value == numbers["corrected"])
    registered = sheet.cell(row, column["登记时间"])
    assert isinstance(registered.value, datetime) and registered.value.tzinfo is None
    assert registered.number_format == "yyyy-mm-dd hh:mm" and registered.is_date
    local = queries.get(engine, numbers["corrected"]).registered_at
    assert registered.value == local.astimezone(settings.zone).replace(tzinfo=None, microsecond=0)
    written = sheet.cell(row, column["成文日期"])
    assert written.is_date and written.value.date() == date(2026, 11, 30) and written.number_format == "yyyy-mm-dd"
    assert sheet.cell(row, column["办理时限"]).value.date() == date(2026, 12, 20)
    assert sheet.cell(row, column["序号"]).data_type == "n" and sheet.cell(row, column["页数"]).value is None
    assert sheet.cell(row, column["登记人"]).value == CLERK
    assert sheet.cell(row, column["最后更正"]).value.endswith(f"发文机关（{CORRECTOR}）")
    voided = next(r for r in range(2, 5) if sheet.cell(r, 1).value == numbers["voided"])
    assert sheet.cell(voided, column["作废原因"]).value == "重复扫描"
    assert sheet.cell(voided, column["成文日期"]).value is None     # an empty cell, not ""
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    title = sheet.cell(1, column["标题"]).column_letter
    assert widths[title] >= 2 * len("关于第一项工作的通知") and all(6 <= width <= MAX_WIDTH for width in widths.values())


def test_widths_count_chinese_double_stop_at_the_cap_and_every_row_is_still_written(tmp_path):
    path = tmp_path / "表.xlsx"
    rows = ([n, "甲" * 10 if n == 1 else "x", "y" * 200] for n in range(1, WIDTH_SAMPLE + 51))
    assert write_table_xlsx(["序号", "标题", "长"], rows, path, "表") == WIDTH_SAMPLE + 50
    sheet = load_workbook(path, read_only=False).active
    assert sheet.max_row == WIDTH_SAMPLE + 51 and sheet.auto_filter.ref == f"A1:C{WIDTH_SAMPLE + 51}"
    assert sheet.column_dimensions["B"].width == 22 and sheet.column_dimensions["C"].width == MAX_WIDTH


def test_an_xlsx_path_that_is_a_folder_is_a_chinese_error(tmp_path):
    from core.errors import InvalidValue

    with pytest.raises(InvalidValue, match="是文件夹"):
        write_xlsx([], tmp_path)
