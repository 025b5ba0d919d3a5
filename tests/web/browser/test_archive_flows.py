"""归档 in a real browser (issue 17, "Web: an 归档 page for the clerk"): Debian's chromium against a
real ``wenshu serve`` (tests/web/browser/conftest.py). Before the year is settled the page lists
what blocks it and the button is disabled; once settled (tests/archive_year.py), the clerk cleared
for 秘密 opens 归档 from the navigation, ticks 「我已核对归档计划」, files (confirming the
browser's question), sees the 件号 given, and downloads the 归档文件目录, read back with
openpyxl. A clerk without clearance is told what they cannot see. The page fits a phone.
``wenshu audit verify`` passes afterwards."""

from __future__ import annotations

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from registry import archive_plan
from tests.archive_year import YEAR, archive_year
from tests.web.browser.conftest import PHONE
from tests.web.browser.test_handling_flows import audit_verifies
from tests.web.conftest import SECRET_CLERK
from tests.web.test_archive_pages import CATALOGUE_COLUMNS, HIDDEN


def test_the_clerk_files_the_year_and_downloads_its_catalogue(server, sign_in, screenshot, tmp_path):
    office = server.office
    clerk = sign_in(SECRET_CLERK)
    clerk.get_by_role("navigation").get_by_role("link", name="归档").click()
    clerk.wait_for_url(re.compile(r"/archive$"))
    expect(clerk.locator("h1")).to_contain_text(f"{YEAR} 年度")
    expect(clerk.locator("table.blockers tr.blocker").first).to_be_visible()
    expect(clerk.locator("section.archive-file button")).to_be_disabled()
    screenshot(clerk, "blocked", full_page=True)

    ready = archive_year(office)
    clerk.reload()
    expect(clerk.locator("table.blockers")).to_have_count(0)
    expect(clerk.locator(".figure.to-file")).to_have_text(str(ready.to_file))
    expect(clerk.locator("table.items tr.item")).to_have_count(ready.to_file)
    screenshot(clerk, "ready", full_page=True)

    form = clerk.locator("form.archive-confirm")
    clerk.once("dialog", lambda dialog: dialog.dismiss())          # 取消: nothing filed
    form.get_by_label("我已核对归档计划").check()
    form.get_by_role("button", name="归档").click()
    expect(clerk.locator(".figure.filed")).to_have_text("0")
    clerk.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="归档").click()
    expect(clerk.locator("p.notice")).to_have_text(f"已归档 {ready.to_file} 件：件号已编定，档号为最终档号。")
    expect(clerk.locator(".figure.filed")).to_have_text(str(ready.to_file))
    expect(clerk.locator("table.items td.state").first).to_have_text("已归档")
    screenshot(clerk, "filed", full_page=True)

    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"归档文件目录-{YEAR}.xlsx"
    codes = []
    for sheet in load_workbook(saved).worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        header = next(n for n, row in enumerate(rows) if row[:9] == CATALOGUE_COLUMNS)
        codes += [row[1] for row in rows[header + 1:] if row[1]]
    filed = archive_plan.filed(office.engine, office.settings, YEAR)
    assert codes == [item.archive_code for c in filed for item in c.items]

    # a clerk without clearance: told what they cannot see, offered neither filing nor downloads
    plain = sign_in("clerk")
    plain.goto(f"/archive?year={YEAR}")
    expect(plain.locator(".archive-hidden")).to_contain_text(HIDDEN)
    expect(plain.get_by_role("link", name="Excel")).to_have_count(0)
    screenshot(plain, "hidden", full_page=True)

    # a phone: the page is no wider than the screen
    phone = sign_in(SECRET_CLERK, viewport=PHONE)
    phone.goto(f"/archive?year={YEAR}")
    width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"/archive is {width} px wide on a {inner} px phone"
    screenshot(phone, "phone", full_page=True)
    audit_verifies(server)
