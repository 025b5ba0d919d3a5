"""The shared clean-up: pure function, no I/O."""

from __future__ import annotations

import pytest

from extractors.cleanup import clean, ocr_punctuation


@pytest.mark.parametrize("raw, cleaned", [
    ("东 湖 大 学 教 务 处", "东湖大学教务处"),                       # OCR's spaces between Han
    ("各学院 ： 现将 有关事项 通知如下 。", "各学院：现将有关事项通知如下。"),  # and around CJK punctuation
    ("王　明", "王明"),                                             # padded two-character names
    ("拟稿：张三    核稿：李四", "拟稿：张三\t核稿：李四"),             # a layout gap becomes a tab
    ("东湖大学教务处 2026年11月20日印发", "东湖大学教务处 2026年11月20日印发"),  # Han-digit space stays
    ("化学院发〔２０２６〕１５号", "化学院发〔2026〕15号"),             # full-width digits
    ("ＡＢＣ　ｘｙｚ", "ABC xyz"),                                   # full-width letters and space
    ("（一）各学院：，。；★〇〔〕", "（一）各学院：，。；★〇〔〕"),       # NFKC would break these
    ("二○二六年三月五日", "二〇二六年三月五日"),
    ("二零二六年十月二十日", "二〇二六年十月二十日"),
    ("二OO六年", "二〇〇六年"),
    ("2020年和0000年", "2020年和0000年"),                          # not Chinese-numeral years
    ("零件〇号", "零件〇号"),                                       # 零 outside a date stays
    ("⽂件", "文件"),                                               # Kangxi radical from a PDF
])
def test_clean(raw, cleaned):
    assert clean(raw) == cleaned


@pytest.mark.parametrize("line", ["— 3 —", "-3-", "—3—", "一 12 一", "第 3 页", "第3页 共5页", "3/5", "  - 7 -  "])
def test_page_number_lines_are_dropped(line):
    assert clean(f"正文第一行\n{line}\n正文第二行") == "正文第一行\n正文第二行"


def test_page_number_inside_a_line_stays():
    assert clean("见第3页附表") == "见第3页附表"


def test_line_breaks_kept_blank_runs_collapsed_edges_trimmed():
    assert clean("　　第一段\r\n\r\n\r\n\r\n　　第二段  \n") == "第一段\n\n第二段"


def test_tabs_between_table_cells_survive():
    assert clean("标题\t关于 通知") == "标题\t关于通知"


def test_idempotent():
    text = "东 湖 大 学\n— 1 —\n二○二六年　３月\n\n\n\n拟稿：张三    核稿"
    assert clean(clean(text)) == clean(text)


@pytest.mark.parametrize("raw, fixed", [
    ("化学院发[2026]16号", "化学院发〔2026〕16号"),
    ("化学院发〔2026]16号", "化学院发〔2026〕16号"),
    ("（2026）第9期", "〔2026〕第9期"),
    ("（二)审议", "（二）审议"),
    ("电话:027-87651234, 下午2:30在", "电话：027-87651234，下午2:30在"),
    ("see (2026) and a, b", "see (2026) and a, b"),               # no Chinese: untouched
])
def test_ocr_punctuation(raw, fixed):
    assert ocr_punctuation(raw) == fixed


def test_empty_table_cells_stay_visible():
    assert clean("核稿\t\t拟稿单位\t学院办公室") == "核稿\t\t拟稿单位\t学院办公室"
