"""PDF text layers: lines in the order they are printed whatever order the content stream wrote
them in, and text layers that are not language sent to OCR. The PDFs are written here with
reportlab and fpdf2 (wqy-zenhei, TrueType outlines), in the order each test needs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractors import extract, pdflayout, textlayer

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PAGE_H = 297.0  # mm, A4


@dataclass(frozen=True)
class Text:
    y: float            # baseline, mm from the top
    x: float            # mm; the left edge, or the right edge when right=True
    text: str
    size: int = 16
    right: bool = False


def write_pdf(path: Path, pages: list[list[Text]], rules: tuple[float, ...] = (), font: str = "wqy") -> Path:
    """One PDF page per list, each Text drawn in list order: the content stream's order."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if font == "wqy" and "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", WQY))
    pdf = canvas.Canvas(str(path), pagesize=(210 * mm, PAGE_H * mm), invariant=1)
    for items in pages:
        pdf.setLineWidth(0.35 * mm)
        for y in rules:  # the 版记's rules, drawn first as a typesetter does
            pdf.line(28 * mm, (PAGE_H - y) * mm, 184 * mm, (PAGE_H - y) * mm)
        for item in items:
            pdf.setFont(font, item.size)
            draw = pdf.drawRightString if item.right else pdf.drawString
            draw(item.x * mm, (PAGE_H - item.y) * mm, item.text)
        pdf.showPage()
    pdf.save()
    return path


# A 通知 as printed, top to bottom: letterhead, 文号, title, 主送, body, signature, date, and the
# 版记 between rules at the foot of the page: 抄送 above the 印发 line.
NOTICE = [
    Text(45, 62, "东湖大学教务处文件", 26),
    Text(62, 81, "教务〔2026〕31号"),
    Text(80, 40, "关于做好2026年秋季学期期末考试工作的通知", 20),
    Text(95, 28, "各学院："),
    Text(105, 39, "为做好本学期期末考试工作，现将有关事项通知"),
    Text(115, 28, "如下。"),
    Text(125, 39, "一、考试时间为第十八周至第十九周。"),
    Text(135, 39, "二、各学院于12月20日前报送监考安排。"),
    Text(155, 170, "东湖大学教务处", right=True),
    Text(165, 170, "2026年11月20日", right=True),
    Text(247, 33, "抄送：校党委办公室，校长办公室。", 14),
    Text(257, 33, "东湖大学教务处", 14),
    Text(257, 179, "2026年11月20日印发", 14, right=True),
]
NOTICE_TEXT = "\n".join([
    "东湖大学教务处文件",
    "教务〔2026〕31号",
    "关于做好2026年秋季学期期末考试工作的通知",
    "各学院：",
    "为做好本学期期末考试工作，现将有关事项通知",
    "如下。",
    "一、考试时间为第十八周至第十九周。",
    "二、各学院于12月20日前报送监考安排。",
    "东湖大学教务处",
    "2026年11月20日",
    "抄送：校党委办公室，校长办公室。",
    "东湖大学教务处\t2026年11月20日印发",
])
RULES = (240.0, 250.0, 260.0)


def _stream_text(path: Path) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_notice_in_stream_order_is_read_as_printed(tmp_path, base_settings):
    path = write_pdf(tmp_path / "ordered.pdf", [NOTICE], RULES)
    assert extract(path, base_settings).text == NOTICE_TEXT


def test_banji_written_bottom_up_and_body_shuffled_come_out_top_to_bottom(tmp_path, base_settings):
    # The producer wrote the 印发 line (its date first), then the 抄送 line above it, then the
    # body paragraphs in no order, and the title last.
    *head, title, salute, body1, body2, item1, item2, sign, date, cc, printer, printed = NOTICE
    stream = [printed, printer, cc, item2, body2, sign, salute, item1, date, body1, *head, title]
    path = write_pdf(tmp_path / "shuffled.pdf", [stream], RULES)
    raw = _stream_text(path)
    assert raw.index("印发") < raw.index("抄送") < raw.index("二、") < raw.index("一、")  # as written
    result = extract(path, base_settings)
    assert result.text == NOTICE_TEXT
    assert [(p.method, p.source) for p in result.pages] == [("pdf-text", "pypdfium2")]


def test_shuffled_order_is_the_same_for_any_shuffle(tmp_path, base_settings):
    rng = random.Random(9704)
    for attempt in range(5):
        stream = NOTICE[:]
        rng.shuffle(stream)
        path = write_pdf(tmp_path / f"shuffle{attempt}.pdf", [stream], RULES)
        assert extract(path, base_settings).text == NOTICE_TEXT


def _column(x: float, lines: list[str]) -> list[Text]:
    return [Text(60 + 8 * i, x, line, 11) for i, line in enumerate(lines)]


LEFT = [f"左栏第{n}行，排在版心左半边的文字" for n in "一二三四"]     # 28 to 90 mm
RIGHT = [f"右栏第{n}行，排在版心右半边的文字" for n in "一二三四"]    # 110 to 172 mm


def test_two_columns_are_not_interleaved(tmp_path, base_settings):
    title = Text(45, 50, "东湖大学学报（双栏排版）", 16)
    path = write_pdf(tmp_path / "columns.pdf", [[title, *_column(28, LEFT), *_column(110, RIGHT)]])
    assert extract(path, base_settings).text == "\n".join(["东湖大学学报（双栏排版）", *LEFT, *RIGHT])


def test_two_columns_with_title_written_last_keep_their_columns(tmp_path, base_settings):
    # A line printed above others that it overlaps moves up, one printed below them moves down;
    # the columns stay whole.
    title = Text(45, 50, "东湖大学学报（双栏排版）", 16)
    footer = Text(120, 60, "东湖大学学报编辑部编印，二〇二六年第一期", 11)
    path = write_pdf(tmp_path / "columns_late_title.pdf",
                     [[footer, *_column(28, LEFT), *_column(110, RIGHT), title]])
    assert extract(path, base_settings).text == "\n".join(
        ["东湖大学学报（双栏排版）", *LEFT, *RIGHT, "东湖大学学报编辑部编印，二〇二六年第一期"])


def test_a_line_written_right_part_first_is_one_line(tmp_path, base_settings):
    items = [Text(62, 184, "签发人：王建国", right=True), Text(62, 28, "化学院发〔2026〕12号"),
             Text(50, 28, "东湖大学化学化工学院")]
    path = write_pdf(tmp_path / "right_first.pdf", [items])
    assert extract(path, base_settings).text == "东湖大学化学化工学院\n化学院发〔2026〕12号\t签发人：王建国"


def test_reading_order_keeps_pdfium_text_when_positions_disagree_with_it():
    class Disagreeing:  # pdfium's character array and its text differ in length
        def count_chars(self):
            return 3

    assert pdflayout.page_text(Disagreeing(), "抄送\r\n印发") == "抄送\r\n印发"


def _turned(pdf, x_mm: float, y_mm: float, text: str, size: int = 12) -> None:
    """Text running up the page (turned 90°), its baseline starting at (x, y) from the top-left."""
    from reportlab.lib.units import mm

    pdf.saveState()
    pdf.translate(x_mm * mm, (PAGE_H - y_mm) * mm)
    pdf.rotate(90)
    pdf.setFont("wqy", size)
    pdf.drawString(0, 0, text)
    pdf.restoreState()


def _canvas(path):
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", WQY))
    return canvas.Canvas(str(path), pagesize=(210 * mm, PAGE_H * mm), invariant=1)


def test_a_margin_note_running_up_the_page_follows_the_reordered_lines(tmp_path, base_settings):
    from reportlab.lib.units import mm

    path = tmp_path / "binding_margin.pdf"
    pdf = _canvas(path)
    _turned(pdf, 15, 200, "装订线内请勿书写")
    for item in reversed(NOTICE):  # written bottom-up
        pdf.setFont("wqy", item.size)
        (pdf.drawRightString if item.right else pdf.drawString)(item.x * mm, (PAGE_H - item.y) * mm, item.text)
    pdf.showPage()
    pdf.save()
    assert extract(path, base_settings).text == NOTICE_TEXT + "\n装订线内请勿书写"


def test_a_page_of_text_running_up_it_keeps_pdfium_order(tmp_path, base_settings):
    """A landscape table printed turned on a portrait page: its rows run along y, and the
    page is left as pdfium reads it (reordering by baseline would merge the rows)."""
    path = tmp_path / "turned.pdf"
    pdf = _canvas(path)
    rows = ["第一行：高等数学，教一101", "第二行：大学物理，教二203", "第三行：无机化学，教三305"]
    for i in (2, 0, 1):
        _turned(pdf, 40 + 12 * i, 250, rows[i], 14)
    pdf.showPage()
    pdf.save()
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    textpage = document[0].get_textpage()
    raw = textpage.get_text_range()
    assert pdflayout.page_text(textpage, raw) == pdflayout.wide_gaps(textpage, raw)
    document.close()
    assert sorted(extract(path, base_settings).text.split("\n")) == sorted(rows)


# --- a text layer that is not language ----------------------------------------------------

def _without_tounicode(pdf: bytes) -> bytes:
    """fpdf2 embeds the font as a CID TrueType subset, numbering glyphs in the order they are
    first used, with a ToUnicode map. Renaming the map's key (same length: the xref stays
    valid) leaves readers no way back to Unicode: pdfium then returns the glyph numbers as
    characters, and numbers 33-126 are ASCII symbols and letters."""
    assert pdf.count(b"/ToUnicode") == 1
    return pdf.replace(b"/ToUnicode", b"/ToUnicodX")


def _fpdf(path: Path, pages: list[list[tuple[float, str]]], break_mapping: bool) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("wqy", fname=WQY)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("wqy", size=16)
        for y, line in lines:
            pdf.text(28, y, line)
    data = bytes(pdf.output())
    path.write_bytes(_without_tounicode(data) if break_mapping else data)
    return path


# Page 1 uses 45 different characters, so the characters new on page 2 are numbered from 45 on:
# ASCII symbols, digits and letters.
FIRST = [(40, "东湖大学化学化工学院文件"), (60, "关于申请增设实验教学中心仪器设备购置经费的请示"),
         (75, "学校：我院年均人时数超过十二万。")]
SECOND = [(40, "抄送党委办公室，纪委、团委、图书馆、后勤处"), (55, "印发日期")]


@pytest.mark.slow
def test_font_without_unicode_mapping_sends_the_page_to_ocr(tmp_path, base_settings):
    import pypdfium2 as pdfium

    assert not set("".join(t for _, t in FIRST)) & set("".join(t for _, t in SECOND))
    path = _fpdf(tmp_path / "unmapped.pdf", [FIRST, SECOND], break_mapping=True)
    document = pdfium.PdfDocument(str(path))
    soup = document[1].get_textpage().get_text_range()
    document.close()
    visible = "".join(soup.split())
    assert visible.isascii() and visible.isprintable(), soup  # -./0123450670689:6;<=>?@A
    assert str(textlayer.problem(soup, len(visible))).startswith("not language")

    result = extract(path, base_settings)
    assert [p.method for p in result.pages] == ["ocr", "ocr"]  # page 1: control characters
    assert "not language" in " ".join(result.warnings)
    assert "抄送党委办公室" in result.pages[1].text and "印发日期" in result.pages[1].text


def test_unmapped_glyphs_are_not_guessed_by_pdfplumber(tmp_path):
    """pdfminer maps these glyphs through the subset font's own tables: fluent, wrong Chinese
    that would pass every text-layer test. That is why an unmapped page goes to OCR."""
    import pdfplumber

    path = _fpdf(tmp_path / "unmapped.pdf", [FIRST, SECOND], break_mapping=True)
    with pdfplumber.open(path) as pdf:
        guess = pdf.pages[1].extract_text()
    assert textlayer.problem(guess) is None and "抄送" not in guess, guess


def test_same_pages_with_their_mapping_are_text(tmp_path, base_settings):
    path = _fpdf(tmp_path / "mapped.pdf", [FIRST, SECOND], break_mapping=False)
    result = extract(path, base_settings)
    assert [p.method for p in result.pages] == ["pdf-text", "pdf-text"]
    assert result.pages[1].text == "抄送党委办公室，纪委、团委、图书馆、后勤处\n印发日期"


ENGLISH = [Text(40, 28, "Notice on the Final Examinations, Autumn 2026", 14, False),
           Text(50, 28, "To all schools: the timetable (see Annex 1) is attached.", 11),
           Text(58, 28, "Contact: Mr. Wang, +86 27-8765-1234, exams@dhu.edu.cn", 11),
           Text(66, 28, "Deadline: 20 Dec. 2026; late submissions will not be accepted.", 11)]
FIGURES = [Text(40 + 7 * i, 28, row, 11) for i, row in enumerate([
    "No.   Item            Qty    Unit price    Amount",
    "1     UV-Vis 2600     10     12,500.00     125,000.00",
    "2     RE-52AA         8      3,450.50      27,604.00",
    "3     (spare parts)   --     --            (1,200.00)",
    "Total                                      151,404.00   +12.5%   2026-11-18",
])]


@pytest.mark.parametrize("lines", [ENGLISH, FIGURES], ids=["english", "figures"])
def test_english_and_figures_stay_text(tmp_path, base_settings, lines):
    path = write_pdf(tmp_path / "latin.pdf", [lines], font="Helvetica")
    result = extract(path, base_settings)
    assert [p.method for p in result.pages] == ["pdf-text"], result.warnings
    assert not result.warnings


@pytest.mark.parametrize("text", [
    '"7+%-',                                          # the OCRmyPDF resource, as registered
    '-./0123450670\r\n89:;',                         # glyphs numbered in the order of first use
    "K]qZ^m`bT|Rf\r\n;Xw<4!hJ",                      # glyph numbers in no order
    "2i)A0A0`AZ Fxb`S`S/`n^.4Roz\r\n14*k3w<^KOF",
])
def test_symbol_soup_is_not_language(text):
    why = textlayer.problem(text, len(text))
    assert str(why).startswith("not language") and why.unmapped


@pytest.mark.parametrize("text", [
    "Notice to all staff: the exam timetable is attached.",
    "See https://jwc.dhu.edu.cn/notice?id=31&lang=en or e-mail exams@dhu.edu.cn (U.S.A. office).",
    "1,234.56  12.5%  (3.4)  2026-03-09  10:30  -7  +86 27-8765-1234  ¥1,200",
    "iPhone, McDonald's and JavaScript; lxml, tqdm, HTML, PDF/A-2b, GB/T 9704-2012, H2O, 3rd, A4",
    "---------- ....... ________ • → —",               # rules and leaders: neither
    "化学院发〔2026〕12号 &%$# 关于",
    "7",
])
def test_language_is_language(text):
    assert textlayer.problem(text, len(text)) is None


PASSAGE = ("各学院、各部门：为做好本学期期末考试工作，确保考试安全有序，现将有关事项通知如下。"
           "一、考试时间为第十八周至第十九周，具体安排见附件。二、各学院要加强考风考纪教育，"
           "严格执行监考制度。三、请于十二月二十日前将监考安排报送教务处考试中心。"
           "抄送：校党委办公室，校长办公室。东湖大学教务处二〇二六年十一月二十日印发")


@pytest.mark.parametrize("numbering", ["first use", "random"])
def test_pages_of_glyph_numbers_in_the_ascii_range_are_caught(numbering):
    """A Chinese page read through a font without a Unicode map: each character becomes its
    glyph number, 33-126. Numbered in order of first use (what many producers do) or at random,
    nearly every such page is judged not language."""
    caught = 0
    for seed in range(40):
        rng = random.Random(seed)
        codes: dict[str, str] = {}
        start = rng.randrange(94)
        for ch in PASSAGE:
            if ch not in codes:
                number = (start + len(codes)) % 94 if numbering == "first use" else rng.randrange(94)
                codes[ch] = chr(33 + number)
        lines = [PASSAGE[i:i + 26] for i in range(0, len(PASSAGE), 26)]
        page = "\r\n".join("".join(codes[ch] for ch in line) for line in lines)
        why = textlayer.problem(page, len(page))
        caught += why is not None and why.unmapped
    assert caught >= 38
