"""Layouts of real published 公文 (issue 13 §7), each on a short text written for the test:
a title over several lines above its 发文字号, a long one-line title, a 文号 sharing its line
with the title, the 令, several signing units, brackets as printed; and one field that cannot
be read takes no other with it."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.understand import understand
from pipeline.understand.docnumber import find_all, own_number


def read(text: str, settings, *, from_ocr: bool = False):
    return understand(text.strip() + "\n", settings, from_ocr=from_ocr)


# --- a title over several lines above its 发文字号 ---------------------------------------------

@pytest.mark.parametrize("first_line,title,issuer", [
    # an organ's name alone on the title's first line
    ("东湖省人民政府办公厅", "东湖省人民政府办公厅关于做好2024年高校毕业生就业创业工作的通知", "东湖省人民政府办公厅"),
    # a 转发 title: the issuer is the organ that forwards, not 「X转发Y」
    ("东湖省人民政府办公厅转发省教育厅", "东湖省人民政府办公厅转发省教育厅关于做好2024年高校毕业生就业创业工作的通知",
     "东湖省人民政府办公厅"),
    # two organs: the signature printed on one line, apart, is both of them
    ("东湖省教育厅、东湖省财政厅", "东湖省教育厅、东湖省财政厅关于做好2024年高校毕业生就业创业工作的通知",
     "东湖省教育厅、东湖省财政厅"),
])
def test_a_title_above_its_number_keeps_its_first_line(settings, first_line, title, issuer):
    signature = issuer.replace("、", "　")
    result = read(f"""
{first_line}
关于做好2024年高校毕业生
就业创业工作的通知
东政办发〔2024〕7号
各市人民政府：
现就做好今年高校毕业生就业创业工作通知如下。
{signature}
2024年3月5日
""", settings)
    assert result.title == title
    assert result.issuer == issuer
    assert result.doc_number == "东政办发〔2024〕7号" and result.date == date(2024, 3, 5)


def test_a_line_break_after_an_inner_doc_type_word(settings):
    result = read("""
东湖省人民政府办公厅转发省教育厅关于加强校园安全工作的意见
的通知
东政办发〔2024〕2号
各市人民政府：
现转发给你们，请认真贯彻执行。
东湖省人民政府办公厅
2024年2月5日
""", settings)
    assert result.title == "东湖省人民政府办公厅转发省教育厅关于加强校园安全工作的意见的通知"
    assert result.doc_type == "通知"


def test_organs_printed_apart_on_one_line_are_each_an_issuer(settings):
    """A full-width space between two organs separates them; between single characters it is
    letter-spacing (「东　湖　大　学　文　件」)."""
    joint = read("""
东湖省教育厅　东湖省财政厅关于做好2024年
高校学生资助工作的通知
东教财〔2024〕3号
各高等学校：
现就做好资助工作通知如下。
东湖省教育厅　东湖省财政厅
2024年3月1日
""", settings)
    assert joint.issuer == "东湖省教育厅、东湖省财政厅"
    assert joint.title == "东湖省教育厅东湖省财政厅关于做好2024年高校学生资助工作的通知"
    spaced = read("东　湖　大　学　文　件\n东大校发〔2024〕1号\n关于表彰先进的决定\n各学院：\n现予表彰。\n2024年1月2日", settings)
    assert spaced.issuer == "东湖大学"


def test_a_title_line_ending_in_wenjian_is_not_a_header(settings):
    result = read("""
东湖大学关于废止部分规范性文件
的决定
东大校发〔2024〕2号
各学院、各部门：
经研究，学校决定废止以下文件。
东湖大学
2024年1月8日
""", settings)
    assert result.title == "东湖大学关于废止部分规范性文件的决定"
    assert result.doc_type == "决定" and result.issuer == "东湖大学"


def test_a_printed_header_is_still_the_header(settings):
    """GB/T 9704: 版头, 发文字号, then the title; and an organ over a 关于 title with no number."""
    printed = read("""
东湖大学文件
东大校发〔2024〕6号
关于表彰2023年度先进集体的决定
各学院：
经研究，决定表彰以下先进集体。
东湖大学
2024年1月10日
""", settings)
    assert printed.title == "关于表彰2023年度先进集体的决定" and printed.issuer == "东湖大学"
    letter = read("""
东湖大学科学技术研究院
关于召开2024年度项目申报动员会的通知
各学院：
定于3月5日召开动员会。
2024年3月1日
""", settings)
    assert letter.title == "关于召开2024年度项目申报动员会的通知"
    assert letter.issuer == "东湖大学科学技术研究院"


def test_a_reply_to_a_deputy_is_a_letter(settings):
    """「…对…第12号建议的答复」 sent under a 函 number ([doc_types] aliases: 答复 = 函)."""
    result = read("""
东湖省人民政府办公厅对省人大
二次会议第12号建议的答复
东政办函〔2024〕15号
张三代表：
你提出的建议收悉，现答复如下：
东湖省人民政府办公厅
2024年7月1日
""", settings)
    assert result.doc_type == "函" and result.title == "东湖省人民政府办公厅对省人大二次会议第12号建议的答复"
    assert result.issuer == "东湖省人民政府办公厅"


def test_a_title_with_a_bracketed_note(settings):
    result = read("""
2024年党政联席会议纪要(第四次)
2024年3月23日，院长主持召开党政联席会议，研究了有关事项。
""", settings)
    assert result.doc_type == "纪要" and result.title == "2024年党政联席会议纪要(第四次)"


def test_an_organ_over_a_title_naming_its_own_organ_is_not_the_title(settings):
    result = read("""
东湖省人民政府
东湖省人民政府关于同意设立东湖市新区的批复
东政函〔2024〕8号
东湖市人民政府：
同意设立东湖市新区。
2024年2月1日
""", settings)
    assert result.title == "东湖省人民政府关于同意设立东湖市新区的批复"
    assert result.issuer == "东湖省人民政府"


def test_a_page_issuer_line_under_the_page_title_is_the_issuer(settings):
    result = read("""
某市政务公开工作实施细则
东湖省某市人民政府办公室
关于印发某市政务公开工作实施细则的通知
( 某府办发〔2003〕37号 )
市政府各部门：
现将实施细则印发给你们，请遵照执行。
二OO三年十二月四日
""", settings)
    assert result.title == "关于印发某市政务公开工作实施细则的通知"
    assert result.issuer == "东湖省某市人民政府办公室"
    assert result.doc_number == "某府办发〔2003〕37号" and result.date == date(2003, 12, 4)


# --- a long title; a field that cannot be read ------------------------------------------------

LONG_TITLE = ("东湖大学关于转发《东湖省教育厅关于转发〈教育部办公厅关于做好2024年普通高等学校"
              "招生工作和少数民族预科班招生工作的通知〉的通知》的通知")


def test_a_one_line_title_longer_than_sixty_characters_is_a_title(settings):
    assert len(LONG_TITLE) > 60
    result = read(f"""
{LONG_TITLE}
东大校发〔2024〕11号
各学院：
现将通知转发给你们，请遵照执行。
东湖大学
2024年4月2日
""", settings)
    assert result.title == LONG_TITLE and result.doc_type == "通知"
    assert result.issuer == "东湖大学" and result.date == date(2024, 4, 2)


def test_a_long_sentence_is_no_title(settings):
    sentence = "现将省教育厅" + "关于做好招生工作" * 8 + "的通知"
    result = read(f"""
东湖大学
{sentence}转发给你们,请遵照执行的通知
""", settings)
    assert result.title != sentence


def test_no_title_takes_no_issuer_or_date_with_it(settings):
    """The title is unreadable: the 公文's 版头, number, signature and date are still read, even
    with an attachment after the signature."""
    result = read("""
东湖大学教务处
东大教〔2024〕5号
关于■■▲ ▲▲ ▲■
各学院：
请各学院按时完成期中教学检查。
东湖大学教务处
2024年6月3日
附件
期中教学检查安排表
序号  学院  检查时间  检查地点
1  化学化工学院  6月10日  化学楼
2  物理学院  6月11日  物理楼
""", settings)
    assert result.doc_number == "东大教〔2024〕5号"
    assert result.issuer == "东湖大学教务处" and result.date == date(2024, 6, 3)


# --- the 文号 and the title on one line --------------------------------------------------------

def test_a_web_header_line_gives_the_title_and_a_number_without_its_end(settings):
    result = read("""
东湖省人民政府关于同意设立东湖市新区的批复 东政函〔2024〕8号 东湖省人民政府 2024年2月1日 |
东湖市人民政府：
你市《关于设立东湖市新区的请示》收悉。现批复如下：同意设立东湖市新区。
东湖省人民政府
2024年2月1日
""", settings)
    assert result.doc_number == "东政函〔2024〕8号"
    assert result.title == "东湖省人民政府关于同意设立东湖市新区的批复" and result.doc_type == "批复"
    assert result.references == ()


def test_a_number_followed_by_its_bracketed_title(settings):
    result = read("""
东大办发〔2022〕5号（2022年第3次校长办公会议纪要）
2022年3月23日，校长主持召开校长办公会议，研究了有关事项。
会议决定，由党政办公室做好后续工作。
""", settings)
    assert result.doc_number == "东大办发〔2022〕5号"
    assert result.title == "2022年第3次校长办公会议纪要" and result.doc_type == "纪要"
    assert result.date is None       # the meeting's day in a sentence is no 成文日期


@pytest.mark.parametrize("line,title", [
    ("东大办发〔2016〕26号《东湖大学关于印发〈2016年信息公开工作要点〉的通知》",
     "东湖大学关于印发〈2016年信息公开工作要点〉的通知"),
    ("东湖大学印发《关于加强教职工考勤管理的实施意见》的通知(东大办发〔2016〕26号)",
     "东湖大学印发《关于加强教职工考勤管理的实施意见》的通知"),
])
def test_a_quoted_title_beside_its_number(settings, line, title):
    result = read(f"""
{line}
各学院：
现印发给你们，请认真贯彻落实。
东湖大学
2016年5月28日
""", settings)
    assert result.doc_number == "东大办发〔2016〕26号"
    assert result.title == title and result.doc_type == "通知"
    assert result.issuer == "东湖大学" and result.date == date(2016, 5, 28)


def test_a_document_flattened_onto_one_line(settings):
    result = read("""
东湖大学关于2023年部分节假日安排的通知
东大办发〔2022〕16号各学院、各部门: 经学校研究,现将2023年元旦放假安排通知如下。 一、元旦:2022年12月31日\
至2023年1月2日放假调休,共3天。 节假日期间,各单位要妥善安排好值班和安全工作。 东湖大学办公室 2022年12月8日
""", settings)
    assert result.doc_number == "东大办发〔2022〕16号" and result.references == ()
    assert result.date == date(2022, 12, 8) and result.issuer == "东湖大学办公室"


def test_a_title_is_not_glued_into_a_number(settings):
    assert own_number("国务院关于同意设立某市的批复国函〔1998〕60号", in_head=True).canonical == "国函〔1998〕60号"
    assert own_number("关于征求意见的函东大函〔2026〕1号", in_head=True).canonical == "东大函〔2026〕1号"
    # a 文种 word that is the 代字's own end stays: 国办函, 校长办公会议纪要
    assert own_number("国办函〔2004〕57号").canonical == "国办函〔2004〕57号"
    assert own_number("校长办公会议纪要〔2026〕3号").canonical == "校长办公会议纪要〔2026〕3号"
    cited = [n.canonical for _, n in find_all("按照关于设立某市的批复国函〔1998〕60号执行")]
    assert cited == ["国函〔1998〕60号"]


# --- the 令 ------------------------------------------------------------------------------

DECREE = """
东湖省人民政府令
第12号
《东湖省高等学校安全管理办法》已经2024年3月1日省人民政府第20次常务会议通过，现予公布，自2024年5月1日起施行。
省长　张三丰
2024年3月8日
东湖省高等学校安全管理办法
（2003年5月9日东湖省人民政府令第3号发布　根据2024年3月8日东湖省人民政府令第12号修订）
第一条　为了加强高等学校安全管理，制定本办法。
附件
安全检查记录表
检查单位
2024年1月1日
"""


def test_a_decree(settings):
    result = read(DECREE, settings)
    assert result.doc_type == "命令" and result.doc_number == "第12号"
    assert result.issuer == "东湖省人民政府"          # the organ of its header, not the leader
    assert result.signer == "张三丰"
    assert result.title == "东湖省高等学校安全管理办法"
    assert result.date == date(2024, 3, 8)          # under the signature: not the history note's, nor a form's


def test_a_history_note_is_not_the_decree_date(settings):
    """Without a date under the signature, neither the history note's dates nor the meeting's
    day in the promulgating sentence is the 成文日期."""
    result = read(DECREE.split("附件")[0].replace("2024年3月8日\n", ""), settings)
    assert result.date is None and result.issuer == "东湖省人民政府"


@pytest.mark.parametrize("text,number,title", [
    # 令号 on the header line, in brackets; the regulation's title printed under the date
    ("东湖市人民政府令(第30号)\n2019年4月1日市人民政府第3次常务会议审议通过，现予发布，自2019年5月1日起施行。\n"
     "2019年4月8日\n东湖市校园周边秩序管理办法\n第一条　为了维护校园周边秩序，制定本办法。",
     "第30号", "东湖市校园周边秩序管理办法"),
    # 令号 glued to the header; the title printed above it
    ("东湖市校园周边秩序管理办法\n东湖市人民政府令第31号\n"
     "2019年4月1日市人民政府第3次常务会议审议通过，现予发布，自2019年5月1日起施行。\n2019年4月8日",
     "第31号", "东湖市校园周边秩序管理办法"),
])
def test_decree_numbers_and_titles_as_printed(settings, text, number, title):
    result = read(text, settings)
    assert result.doc_type == "命令" and result.doc_number == number and result.title == title
    assert result.issuer == "东湖市人民政府" and result.date == date(2019, 4, 8)


def test_a_decree_number_with_a_code_names_no_organ(settings):
    """「政府令〔2021〕第7号」: a 代字 and a year, kept as printed; the organ's name printed above
    stands in for the issuer; a post with no name gives no signer."""
    result = read("""
东湖市实验室安全管理规定
东湖市人民政府
东湖市实验室安全管理规定
政府令〔2021〕第7号
《东湖市实验室安全管理规定》已经2021年6月2日市政府第9次常务会议通过，现予公布，自2021年8月1日起施行。
市长
二〇二一年六月十日
""", settings)
    assert result.doc_number == "政府令〔2021〕第7号" and result.references == ()
    assert result.issuer == "东湖市人民政府" and result.signer is None
    assert result.date == date(2021, 6, 10) and result.title == "东湖市实验室安全管理规定"


# --- several signing units -------------------------------------------------------------

NOTICE = """
关于开展办公用房清查登记的通知
各学院、各部门：
为统筹调配办公用房，现将清查登记有关事宜通知如下。
请各单位于11月7日前反馈。
{signature}
{date}
"""


def test_three_signing_units(settings):
    result = read(NOTICE.format(signature="国务院\n中央军事委员会\n东湖省人民政府", date="2025年11月4日"), settings)
    assert result.issuer == "国务院、中央军事委员会、东湖省人民政府"


@pytest.mark.parametrize("date_line,written", [
    ("2025年11月4日", date(2025, 11, 4)),
    ("20251104", date(2025, 11, 4)),   # the page lost 年, 月 and 日: one reading
    ("2025114", None),                 # 1月14日 or 11月4日: the units are still read
])
def test_signing_units_on_separate_lines_are_all_the_issuer(settings, date_line, written):
    result = read(NOTICE.format(signature="党政办公室\n后勤服务保障部", date=date_line), settings)
    assert result.issuer == "党政办公室、后勤服务保障部"
    assert result.date == written


def test_a_wrapped_sentence_above_the_signature_is_no_unit(settings):
    result = read("""
关于做好干部档案审核工作的通知
各二级党委：
请于12月3
1日前将审核情况报党委组织部
中共东湖大学委员会组织部
2026年11月18日
""", settings)
    assert result.issuer == "中共东湖大学委员会组织部"


# --- brackets as printed -----------------------------------------------------------------

def test_brackets_in_a_title_are_as_printed(settings):
    text = """
关于印发《东湖大学实验室管理规定(试行)》的通知
各学院：
现将规定印发给你们，请遵照执行。
东湖大学
2024年3月1日
"""
    assert read(text, settings).title == "关于印发《东湖大学实验室管理规定(试行)》的通知"
    # OCR reads the full-width brackets of a printed title as ASCII ones: they are put back
    assert read(text, settings, from_ocr=True).title == "关于印发《东湖大学实验室管理规定（试行）》的通知"
