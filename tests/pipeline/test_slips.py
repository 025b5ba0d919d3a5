"""The 文书处理单 (issue 16): real records registered through the pipeline, the Word file made
from the shipped template (or the office's own), opened again with python-docx and each field
looked up in the cell beside its label."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument

from core.errors import InvalidValue, NotFound
from core.settings import Settings, load_settings
from core.vocab import INCOMING, OUTGOING, SYSTEM_ACTOR, Status
from pipeline.handling import act
from pipeline.ingest import Context, ingest_file
from pipeline.slips import READER_ROWS, SHIPPED, make_slip, slip_docx, slip_record
from registry import queries, users
from pipeline.database import open_registry
from registry.handling import Handling, Opinion, ReaderState
from tests.cli import SAMPLE_OFFICE_ENV, run
from tests.pipeline.test_secret_withheld import REPORT_BODY, REPORT_HEAD, REPORT_TAIL, body_runs, leaks

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NAMES = {"clerk": "李文书", "leader": "赵院长", "handler": "钱承办", "reader": "孙阅文"}
ROLES = {"clerk": "clerk", "leader": "leader", "handler": "handler", "reader": "handler"}
BULLETIN = """东湖大学文件
东大发〔2026〕40号
关于表彰2026年度优秀教师的决定
各学院、各部门：
经研究，决定表彰张三等10名同志为优秀教师。
东湖大学
2026年11月20日
"""
LETTER = """东湖大学教务处
关于报送2027年春季学期课程安排的通知
各学院：
请于12月20日前报送2027年春季学期课程安排表。
附件：课程安排表
东湖大学教务处
2026年12月1日
"""
OUR_REQUEST = """东湖大学化学化工学院
化学院〔2026〕15号
东湖大学化学化工学院关于增拨实验耗材经费的请示
学校：
我院拟申请增拨实验耗材经费十万元。妥否，请批示。
东湖大学化学化工学院
2026年12月3日
"""


@dataclass
class Office:
    settings: Settings
    engine: object
    records: dict[str, str] = field(default_factory=dict)


def register(office: Office, path: Path, direction: str = INCOMING) -> str:
    outcome = ingest_file(path, Context(settings=office.settings, engine=office.engine, actor="clerk"),
                          direction=direction)
    assert outcome.status == Status.REGISTERED, outcome
    return outcome.reg_no


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """An office with users of display names, a 办件 (the 通知 docx), a 阅件 (a 决定), a 秘密 报告
    and a 发文 of ours."""
    root = tmp_path_factory.mktemp("slips")
    settings = load_settings(data_dir=root / "data", env=SAMPLE_OFFICE_ENV)
    settings.data_dir.mkdir(parents=True)
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    engine = open_registry(settings)
    for name, display in NAMES.items():
        users.add_user(engine, name, roles=[ROLES[name]], password="wenshu-ceshi-2026", actor=SYSTEM_ACTOR,
                       display_name=display)
    made = Office(settings, engine)
    work = root / "work"
    work.mkdir()
    made.records["notice"] = register(made, Path(shutil.copy(SAMPLES / "notice_table_header.docx", work)))
    for key, text, direction in (("bulletin", BULLETIN, INCOMING), ("secret", REPORT_HEAD + REPORT_BODY + REPORT_TAIL,
                                                                      INCOMING), ("ours", OUR_REQUEST, OUTGOING)):
        path = work / f"{key}.txt"
        path.write_text(text, encoding="utf-8")
        made.records[key] = register(made, path, direction)
    yield made
    engine.dispose()


# --- reading a .docx back ------------------------------------------------------------------------

def open_docx(content: bytes) -> DocxDocument:
    return docx.Document(BytesIO(content))


def cell_text(cell) -> str:
    return "\n".join(paragraph.text for paragraph in cell.paragraphs).strip()


def beside(document: DocxDocument, label: str) -> str:
    """The text of the cell right of the cell that says ``label`` (merged cells counted once)."""
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if not cells or cell._tc is not cells[-1]._tc:
                    cells.append(cell)
            for n, cell in enumerate(cells[:-1]):
                if cell_text(cell) == label:
                    return cell_text(cells[n + 1])
    raise AssertionError(f"no cell labelled {label!r}")


def reader_rows(document: DocxDocument) -> list[list[str]]:
    """The 传阅 rows of a 阅文处理单: those after the 姓名 | 阅文日期 | 意见 row, before 备注."""
    rows, inside = [], False
    for row in document.tables[0].rows:
        texts = [cell_text(cell) for cell in row.cells]
        if texts[:2] == ["姓名", "阅文日期"]:
            inside = True
        elif texts[0] == "备注":
            inside = False
        elif inside:
            rows.append([texts[0], texts[1], texts[2]])
    return rows


def all_text(document: DocxDocument) -> str:
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell_text(cell) for cell in row.cells]
    return "\n".join(parts)


def moment(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, 30, tzinfo=timezone.utc)   # 10:30 in the office (Asia/Shanghai)


def handling(reg_no: str, **values) -> Handling:
    base = dict(reg_no=reg_no, item=0, route="办件", state="待拟办", lead=(), assist=(), lead_department=None,
                holder=None, deadline=None, ordered=False, subject=None, opened_at=None, closed_at=None,
                closed_by=None, opinions=(), readers=(), urges=())
    return Handling(**{**base, **values})


# --- the 收文处理笺 of a 办件 ----------------------------------------------------------------------------

def test_a_banjian_slip_holds_each_field_of_the_record_in_its_cell(office: Office):
    made = make_slip(office.engine, office.settings, office.records["notice"].replace("〔", "[").replace("〕", "]"))
    document = queries.get(office.engine, office.records["notice"])
    registered = document.registered_at.astimezone(office.settings.zone).date()
    assert made.form == "收文处理笺" and made.file_name == f"文书处理单-{document.reg_no}.docx"
    slip = open_docx(made.content)
    assert slip.paragraphs[0].text == "东湖大学化学化工学院收文处理笺"
    assert beside(slip, "收文编号") == document.reg_no
    assert beside(slip, "收文日期") == f"{registered.year}年{registered.month}月{registered.day}日"
    assert beside(slip, "来文单位") == document.issuer == "东湖大学教务处"
    assert beside(slip, "来文字号") == document.doc_number
    assert beside(slip, "标题") == document.title
    assert beside(slip, "紧急程度") == (document.urgency or "")
    assert beside(slip, "密级") == ""
    assert beside(slip, "页数") == str(document.pages)
    assert beside(slip, "附件") == "期末考试安排表；监考教师守则"
    assert beside(slip, "办理时限") == f"{document.deadline.year}年{document.deadline.month}月{document.deadline.day}日"
    assert beside(slip, "办理状态") == "待拟办"   # no one has acted yet: the state its kind implies
    # nothing recorded: each opinion cell is a line to sign by hand
    for label, signer in (("拟办意见", "拟办人"), ("领导批示", "批示人"), ("承办意见", "承办人"), ("办理结果", "承办人")):
        assert beside(slip, label).startswith(f"{signer}：") and beside(slip, label).endswith("年\u3000\u3000月\u3000\u3000日")
    assert beside(slip, "办结日期") == "" and beside(slip, "备注") == ""


def test_recorded_opinions_fill_their_cells_each_with_who_and_when(office: Office):
    reg_no = office.records["notice"]
    record = slip_record(queries.get(office.engine, reg_no), office.settings)
    recorded = handling(reg_no, state="已办结", lead=("handler",), assist=("reader",), lead_department="教学办",
                        deadline=date(2026, 12, 9), closed_at=moment(8), closed_by="handler", opinions=(
                            Opinion("拟办意见", "clerk", moment(2), "拟请赵院长阅示，教学办办理。"),
                            Opinion("领导批示", "leader", moment(3), "同意，请教学办于12月9日前报送。"),
                            Opinion("领导批示", "leader", moment(4, 1), "另请抄送各系。"),
                            Opinion("承办意见", "handler", moment(5), "已通知各系排考。"),
                            Opinion("办理结果", "handler", moment(8), "已于12月8日报送考试安排表。"),
                            Opinion("催办", "clerk", moment(6, 23), "请抓紧报送"),
                        ))
    slip = open_docx(slip_docx(record, recorded, office.settings, NAMES))
    assert beside(slip, "拟办意见") == "拟请赵院长阅示，教学办办理。\n拟办人：李文书\u30002026年12月2日"
    assert beside(slip, "领导批示") == ("同意，请教学办于12月9日前报送。\n批示人：赵院长\u30002026年12月3日\n"
                                    "另请抄送各系。\n批示人：赵院长\u30002026年12月4日")
    assert beside(slip, "承办单位/人") == "教学办；主办：钱承办；协办：孙阅文"
    assert beside(slip, "承办意见") == "已通知各系排考。\n承办人：钱承办\u30002026年12月5日"
    assert beside(slip, "办理结果") == "已于12月8日报送考试安排表。\n承办人：钱承办\u30002026年12月8日"
    assert beside(slip, "办结日期") == "2026年12月8日"
    assert beside(slip, "办理时限") == "2026年12月9日"       # the handling's 时限 over the record's
    assert beside(slip, "办理状态") == "已办结"
    assert beside(slip, "备注") == "催办：请抓紧报送（李文书，2026年12月7日）"   # 23:30 UTC is the next day here


def test_opinions_recorded_by_real_handling_actions_fill_the_slip(office: Office, tmp_path: Path):
    """拟办 → 批示 (主办, 协办, 时限) → 承办意见 → 办结, each by its user, then the slip."""
    path = tmp_path / "letter.txt"
    path.write_text(LETTER, encoding="utf-8")
    reg_no = register(office, path)
    engine, settings = office.engine, office.settings
    assert queries.get(engine, reg_no).route == "办件"
    act(engine, settings, reg_no, "propose", "clerk", text="拟请赵院长阅示，由教学办办理。")
    act(engine, settings, reg_no, "instruct", "leader", text="请钱承办牵头办理，孙阅文协助。",
        assignees=["handler"], assist=["reader"], deadline="2026-12-18")
    act(engine, settings, reg_no, "progress", "reader", text="已收集各系课程安排。")
    act(engine, settings, reg_no, "finish", "handler", text="已报送教务处。")
    today = settings.today()
    said = f"{today.year}年{today.month}月{today.day}日"
    slip = open_docx(make_slip(engine, settings, reg_no).content)
    assert beside(slip, "拟办意见") == f"拟请赵院长阅示，由教学办办理。\n拟办人：李文书\u3000{said}"
    assert beside(slip, "领导批示") == f"请钱承办牵头办理，孙阅文协助。\n批示人：赵院长\u3000{said}"
    assert beside(slip, "承办单位/人").endswith("主办：钱承办；协办：孙阅文")
    assert beside(slip, "承办意见") == f"已收集各系课程安排。\n承办人：孙阅文\u3000{said}"
    assert beside(slip, "办理结果") == f"已报送教务处。\n承办人：钱承办\u3000{said}"
    assert beside(slip, "办理时限") == "2026年12月18日"
    assert beside(slip, "办结日期") == said and beside(slip, "办理状态") == "已办结"


def test_readers_recorded_by_real_circulation_fill_the_yuewen_rows(office: Office, tmp_path: Path):
    path = tmp_path / "bulletin.txt"
    path.write_text(BULLETIN.replace("40号", "41号").replace("优秀教师", "优秀辅导员"), encoding="utf-8")
    reg_no = register(office, path)
    engine, settings = office.engine, office.settings
    act(engine, settings, reg_no, "circulate", "clerk", readers=["leader", "reader"])
    act(engine, settings, reg_no, "read", "leader", text="已阅，请各系传达。")
    today = settings.today()
    slip = open_docx(make_slip(engine, settings, reg_no).content)
    assert reader_rows(slip) == [["赵院长", f"{today.year}年{today.month}月{today.day}日", "已阅，请各系传达。"],
                                 ["孙阅文", "", ""]] + [["", "", ""]] * (READER_ROWS - 2)


def test_text_that_looks_like_markup_is_printed_as_written(office: Office):
    reg_no = office.records["notice"]
    record = slip_record(queries.get(office.engine, reg_no), office.settings)
    written = "请<b>教学办</b> & 各系 {{ reg_no }} 办理"
    slip = open_docx(slip_docx(record, handling(reg_no, opinions=(Opinion("拟办意见", "clerk", moment(2), written),)),
                               office.settings, NAMES))
    assert beside(slip, "拟办意见").splitlines()[0] == written


# --- the 阅文处理单 of a 阅件 ------------------------------------------------------------------------------

def test_a_yuejian_slip_has_a_row_per_reader_and_blank_rows_to_sign(office: Office):
    reg_no = office.records["bulletin"]
    made = make_slip(office.engine, office.settings, reg_no)
    assert made.form == "阅文处理单"
    slip = open_docx(made.content)
    assert slip.paragraphs[0].text == "东湖大学化学化工学院阅文处理单"
    assert beside(slip, "收文编号") == reg_no and beside(slip, "标题") == "关于表彰2026年度优秀教师的决定"
    assert beside(slip, "领导阅批").startswith("批示人：")
    assert reader_rows(slip) == [["", "", ""]] * READER_ROWS      # nobody recorded: all to sign by hand

    record = slip_record(queries.get(office.engine, reg_no), office.settings)
    circulated = handling(reg_no, route="阅件", state="传阅中", ordered=True, readers=(
        ReaderState("leader", 1, moment(3), "已阅，请各系传达。"),
        ReaderState("handler", 2, moment(4), None),
        ReaderState("reader", 3, None, None)))
    rows = reader_rows(open_docx(slip_docx(record, circulated, office.settings, NAMES)))
    assert rows[:3] == [["赵院长", "2026年12月3日", "已阅，请各系传达。"], ["钱承办", "2026年12月4日", ""],
                        ["孙阅文", "", ""]]
    assert rows[3:] == [["", "", ""]] * (READER_ROWS - 3)

    many = handling(reg_no, route="阅件", state="传阅中",
                    readers=tuple(ReaderState(f"r{n}", n, None, None) for n in range(1, 8)))
    rows = reader_rows(open_docx(slip_docx(record, many, office.settings)))
    assert [row[0] for row in rows] == [f"r{n}" for n in range(1, 8)] + ["", ""]   # two blank rows after them


def test_a_yuejian_a_leader_made_a_banjian_gets_the_banjian_form(office: Office):
    reg_no = office.records["bulletin"]
    record = slip_record(queries.get(office.engine, reg_no), office.settings)
    turned = handling(reg_no, route="办件", state="承办中",
                      opinions=(Opinion("领导批示", "leader", moment(3), "请人事处组织学习。"),))
    slip = open_docx(slip_docx(record, turned, office.settings, NAMES))
    assert slip.paragraphs[0].text.endswith("收文处理笺")
    assert beside(slip, "领导批示").startswith("请人事处组织学习。")


# --- templates -------------------------------------------------------------------------------------

def test_the_offices_own_template_is_used_when_the_data_directory_has_one(office: Office, tmp_path: Path):
    own = office.settings.data_dir / "templates" / "收文处理笺.docx"
    own.parent.mkdir(exist_ok=True)
    template = docx.Document()
    template.add_paragraph("本办自制处理笺 {{ reg_no }}")
    table = template.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "来文单位", "{{ issuer }}"
    template.save(own)
    try:
        slip = open_docx(make_slip(office.engine, office.settings, office.records["notice"]).content)
        assert slip.paragraphs[0].text == f"本办自制处理笺 {office.records['notice']}"
        assert beside(slip, "来文单位") == "东湖大学教务处"
        # a 阅件 still gets the shipped 阅文处理单: the office has not made its own
        assert open_docx(make_slip(office.engine, office.settings, office.records["bulletin"]).content
                         ).paragraphs[0].text.endswith("阅文处理单")
    finally:
        own.unlink()
    assert make_slip(office.engine, office.settings, office.records["notice"]).content  # the shipped one again


def test_the_shipped_templates_are_a4_and_name_chinese_fonts():
    for name in ("shouwen_chulijian.docx", "yuewen_chulidan.docx"):
        template = docx.Document(str(SHIPPED / name))
        section = template.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        fonts = template.element.xpath("//w:rFonts/@w:eastAsia")
        assert {"宋体", "仿宋"} <= set(fonts)


def test_the_shipped_templates_are_what_the_script_builds(tmp_path: Path):
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_slip_templates.py"
    spec = importlib.util.spec_from_file_location("make_slip_templates", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("shouwen_chulijian.docx", "yuewen_chulidan.docx"):  # the parts, not the zip's dates
        with zipfile.ZipFile(tmp_path / name) as built, zipfile.ZipFile(SHIPPED / name) as shipped:
            assert {part: built.read(part) for part in built.namelist()} == \
                   {part: shipped.read(part) for part in shipped.namelist()}, f"run {script.name} again"


# --- what a slip never holds, and who gets one --------------------------------------------------------

def test_a_secret_records_slip_holds_its_metadata_and_none_of_its_body(office: Office):
    reg_no = office.records["secret"]
    text = all_text(open_docx(make_slip(office.engine, office.settings, reg_no).content))
    assert "东湖大学化学化工学院关于实验室危化品清查情况的报告" in text and "秘密" in text
    assert leaks(text, body_runs(REPORT_BODY, REPORT_HEAD + REPORT_TAIL)) == []


def test_a_record_above_the_clearance_has_no_slip_as_if_it_did_not_exist(office: Office):
    with pytest.raises(NotFound):
        make_slip(office.engine, office.settings, office.records["secret"], clearance=None)
    assert make_slip(office.engine, office.settings, office.records["secret"], clearance="秘密").form == "阅文处理单"


def test_a_fawen_has_no_slip(office: Office):
    with pytest.raises(InvalidValue, match="文书处理单只用于收文"):
        make_slip(office.engine, office.settings, office.records["ours"])


def test_wenshu_slip_writes_the_docx_here_or_where_told(office: Office, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    reg_no = office.records["notice"]
    env = SAMPLE_OFFICE_ENV | {"WENSHU_USER": ""}   # it reads only: no acting user needed
    monkeypatch.chdir(tmp_path)                     # the command's working folder
    result = run(office.settings.data_dir, "slip", reg_no, env=env)
    assert "已生成收文处理笺" in result.stdout
    written = tmp_path / f"文书处理单-{reg_no}.docx"
    assert beside(open_docx(written.read_bytes()), "收文编号") == reg_no
    folder = tmp_path / "out"
    folder.mkdir()
    run(office.settings.data_dir, "slip", reg_no, "-o", str(folder), env=env)
    assert (folder / written.name).is_file()
    run(office.settings.data_dir, "slip", reg_no, "--output", str(tmp_path / "单.docx"), env=env)
    assert beside(open_docx((tmp_path / "单.docx").read_bytes()), "收文编号") == reg_no
    missing = run(office.settings.data_dir, "slip", "收〔2026〕999号", env=env, check_code=5)
    assert "没有登记号" in missing.stderr
