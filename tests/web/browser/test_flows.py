"""The issue's flows in a real browser (issue 15, "Tests in a real browser"): a scanner uploads a
scan and sees it registered; a clerk finds it by a phrase, opens it, sees the PDF inline and
corrects its title with a reason; an auditor finds the correction in the audit log by that
clerk, exports the 登记簿 as Excel and verifies the chain. A clerk without clearance cannot find
a 秘密 record by any route. Every main page fits a phone's width."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect

from tests.pipeline.test_secret_withheld import NOTICE_BODY, NOTICE_HEAD, NOTICE_TAIL
from tests.web.browser.conftest import PHONE
from tests.web.conftest import SAMPLES, SECRET_CLERK, SECRET_TITLE, write_text

PHRASE = "中期考核"                       # in the scan's title: found once the watcher has read it
NEW_TITLE = "关于开展2026年研究生中期考核工作的通知（更正）"
REASON = "扫描识别的标题有误，按纸质件更正"
REG_NO = re.compile(r"收〔\d{4}〕\d+号")


def scanned_pdf(folder: Path) -> Path:
    """A scanner's PDF: the sample scan of a 通知 (300 dpi, no text layer) as one page."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "研究生院通知扫描件.pdf"
    Image.open(SAMPLES / "scan_date_letter_o.png").save(path, "PDF", resolution=300)
    return path


def test_a_scan_uploaded_is_found_corrected_audited_exported_and_verified(server, sign_in, screenshot, tmp_path):
    # 扫描员: upload a scan on the upload page; the page shows it registered
    scanner = sign_in("scanner")
    scanner.goto("/upload")
    scanner.set_input_files("#upload-file", str(scanned_pdf(tmp_path)))
    status = scanner.locator(".upload-status.state-registered")
    status.wait_for(timeout=120_000)                        # the watcher reads the scan (OCR) and registers it
    reg_no = REG_NO.search(status.inner_text()).group(0)
    assert "研究生院通知扫描件.pdf" in scanner.locator("#upload-results").inner_text()
    screenshot(scanner, "upload")

    # 文书: find it by a phrase, open it, the PDF inline, correct the title with a reason
    clerk = sign_in("clerk")
    clerk.goto("/search")
    clerk.get_by_label("检索词").fill(PHRASE)
    clerk.get_by_role("button", name="检索").click()
    hit = clerk.locator(".hit", has_text=reg_no)
    hit.wait_for()
    assert "<mark>" not in hit.inner_text() and PHRASE in hit.locator("mark").first.inner_text()
    screenshot(clerk, "search-phrase")
    with clerk.expect_response(lambda answer: answer.url.endswith("/original")) as original:
        hit.get_by_role("link").first.click()
        clerk.wait_for_url(re.compile(r"/documents/"))
    assert original.value.status == 200 and original.value.headers["content-type"] == "application/pdf"
    assert original.value.headers["content-disposition"].startswith("inline")
    frame = clerk.locator("iframe.original")
    assert frame.get_attribute("src") == f"/documents/{quote(reg_no, safe='')}/original"
    assert frame.bounding_box()["width"] > 600                # shown, not a link to click
    old_title = clerk.locator("h1").inner_text()
    assert PHRASE in old_title
    clerk.wait_for_timeout(1500)  # the PDF viewer draws the page a moment after the frame loads
    screenshot(clerk, "document")
    form = clerk.locator("form.correct-form")
    form.get_by_label("字段").select_option("title")
    form.get_by_label("新值").fill(NEW_TITLE)
    form.get_by_label("理由").fill(REASON)
    form.get_by_role("button", name="更正").click()
    clerk.wait_for_url(re.compile(r"done=corrected"))
    expect(clerk.locator("h1")).to_have_text(NEW_TITLE)
    expect(clerk.locator("[role=status]", has_text="已更正")).to_be_visible()
    screenshot(clerk, "corrected", full_page=True)

    # 审计员: the audit log by that clerk shows the correction with old and new value
    auditor = sign_in("auditor")
    auditor.goto("/audit")
    auditor.get_by_label("操作人").fill("clerk")
    auditor.get_by_role("button", name="筛选").click()
    auditor.wait_for_url(re.compile(r"actor=clerk"))
    row = auditor.locator("tr.action-corrected", has_text=reg_no)
    row.wait_for()
    details = row.inner_text()
    assert f"「{old_title}」" in details and f"「{NEW_TITLE}」" in details and REASON in details
    expect(auditor.locator("td.actor", has_text="scanner")).to_have_count(0)   # only the clerk's events
    screenshot(auditor, "audit")

    # … exports the 登记簿 as Excel (a real download, opened with openpyxl)
    auditor.goto("/register")
    with auditor.expect_download() as download:
        auditor.get_by_role("link", name="Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    rows = [[cell for cell in row if cell is not None]
            for row in load_workbook(saved, read_only=True).active.iter_rows(values_only=True)]
    assert any(reg_no in row and NEW_TITLE in row for row in rows)
    assert any("（涉密文件）" in row for row in rows)               # the auditor's register masks, never drops
    screenshot(auditor, "register")

    # … and verifies the chain
    auditor.goto("/audit")
    auditor.get_by_role("button", name="校验审计链").click()
    result = auditor.locator("#verify-result .verify-result")
    result.wait_for()
    assert "审计链完整" in result.inner_text()
    screenshot(auditor, "verified")

    # the README's picture of 检索: more than one hit
    clerk.goto(f"/search?q={quote('东湖大学')}")
    assert clerk.locator(".hit").count() >= 2
    screenshot(clerk, "search")


def test_a_clerk_without_clearance_finds_a_secret_record_by_no_route(server, sign_in, screenshot):
    secret = server.office.records["secret"]
    clerk = sign_in("clerk")
    cleared = sign_in(SECRET_CLERK)
    for page, sees in ((cleared, True), (clerk, False)):
        page.goto(f"/search?q={quote('危化品清查')}")
        assert (secret in page.locator("#results").inner_text()) is sees
        page.goto("/register")
        assert (SECRET_TITLE in page.locator("main").inner_text()) is sees
        assert (secret in page.locator("main").inner_text()) is sees
        answer = page.goto(f"/documents/{quote(secret, safe='')}")
        assert answer.status == (200 if sees else 404)
        answer = page.request.get(f"/documents/{quote(secret, safe='')}/original")   # a .txt: a download
        assert answer.status == (200 if sees else 404)
    clerk.goto(f"/documents/{quote(secret, safe='')}")
    assert clerk.locator("h1").inner_text() == "找不到" and SECRET_TITLE not in clerk.content()
    screenshot(clerk, "secret-404")


def test_what_became_of_an_uploaded_secret_file_is_not_told_to_the_uncleared(server, sign_in, tmp_path):
    body = (NOTICE_HEAD + NOTICE_BODY + NOTICE_TAIL).replace("机密★1年", "秘密★1年")
    path = write_text(tmp_path, "密件.txt", body)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    cleared = sign_in(SECRET_CLERK)
    cleared.goto("/upload")
    cleared.set_input_files("#upload-file", str(path))
    status = cleared.locator(".upload-status.state-registered")
    status.wait_for(timeout=60_000)
    reg_no = REG_NO.search(status.inner_text()).group(0)
    clerk = sign_in("clerk")
    told = json.loads(clerk.goto(f"/api/upload/{sha}").text())
    assert told["state"] == "registered" and told["reg_no"] is None
    clerk.goto(f"/upload/status/{sha}?name=密件.txt")
    assert reg_no not in clerk.content() and "涉密文件" in clerk.locator("#upload-results").inner_text()
    assert json.loads(cleared.goto(f"/api/upload/{sha}").text())["reg_no"] == reg_no


PHONE_PAGES = {"clerk": ["/", "/search?q=通知", "/documents/{notice}", "/register", "/quarantine", "/upload"],
               "auditor": ["/audit", "/register"], "admin": ["/users", "/users/clerk"], "scanner": ["/upload"]}


def test_the_main_pages_fit_a_phone(server, sign_in, screenshot):
    overflowing = {}
    for role, paths in PHONE_PAGES.items():
        page = sign_in(role, viewport=PHONE)
        for path in paths:
            path = path.format(notice=quote(server.office.records["notice"], safe=""))
            assert page.goto(path).status == 200, path
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width > inner:
                overflowing[f"{role} {path}"] = width
            screenshot(page, f"phone-{role}-{path.strip('/').split('?')[0].replace('/', '-') or 'home'}")
    assert overflowing == {}, f"wider than the 375 px screen: {overflowing}"


@pytest.fixture(autouse=True)
def _server_output(server):
    """What the server printed, shown with a failing test's captured output."""
    yield
    print(f"--- wenshu serve ({server.log}):\n{server.output()}")
