"""The printed forms in the web application (issue 16): the 文书处理单 as Word and as a page to
print, the first page with the 收文章 as PDF; readers only, within their clearance; a 涉密
record's slip without its body, its stamped page audited as opened."""

from __future__ import annotations

import html
from io import BytesIO
from urllib.parse import quote

import docx
import pypdfium2 as pdfium
import pytest

from core.vocab import OUTGOING
from registry import queries, views
from registry.audit import Action
from tests.pipeline.test_secret_withheld import REPORT_BODY, REPORT_HEAD, REPORT_TAIL, body_runs, leaks
from tests.pipeline.test_slips import LETTER, OUR_REQUEST, all_text, beside
from tests.web.conftest import SECRET_CLERK, SECRET_TITLE

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRET_RUNS = body_runs(REPORT_BODY, REPORT_HEAD + REPORT_TAIL)


def slip_url(reg_no: str) -> str:
    return f"/documents/{quote(reg_no, safe='')}/slip"


def api_url(reg_no: str, what: str) -> str:
    return f"/api/documents/{quote(reg_no, safe='')}/{what}"


def test_the_slip_downloads_as_word_with_the_records_fields_in_their_cells(office):
    reg_no = office.records["notice"]
    response = office.shared_client("leader").get(api_url(reg_no.replace("〔", "[").replace("〕", "]"), "slip.docx"))
    assert response.status_code == 200 and response.headers["content-type"] == DOCX
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" + quote(f"文书处理单-{reg_no}.docx") in response.headers["content-disposition"]
    slip = docx.Document(BytesIO(response.content))
    document = queries.get(office.engine, reg_no)
    assert slip.paragraphs[0].text == "东湖大学化学化工学院收文处理笺"
    assert beside(slip, "收文编号") == reg_no and beside(slip, "标题") == document.title
    assert beside(slip, "来文单位") == document.issuer and beside(slip, "来文字号") == document.doc_number
    assert beside(slip, "拟办意见").startswith("拟办人：")           # nothing recorded yet: to sign by hand


def test_the_print_view_is_the_same_form_as_a_page(office):
    reg_no = office.records["notice"]
    page = office.shared_client("handler").get(slip_url(reg_no))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    text = html.unescape(page.text)
    document = queries.get(office.engine, reg_no)
    assert "东湖大学化学化工学院收文处理笺" in text
    for label, value in (("收文编号", reg_no), ("来文单位", document.issuer), ("标题", document.title),
                         ("来文字号", document.doc_number)):
        assert f'<th scope="row">{label}</th>' in page.text and value in text
    for label in ("拟办意见", "领导批示", "承办单位/人", "承办意见", "办理结果", "办结日期", "备注"):
        assert f'<th scope="row">{label}</th>' in page.text
    assert f'href="{api_url(reg_no, "slip.docx")}"' in page.text
    assert f'href="{api_url(reg_no, "stamped.pdf")}"' in page.text
    assert '<link rel="stylesheet" href="/static/slip.css">' in page.text
    assert "<script>" not in page.text.replace('<script src="/static/', "") and " style=" not in page.text
    assert office.shared_client("clerk").get("/static/slip.css").status_code == 200


def test_a_yuejian_prints_as_the_yuewen_form_with_rows_to_sign(office):
    page = office.shared_client(SECRET_CLERK).get(slip_url(office.records["secret"]))
    assert page.status_code == 200
    assert "阅文处理单" in page.text and "领导阅批" in page.text
    assert page.text.count('<tr class="slip-reader">') == 6


@pytest.mark.parametrize("role", ["clerk", "leader", "handler", "auditor"])
def test_a_record_above_the_viewers_clearance_is_404_on_every_form(office, role):
    reg_no = office.records["secret"]
    client = office.shared_client(role)
    for url in (slip_url(reg_no), api_url(reg_no, "slip.docx"), api_url(reg_no, "stamped.pdf")):
        response = client.get(url)
        assert response.status_code == 404, f"{role} {url}: {response.status_code}"
        assert SECRET_TITLE not in response.text


def test_a_secret_records_slip_holds_its_metadata_never_its_body(office):
    reg_no = office.records["secret"]
    client = office.shared_client(SECRET_CLERK)
    word = client.get(api_url(reg_no, "slip.docx"))
    assert word.status_code == 200
    text = all_text(docx.Document(BytesIO(word.content)))
    assert SECRET_TITLE in text and "秘密" in text
    assert leaks(text, SECRET_RUNS) == []
    page = html.unescape(client.get(slip_url(reg_no)).text)
    assert SECRET_TITLE in page and leaks(page, SECRET_RUNS) == []


def test_the_stamped_page_is_a_one_page_pdf_inline_or_downloaded(office):
    reg_no = office.records["pdf"]
    client = office.shared_client("auditor")
    shown = client.get(api_url(reg_no, "stamped.pdf"))
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''" + quote(f"收文章-{reg_no}.pdf") in shown.headers["content-disposition"]
    document = pdfium.PdfDocument(shown.content)
    assert len(document) == 1
    document.close()
    downloaded = client.get(api_url(reg_no, "stamped.pdf") + "?download=true")
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.content == shown.content


def test_opening_a_secret_records_stamped_page_is_audited_as_viewing_it(office):
    reg_no = office.records["secret"]
    before = [event for event in views.history(office.engine, reg_no) if event.action == Action.VIEWED]
    response = office.shared_client(SECRET_CLERK).get(api_url(reg_no, "stamped.pdf"))
    assert response.status_code == 200
    viewed = [event for event in views.history(office.engine, reg_no) if event.action == Action.VIEWED][len(before):]
    assert [(event.actor, event.details["what"], event.details["via"]) for event in viewed] == \
        [(SECRET_CLERK, "stamped", "web")]
    # a plain record's is not: only 涉密 opening is recorded
    plain = office.records["pdf"]
    count = len(views.history(office.engine, plain))
    office.shared_client("clerk").get(api_url(plain, "stamped.pdf"))
    assert len(views.history(office.engine, plain)) == count


def test_a_fawen_has_no_slip_and_no_stamp(office):
    reg_no = office.register_text("增拨经费请示.txt", OUR_REQUEST, direction=OUTGOING)
    client = office.shared_client("clerk")
    page = client.get(slip_url(reg_no))
    assert page.status_code == 400 and "文书处理单只用于收文" in page.text
    answer = client.get(api_url(reg_no, "slip.docx"))
    assert answer.status_code == 400 and answer.json()["error"] == "InvalidValue"
    assert client.get(api_url(reg_no, "stamped.pdf")).status_code == 400


def test_the_downloaded_slip_holds_the_opinions_recorded_and_the_page_shows_them(office):
    """Issue 16's acceptance: 拟办 → 批示 → 办结 recorded, then the 文书处理单 downloaded from the web
    and opened with python-docx holds each opinion in its cell."""
    from pipeline.handling import act

    reg_no = office.register_text("课程安排通知.txt", LETTER)
    engine, settings = office.engine, office.settings
    act(engine, settings, reg_no, "propose", "clerk", text="拟请赵院长阅示。")
    act(engine, settings, reg_no, "instruct", "leader", text="请钱承办办理。", assignees=["handler"])
    act(engine, settings, reg_no, "finish", "handler", text="已按时报送。")
    today = settings.today()
    said = f"{today.year}年{today.month}月{today.day}日"
    slip = docx.Document(BytesIO(office.shared_client("handler").get(api_url(reg_no, "slip.docx")).content))
    assert beside(slip, "拟办意见") == f"拟请赵院长阅示。\n拟办人：李文书\u3000{said}"
    assert beside(slip, "领导批示") == f"请钱承办办理。\n批示人：赵院长\u3000{said}"
    assert beside(slip, "办理结果") == f"已按时报送。\n承办人：钱承办\u3000{said}"
    assert beside(slip, "办结日期") == said
    page = html.unescape(office.shared_client("leader").get(slip_url(reg_no)).text)
    for line in ("拟请赵院长阅示。", f"拟办人：李文书\u3000{said}", f"批示人：赵院长\u3000{said}",
                 f"承办人：钱承办\u3000{said}", "主办：钱承办"):
        assert line in page
