"""The 归档文件目录 and 备考表 (issue 17): a year filed through the real registry (tests/archive_year.py),
one of its 件 changed by 档案更正 afterwards; the files read back with openpyxl and python-docx; the
command end to end against the same data directory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import docx
import openpyxl
import pytest

from core.errors import InvalidValue
from core.vocab import UNRESTRICTED
from pipeline import archive_catalogue as catalogue
from pipeline.archiving import boxes
from registry import archive_file, archive_plan, auditlog
from registry.archive_plan import Category
from tests.archive_year import YEAR, archive_year
from tests.cli import SAMPLE_OFFICE_ENV, TEST_USER, run, run_json
from tests.web.conftest import SECRET_TITLE, Office, make_office

# DA/T 22-2015's columns, written out here rather than imported: the acceptance test of issue 17
DA_T_22 = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
CORRECTED_TITLE = "东湖大学关于公布2026年校历（修订）的通知"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """A filed 2026 (filed by ``clerk``, 李文书), the 校历 通知's 标题 then corrected by 档案更正."""
    made = make_office(tmp_path_factory.mktemp("catalogue"), samples=True,
                       template_root=tmp_path_factory.getbasetemp())
    archive_year(made)
    archive_file.file_year(made.engine, made.settings, YEAR, "clerk")
    archive_file.correct_filed(made.engine, made.settings, made.records["calendar"], "标题", CORRECTED_TITLE,
                               "clerk", reason="原件标题印错，据学校更正通知")
    yield made
    made.close()


@pytest.fixture(scope="module")
def categories(office: Office) -> tuple[Category, ...]:
    found = archive_plan.filed(office.engine, office.settings, YEAR)
    assert len(found) >= 4
    return found


@pytest.fixture(scope="module")
def workbook(office: Office, categories: tuple[Category, ...], tmp_path_factory: pytest.TempPathFactory):
    path = catalogue.write_catalogue_xlsx(categories, office.settings, tmp_path_factory.mktemp("xlsx") / "目录.xlsx")
    return openpyxl.load_workbook(path)


def header_row(sheet) -> int:
    """The row whose first cell is 序号: the cover block sits above it."""
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == "序号")


def beside(sheet, label: str):
    """The value in the cell right of ``label`` in the cover block."""
    for row in sheet.iter_rows(max_row=header_row(sheet) - 1):
        for cell in row:
            if cell.value == label:
                return sheet.cell(cell.row, cell.column + 1).value
    raise AssertionError(f"no {label} on {sheet.title}")


def body(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=header_row(sheet) + 1, values_only=True) if any(row)]


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- the 归档文件目录 as a workbook ---------------------------------------------------------------

def test_the_xlsx_read_back_has_exactly_the_da_t_22_columns_on_a_sheet_per_filed_category(workbook, categories):
    assert workbook.sheetnames == [c.code for c in categories]
    for sheet in workbook.worksheets:
        header = header_row(sheet)
        assert header > 1   # the cover comes first
        assert [cell.value for cell in sheet[header]] == DA_T_22


def test_each_row_is_one_filed_item_typed_as_the_standard_prints_it(workbook, categories, office: Office):
    for category in categories:
        rows = body(workbook[category.code])
        assert [row[0] for row in rows] == list(range(1, len(category.items) + 1))   # 序号: ints from 1
        for row, item in zip(rows, category.items, strict=True):
            number, code, doc_number, issuer, title, day, secrecy, pages, note = row
            assert code == item.archive_code and item.filed
            assert (doc_number, issuer, pages) == (item.doc_number, item.issuer, item.pages)
            assert isinstance(pages, int)
            assert isinstance(day, str) and re.fullmatch(r"\d{8}", day) and day == item.date.strftime("%Y%m%d")
            assert title == item.title and not title.startswith("〔")
            assert secrecy == (item.secrecy or None)
    secret = next(c for c in categories if any(i.secrecy for i in c.items))
    assert [row[6] for row in body(workbook[secret.code])] == ["秘密"]
    assert CORRECTED_TITLE in [row[4] for c in categories for row in body(workbook[c.code])]  # as corrected


def test_the_cover_block_names_the_fonds_year_period_and_unit(workbook, categories, office: Office):
    for category in categories:
        sheet = workbook[category.code]
        assert sheet["A1"].value == "归档文件目录"
        assert beside(sheet, "全宗名称") == office.settings.fonds_name == "东湖大学化学化工学院"
        assert beside(sheet, "全宗号") == category.fonds_code
        assert beside(sheet, "年度") == YEAR
        assert beside(sheet, "保管期限") == category.retention
        assert beside(sheet, "机构（问题）") == f"{category.unit_name}（{category.unit_code}）"


def test_the_sheet_prints_on_a4_with_the_header_on_every_page(workbook):
    for sheet in workbook.worksheets:
        header = header_row(sheet)
        # openpyxl's constant is the string '9'; a sheet read back gives the int 9
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert sheet.page_setup.orientation == sheet.ORIENTATION_PORTRAIT
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == f"${header}:${header}"
        assert sheet.freeze_panes == f"A{header + 1}"
        assert sheet.cell(header, 1).font.b
        assert sheet.cell(header + 1, 5).alignment.wrap_text          # 题名 wraps
        assert sheet.cell(header + 1, 6).number_format == "@"         # 日期 is text
        widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
        assert widths["E"] > widths["B"] > widths["A"]   # 题名 widest, 档号 fitted, 序号 narrow


def test_a_title_the_office_wrote_is_in_brackets_and_a_missing_one_is_its_file_name(office: Office, categories,
                                                                                   tmp_path: Path):
    first, second, *_ = (i for c in categories for i in c.items if not i.secrecy)
    late = datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc)   # 2027-01-01 in the office (UTC+8)
    made = replace(categories[0], items=(
        replace(first, title="关于实验室开放时间的说明", title_supplied=True),
        replace(second, title=None, date=None, registered_at=late, file_name="扫描件0007.pdf", secrecy="非密",
                note="答复 东大人函〔2026〕12号"),
        replace(first, title="〔已有括号的题名〕", title_supplied=True)))
    sheet = openpyxl.load_workbook(catalogue.write_catalogue_xlsx([made], office.settings, tmp_path / "x.xlsx")).active
    rows = body(sheet)
    assert rows[0][4] == "〔关于实验室开放时间的说明〕"
    assert rows[1][4] == "〔扫描件0007〕"
    assert rows[1][8] == "答复 东大人函〔2026〕12号；" + catalogue.NO_TITLE_NOTE
    assert rows[1][5] == "20270101"         # undated: the office's day of registration
    assert rows[1][6] is None               # 非密 is no 密级
    assert rows[2][4] == "〔已有括号的题名〕"


def test_a_sheet_title_keeps_to_excels_rules():
    taken: set[str] = set()
    title = catalogue.sheet_title("'0001-WS·2026/Y:BGS*[甲]?\\" + "乙" * 40, taken)
    assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title) and not title.startswith("'")
    again = catalogue.sheet_title("'0001-WS·2026/Y:BGS*[甲]?\\" + "乙" * 40, taken)
    assert again != title and len(again) <= 31


def test_a_folder_or_a_path_that_cannot_be_written_is_a_clear_error(office: Office, categories, tmp_path: Path):
    with pytest.raises(InvalidValue, match="是文件夹"):
        catalogue.write_catalogue_xlsx(categories, office.settings, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for write in (catalogue.write_catalogue_xlsx, catalogue.write_catalogue_docx):
        with pytest.raises(InvalidValue, match="无法写入"):
            write(categories, office.settings, blocker / "目录.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]   # no half file left
    target = tmp_path / "目录.xlsx"
    target.write_bytes(b"old")
    catalogue.write_catalogue_xlsx(categories, office.settings, target)   # replaced whole
    assert openpyxl.load_workbook(target).sheetnames and not list(tmp_path.glob(".*partial"))


# --- the 归档文件目录 in Word --------------------------------------------------------------------

def test_the_docx_has_a_cover_and_a_table_of_the_nine_columns_per_category(office: Office, categories,
                                                                           tmp_path: Path):
    document = docx.Document(str(catalogue.write_catalogue_docx(categories, office.settings, tmp_path / "目录.docx")))
    assert len(document.tables) == len(categories)
    covers = [p.text for p in document.paragraphs if p.text.startswith("全宗名称：")]
    assert covers == [f"全宗名称：{office.settings.fonds_name}"] * len(categories)
    units = [p.text for p in document.paragraphs if p.text.startswith("机构（问题）：")]
    assert units == [f"机构（问题）：{c.unit_name}（{c.unit_code}）" for c in categories]
    for table, category in zip(document.tables, categories, strict=True):
        assert [cell.text for cell in table.rows[0].cells] == DA_T_22
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")   # repeated on every page
        assert [row.cells[1].text for row in table.rows[1:]] == [i.archive_code for i in category.items]
        assert [row.cells[0].text for row in table.rows[1:]] == [str(n) for n in range(1, len(category.items) + 1)]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "宋体" in set(document.element.xpath("//w:rFonts/@w:eastAsia")) | set(
        document.styles.element.xpath("//w:rFonts/@w:eastAsia"))
    page_breaks = document.element.xpath("//w:br[@w:type='page']")
    assert len(page_breaks) == 2 * len(categories) - 1   # after each cover, and between categories


# --- the 备考表 ------------------------------------------------------------------------------------

def small_boxes(office: Office):
    """The office's settings with boxes of 1 page: every 件 in a box of its own."""
    return office.settings.model_copy(update={"archive": office.settings.archive.model_copy(update={"box_pages": 1})})


def test_one_box_note_per_box_with_organizer_checker_and_day(office: Office, categories, tmp_path: Path):
    settings = small_boxes(office)
    expected = [box for c in categories for box in boxes(c, settings)]
    assert len(expected) > len(categories)
    path = catalogue.write_box_notes_docx(categories, settings, tmp_path / "备考表.docx", engine=office.engine,
                                          organizer="李文书", checker="王检查", day=date(2027, 1, 5))
    document = docx.Document(str(path))
    assert [p.text for p in document.paragraphs if p.text == "备考表"] == ["备考表"] * len(expected)
    assert [p.text for p in document.paragraphs if p.text.startswith("整理人")] == ["整理人：李文书"] * len(expected)
    assert [p.text for p in document.paragraphs if p.text.startswith("检查人")] == ["检查人：王检查"] * len(expected)
    assert [p.text for p in document.paragraphs if p.text.startswith("日期")] == ["日期：2027年1月5日"] * len(expected)
    identities = document.tables[0::2]
    assert len(identities) == len(expected)
    for table, box in zip(identities, expected, strict=True):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells[0] == ["全宗号", box.category.fonds_code, "年度", str(YEAR), "保管期限", box.category.retention]
        assert cells[1][2:] == ["起止件号", f"{box.first_item:04d}—{box.last_item:04d}", "盒号", str(box.number)]
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=0.5)


def test_the_note_says_what_happened_to_the_items_and_never_names_a_secret_one(office: Office, categories,
                                                                               tmp_path: Path):
    notes = catalogue.box_notes(office.engine, office.settings, categories)
    assert len(notes) == len(categories)   # 200 pages a box: one box each
    said = {note.box.category.code: "".join(note.remarks) for note in notes}
    calendar = next(i for c in categories for i in c.items if i.reg_no == office.records["calendar"])
    corrected = said[calendar.archive_code.rsplit("-", 1)[0]]
    assert f"{calendar.archive_code} 归档后经档案更正：标题（" in corrected
    assert catalogue.COMPLETE not in corrected
    secret = next(c for c in categories if any(i.secrecy for i in c.items))
    assert "其中涉密文件 1 件（秘密 1 件）" in said[secret.code]
    assert catalogue.COMPLETE in said[secret.code]
    for category in categories:
        assert said[category.code].startswith(f"本盒共 {len(category.items)} 件，{category.pages} 页。")
    path = catalogue.write_box_notes_docx(categories, office.settings, tmp_path / "备考表.docx", engine=office.engine,
                                          organizer="李文书", checker=None, day=date(2027, 1, 5))
    text = all_text(docx.Document(str(path)))
    assert SECRET_TITLE not in text and "盒内文件情况说明" in text
    assert "检查人：" in text and "检查人：王" not in text   # a line to sign


def test_an_item_without_pages_or_filed_later_is_noted(office: Office, categories):
    category = max(categories, key=lambda c: len(c.items))
    first, second, *rest = category.items
    later = second.filed_at + timedelta(days=40)
    changed = replace(category, items=(first, replace(second, pages=None, filed_at=later), *rest))
    [note] = catalogue.box_notes(office.engine, office.settings, [changed])
    text = "".join(note.remarks)
    assert f"{second.archive_code} 未记页数" in text
    assert f"{second.archive_code} 于 {later.astimezone(office.settings.zone):%Y}年" in text and "补充归档" in text
    assert catalogue.COMPLETE not in text


def test_the_organizer_is_who_filed_the_year_by_display_name(office: Office):
    assert catalogue.organizer_of(office.engine, office.settings, YEAR) == "李文书"
    assert catalogue.organizer_of(office.engine, office.settings, YEAR - 1) is None


# --- wenshu archive catalogue ------------------------------------------------------------------------

def test_wenshu_archive_catalogue_writes_the_three_files_and_records_the_export(office: Office, categories,
                                                                                tmp_path: Path):
    folder = tmp_path / "归档" / "2026"
    result = run(office.settings.data_dir, "archive", "catalogue", "--year", str(YEAR), "--out", str(folder),
                 "--checker", "王检查")
    names = [f"归档文件目录-{YEAR}.xlsx", f"归档文件目录-{YEAR}.docx", f"备考表-{YEAR}.docx"]
    for name in names:
        assert str(folder / name) in result.stdout.replace("\n", "")
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    sheet_names = openpyxl.load_workbook(folder / names[0]).sheetnames
    assert sheet_names == [c.code for c in categories]
    notes = all_text(docx.Document(str(folder / names[2])))
    assert "整理人：李文书" in notes and "检查人：王检查" in notes   # who filed, by display name
    exported = list(auditlog.events(office.engine, office.settings, auditlog.AuditFilter(action="exported"),
                                    clearance=UNRESTRICTED))[-1]
    assert exported.actor == TEST_USER
    assert exported.details == {"what": "archive.catalogue", "filters": {"year": YEAR},
                                "count": sum(len(c.items) for c in categories), "destination": str(folder)}
    shown = run_json(office.settings.data_dir, "archive", "catalogue", "--year", str(YEAR), "--out", str(folder),
                     "--organizer", "张整理")
    assert shown["files"] == [str(folder / name) for name in names] and shown["boxes"] == len(categories)
    assert "整理人：张整理" in all_text(docx.Document(str(folder / names[2])))


def test_wenshu_archive_catalogue_refuses_a_year_not_filed_and_needs_a_user(tmp_path: Path):
    plain = make_office(tmp_path / "plain")
    try:
        folder = tmp_path / "out"
        refused = run(plain.settings.data_dir, "archive", "catalogue", "--year", str(YEAR), "--out", str(folder),
                      check_code=9)
        assert "请先 archive file" in refused.stderr
        assert not folder.exists()
        assert not list(auditlog.events(plain.engine, plain.settings, auditlog.AuditFilter(action="exported"),
                                        clearance=UNRESTRICTED))
        nobody = run(plain.settings.data_dir, "archive", "catalogue", "--year", str(YEAR), "--out", str(folder),
                     env={**SAMPLE_OFFICE_ENV, "WENSHU_USER": ""}, check_code=22)
        assert "--user" in nobody.stderr
    finally:
        plain.close()
