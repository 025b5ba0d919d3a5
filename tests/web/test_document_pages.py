"""文件 (/documents/{登记号}) and /api/documents over a real registry: every field, the original
(PDF inline, an image inline, a docx downloaded under its Chinese name), linked records, the
record's history, corrections and voids with their reasons, 涉密 records hidden (404) or
audited when opened, and the JSON equal to ``wenshu show --json``."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import text

from core.vocab import OUTGOING
from pipeline.web.routes.documents import document_url
from registry import queries, views
from registry.exports import FIELDS, record_json
from tests.cli import run_json
from tests.pipeline.test_understood_registration import REPLY, REQUEST
from tests.web.conftest import SAMPLES, SECRET_CLERK, SECRET_TITLE, Office, make_office

DOCX_NAME = "关于期末考试安排的函（定稿）.docx"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _scan(path: Path) -> Path:
    """A small scanned notice: three printed lines, read by OCR."""
    font = ImageFont.truetype(FONT, 36)
    image = Image.new("L", (900, 260), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(["东湖大学后勤处", "关于校园停水的通知", "2026年12月1日"]):
        draw.text((40, 20 + i * 75), line, font=font, fill=0)
    image.save(path)
    return path


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    made = make_office(tmp_path_factory.mktemp("documents"), samples=True)
    made.records["request"] = made.register_text("请示.txt", REQUEST, direction=OUTGOING)
    made.records["reply"] = made.register_text("批复.txt", REPLY)
    made.records["docx"] = made.ingest(Path(shutil.copy(SAMPLES / "letter_really_docx.doc",
                                                        made.work / DOCX_NAME))).reg_no
    made.records["image"] = made.ingest(_scan(made.work / "停水通知.png")).reg_no
    made.records["moved"] = made.register_text("挪走的原件.txt", "东湖大学图书馆\n关于延长开放时间的通知\n各学院：\n即日起延长开放。\n")
    made.ingest(Path(shutil.copy(SAMPLES / "notice_table_header.docx", made.work / "期末考试通知（重发）.docx")))
    assert all(made.records.values())
    yield made
    made.close()


def page_of(client, reg_no: str, *rest: str):
    return client.get(document_url(reg_no, *rest))


def history_rows(page: str) -> list[list[str]]:
    body = page[page.index('id="history-title"'):]
    rows = re.findall(r"<tr class=\"event-[a-z_]+\">(.*?)</tr>", body, re.S)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in rows]


def test_the_page_shows_every_field_why_route_and_the_text(office):
    reg_no = office.records["notice"]
    page = page_of(office.client_for("leader"), reg_no)
    assert page.status_code == 200
    record = record_json(queries.get(office.engine, reg_no), office.settings, with_text=True)
    for name, heading in FIELDS:
        value = record[name]
        if name not in ("warnings", "registered_at") and value not in (None, "", []):
            shown = "、".join(value) if isinstance(value, list) else str(value)  # 主办: one or more names
            assert f"<dt>{heading}</dt>" in page.text and html.escape(shown, quote=False) in page.text
    assert record["why_route"] and all(html.escape(reason, quote=False) in page.text for reason in record["why_route"])
    assert '<pre class="text">' in page.text and "考试安排表" in page.text
    assert [row[1:3] for row in history_rows(page.text)][:3] == [["登记", "clerk"], ["分办", "clerk"], ["分类", "clerk"]]
    # the same file sent again under another name is listed as received again
    assert "期末考试通知（重发）.docx（同一文件" in page.text
    assert "<script>" not in page.text.replace('<script src="/static/', "") and " style=" not in page.text


@pytest.mark.parametrize("spelling", ["〔〕", "[]", "()", "［］"])
def test_any_brackets_in_the_url_find_the_record(office, spelling):
    reg_no = office.records["notice"]
    typed = reg_no.replace("〔", spelling[0]).replace("〕", spelling[1])
    client = office.client_for("clerk")
    assert page_of(client, typed).status_code == 200
    assert client.get("/api/documents/" + quote(typed, safe="")).json()["reg_no"] == reg_no


def test_a_pdf_is_shown_inline_in_a_frame(office):
    client = office.client_for("handler")
    reg_no = office.records["pdf"]
    page = page_of(client, reg_no).text
    assert f'<iframe class="original" src="{document_url(reg_no, "original")}"' in page
    original = page_of(client, reg_no, "original")
    assert original.status_code == 200 and original.content.startswith(b"%PDF-")
    assert original.headers["content-type"] == "application/pdf"
    assert original.headers["content-disposition"].startswith("inline;")
    assert original.content == (SAMPLES / "request_truetype_wqy.pdf").read_bytes()


def test_an_image_is_shown_inline(office):
    client = office.client_for("clerk")
    reg_no = office.records["image"]
    page = page_of(client, reg_no).text
    assert f'<img class="original" src="{document_url(reg_no, "original")}"' in page
    assert "关于校园停水的通知" in page  # what OCR read, under the image
    original = page_of(client, reg_no, "original")
    assert original.headers["content-type"] == "image/png" and original.content.startswith(b"\x89PNG")
    assert original.headers["content-disposition"] == \
        "inline; filename=\"____.png\"; filename*=UTF-8''" + quote("停水通知.png")


def test_a_docx_is_text_plus_a_download_under_its_chinese_name(office):
    client = office.client_for("clerk")
    reg_no = office.records["docx"]
    page = page_of(client, reg_no).text
    assert "<iframe" not in page and '<img class="original"' not in page and '<pre class="text">' in page
    assert f'href="{document_url(reg_no, "original")}?download=true"' in page
    download = client.get(document_url(reg_no, "original") + "?download=true")
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert download.headers["content-type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" + quote(DOCX_NAME) in disposition
    assert disposition.encode("latin-1")  # a header is Latin-1: the Chinese name travels percent-encoded
    # Even without ?download a docx is never offered inline.
    assert page_of(client, reg_no, "original").headers["content-disposition"].startswith("attachment;")


def test_a_reply_and_the_request_it_answers_link_to_each_other(office):
    client = office.client_for("clerk")
    request, reply = office.records["request"], office.records["reply"]
    reply_page = page_of(client, reply).text
    assert re.search(rf'<td>本文答复</td>\s*<td><a href="{re.escape(document_url(request))}">', reply_page)
    request_page = page_of(client, request).text
    assert re.search(rf'<td>答复本文</td>\s*<td><a href="{re.escape(document_url(reply))}">', request_page)
    assert any(row[1] == "关联" and f"由 {reply} 答复" in row[3] for row in history_rows(request_page))


def test_a_secret_record_does_not_exist_for_a_user_without_clearance(office):
    client = office.client_for("clerk")  # no clearance
    reg_no = office.records["secret"]
    assert page_of(client, reg_no).status_code == 404
    assert page_of(client, reg_no, "original").status_code == 404
    missing = client.get("/api/documents/" + quote(reg_no, safe=""))
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    assert client.get("/api/documents/" + quote(reg_no, safe="") + "/original").status_code == 404
    before = queries.get(office.engine, reg_no).title
    assert client.post(document_url(reg_no, "corrections"),
                       data={"field": "title", "value": "改", "reason": "试"}).status_code == 404
    assert client.post(document_url(reg_no, "void"), data={"reason": "试"}).status_code == 404
    assert client.post("/api/documents/" + quote(reg_no, safe="") + "/corrections",
                       json={"field": "title", "value": "改", "reason": "试"}).status_code == 404
    assert queries.get(office.engine, reg_no).title == before == SECRET_TITLE
    # Exactly what a number that was never given out answers.
    never = page_of(client, "收〔2026〕999号")
    assert never.status_code == 404 and "没有登记号为" in never.text


def test_a_secret_record_shows_no_text_and_opening_its_original_is_audited(office):
    client = office.client_for(SECRET_CLERK)
    reg_no = office.records["secret"]
    page = page_of(client, reg_no).text
    assert html.escape(SECRET_TITLE, quote=False) in page and "正文不在此显示" in page
    assert "氰化钠" not in page and "<iframe" not in page and '<pre class="text">' not in page
    assert client.get("/api/documents/" + quote(reg_no, safe="")).json()["text"] is None
    viewed = [event for event in views.history(office.engine, reg_no) if event.action == "viewed"]
    assert viewed == []  # the page alone opens nothing
    assert page_of(client, reg_no, "original").status_code == 200
    later = client.get(document_url(reg_no, "original"), headers={"Range": "bytes=100-199"})
    assert later.status_code == 206  # the rest of a file already opened: not another view
    assert client.get(document_url(reg_no, "original") + "?download=true").status_code == 200
    viewed = [event for event in views.history(office.engine, reg_no) if event.action == "viewed"]
    assert [(event.actor, event.details["disposition"]) for event in viewed] == \
        [(SECRET_CLERK, "attachment"), (SECRET_CLERK, "attachment")]
    rows = history_rows(page_of(client, reg_no).text)
    assert [row[1:] for row in rows if row[1] == "查看原件"] == [["查看原件", SECRET_CLERK, "下载原件"]] * 2
    # Nothing is audited when an ordinary record's original is opened.
    page_of(client, office.records["pdf"], "original")
    assert not [e for e in views.history(office.engine, office.records["pdf"]) if e.action == "viewed"]


def test_a_correction_needs_a_reason_and_shows_in_the_history(office):
    client = office.client_for("clerk")
    reg_no = office.records["pdf"]
    old_title = queries.get(office.engine, reg_no).title
    refused = client.post(document_url(reg_no, "corrections"), data={"field": "title", "value": "新标题", "reason": " "})
    assert refused.status_code == 400 and '<p class="error" role="alert">更正必须说明理由</p>' in refused.text
    assert 'value="新标题"' in refused.text  # what was typed is kept
    bad = client.post(document_url(reg_no, "corrections"), data={"field": "date", "value": "2026-13-01", "reason": "错"})
    assert bad.status_code == 400 and "日期「2026-13-01」无法识别" in bad.text
    assert queries.get(office.engine, reg_no).title == old_title
    done = client.post(document_url(reg_no, "corrections"),
                       data={"field": "title", "value": "关于<申请>经费的请示", "reason": "标题识别有误"})
    assert done.status_code == 303 and done.headers["location"] == document_url(reg_no) + "?done=corrected"
    page = client.get(done.headers["location"]).text
    assert "<h1>关于&lt;申请&gt;经费的请示</h1>" in page and "已更正" in page
    [correction] = [row for row in history_rows(page) if row[1] == "更正"]
    assert correction[2] == "clerk"
    assert correction[3] == f"标题：{old_title} → 关于<申请>经费的请示；理由：标题识别有误"


def test_only_a_clerk_corrects_or_voids(office):
    reg_no = office.records["notice"]
    for role in ("leader", "handler", "auditor"):
        client = office.client_for(role)
        assert client.post(document_url(reg_no, "corrections"),
                           data={"field": "title", "value": "改", "reason": "试"}).status_code == 403
        assert client.post(document_url(reg_no, "void"), data={"reason": "试"}).status_code == 403
        assert client.post("/api/documents/" + quote(reg_no, safe="") + "/corrections",
                           json={"field": "title", "value": "改", "reason": "试"}).status_code == 403
        assert "更正与作废" not in page_of(client, reg_no).text
    assert office.client_for("scanner").get(document_url(reg_no)).status_code == 403
    assert office.anonymous().get(document_url(reg_no, "original")).status_code == 303


def test_void_needs_a_reason_and_keeps_the_number(office):
    client = office.client_for("clerk")
    reg_no = office.records["void"]
    refused = client.post(document_url(reg_no, "void"), data={"reason": ""})
    assert refused.status_code == 400 and "作废必须说明理由" in refused.text
    done = client.post(document_url(reg_no, "void"), data={"reason": "重复扫描"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "已作废" in page and "作废理由：重复扫描" in page and 'class="void-form"' not in page
    assert [row[1:] for row in history_rows(page) if row[1] == "作废"] == [["作废", "clerk", "理由：重复扫描"]]
    assert queries.get(office.engine, reg_no).status == "已作废"


def test_an_original_is_served_only_from_inside_the_store(office):
    client = office.client_for("clerk")
    reg_no = office.records["moved"]
    assert page_of(client, reg_no, "original").status_code == 200
    with office.engine.begin() as connection:  # a row edited behind wenshu's back
        connection.execute(text("UPDATE documents SET stored_path = :path WHERE reg_no = :reg_no"),
                           {"path": "../../../../etc/passwd", "reg_no": reg_no})
    refused = page_of(client, reg_no, "original")
    assert refused.status_code == 404 and "root:" not in refused.text
    for path in ("/documents/..%2F..%2Fetc%2Fpasswd/original", "/documents/%2Fetc%2Fpasswd/original"):
        assert client.get(path).status_code == 404


def test_the_api_gives_what_show_json_gives_and_corrects(office):
    client = office.client_for("clerk")
    reg_no = office.records["reply"]
    url = "/api/documents/" + quote(reg_no.replace("〔", "[").replace("〕", "]"), safe="")
    record = client.get(url).json()
    assert record == run_json(office.settings.data_dir, "show", reg_no)
    no_reason = client.post(url + "/corrections", json={"field": "urgency", "value": "特急"})
    assert no_reason.status_code == 400 and no_reason.json() == {"error": "InvalidValue", "message": "更正必须说明理由"}
    unknown = client.post(url + "/corrections", json={"field": "正文", "value": "x", "reason": "试"})
    assert unknown.status_code == 400 and "不能更正" in unknown.json()["message"]
    corrected = client.post(url + "/corrections", json={"field": "紧急程度", "value": "特急", "reason": "原件标注特急"})
    assert corrected.status_code == 200 and corrected.json()["urgency"] == "特急"
    assert corrected.json() == client.get(url).json() == \
        record_json(queries.get(office.engine, reg_no), office.settings, with_text=True)
    assert client.post(url + "/corrections", json={"value": "x"}).json()["error"] == "invalid_request"
    # A clerk cannot make a record vanish from their own view.
    above = client.post(url + "/corrections", json={"field": "密级", "value": "秘密", "reason": "试"})
    assert above.status_code == 400 and "高于您的保密资格" in above.json()["message"]
