"""办理 in a real browser (issue 16, Acceptance): Debian's chromium against a real ``wenshu serve``
(tests/web/browser/conftest.py). A clerk writes the 拟办, a leader the 批示 naming the 承办人,
who records the result and closes it; the 文书处理单 downloaded from the page holds those
opinions in their cells (python-docx) and the stamped first page, rendered to PNG, shows the
收文编号 (read back by the project's OCR). An item past its 时限 is on the overdue list, a
特急 one highlighted. A 阅件 circulated to two readers at once is finished when both have read.
Our 请示 is closed when its 批复 arrives through the upload page. After each flow,
``wenshu audit verify`` passes on the server's data directory."""

from __future__ import annotations

import os
import re
import subprocess
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from core.numbers import canonical_brackets
from extractors import extract
from tests.cli import SAMPLE_OFFICE_ENV
from tests.pipeline.test_slips import beside, open_docx
from tests.pipeline.test_understood_registration import REPLY, REQUEST
from tests.web.browser.conftest import PHONE, WENSHU, Server
from tests.web.conftest import write_text
from tests.web.test_handling_pages import action_notice, read_notice

REG_NO = re.compile(r"收〔\d{4}〕\d+号")


def page_of(reg_no: str) -> str:
    return f"/documents/{quote(reg_no, safe='')}"


def state(page) -> object:
    return page.locator("#handling .handling-state").first


def audit_verifies(server: Server) -> None:
    """``wenshu audit verify`` on the data directory the server writes to."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("WENSHU_")}
    environment.update(SAMPLE_OFFICE_ENV)
    done = subprocess.run([str(WENSHU), "--data", str(server.office.settings.data_dir), "audit", "verify"],
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_banjian_from_proposal_to_result_then_its_slip_and_stamp(server, sign_in, screenshot, tmp_path):
    reg_no = action_notice(server.office, "2026年12月30日")

    # 文书: 拟办, sent to the leader (htmx replaces the panel in place)
    clerk = sign_in("clerk")
    clerk.goto(page_of(reg_no))
    expect(state(clerk)).to_have_text("待拟办")
    propose = clerk.locator("form.form-propose")
    propose.get_by_label("拟办意见").fill("拟请赵院长阅示，由钱承办牵头办理。")
    propose.get_by_label("送批领导").select_option("leader")
    propose.get_by_role("button", name="提交拟办意见").click()
    expect(state(clerk)).to_have_text("待批示")
    expect(clerk.locator("#handling [role=status]")).to_have_text("已提交拟办意见。")
    expect(clerk.locator("#handling dd.holder")).to_have_text("赵院长")
    screenshot(clerk, "proposed", full_page=True)

    # 领导: 批示, naming the 承办人 as 主办 and a 时限
    leader = sign_in("leader")
    leader.goto(page_of(reg_no))
    instruct = leader.locator("form.form-instruct")
    instruct.get_by_label("领导批示", exact=True).fill("同意，请钱承办于12月28日前办结。")
    instruct.get_by_label("主办").select_option(["handler"])
    instruct.get_by_label("办理时限", exact=True).fill("2026-12-28")
    instruct.get_by_role("button", name="提交批示").click()
    expect(state(leader)).to_have_text("承办中")
    expect(leader.locator("#handling dd.lead")).to_contain_text("钱承办")
    expect(leader.locator("#handling dd.deadline")).to_have_text("2026-12-28")
    screenshot(leader, "instructed", full_page=True)

    # 承办人: the item is in 我的待办; the result closes it (办结 asks first)
    handler = sign_in("handler")
    handler.goto("/tasks")
    handler.locator("table.tasks a", has_text=reg_no).click()
    handler.wait_for_url(re.compile(re.escape(page_of(reg_no))))
    finish = handler.locator("form.form-finish")
    finish.get_by_label("办理结果").fill("材料已于12月5日报送教务处。")
    handler.once("dialog", lambda dialog: dialog.accept())
    finish.get_by_role("button", name="办结").click()
    expect(state(handler)).to_have_text("已办结")
    kinds = handler.locator("#handling table.opinions td.kind")
    expect(kinds).to_have_text(["拟办意见", "领导批示", "办理结果"])
    expect(handler.locator("#handling table.opinions td.user")).to_have_text(["李文书", "赵院长", "钱承办"])
    expect(handler.locator("#handling form.handling-form")).to_have_count(0)
    screenshot(handler, "finished", full_page=True)

    # the 文书处理单 downloaded from the page holds the opinions in their cells
    clerk.goto(page_of(reg_no))
    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="文书处理单（Word）").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    slip = open_docx(saved.read_bytes())
    assert beside(slip, "拟办意见").startswith("拟请赵院长阅示，由钱承办牵头办理。\n拟办人：李文书")
    assert beside(slip, "领导批示").startswith("同意，请钱承办于12月28日前办结。\n批示人：赵院长")
    assert beside(slip, "办理结果").startswith("材料已于12月5日报送教务处。\n承办人：钱承办")
    assert "主办：钱承办" in beside(slip, "承办单位/人") and canonical_brackets(reg_no) in canonical_brackets(
        beside(slip, "收文编号"))

    # the stamped first page, rendered to PNG, shows the 收文编号 when read back by OCR
    answer = clerk.request.get(f"/api{page_of(reg_no)}/stamped.pdf")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(answer.body())
    try:
        image = pdf[0].render(scale=200 / 72).to_pil()
    finally:
        pdf.close()
    width, height = image.size
    top = tmp_path / "stamped-top.png"
    image.crop((width // 2, 0, width, height // 5)).save(top)       # the 收文章 sits at the top right
    read = extract(top, server.office.settings)
    assert canonical_brackets(reg_no) in canonical_brackets(read.text.replace(" ", "")), read.text
    assert "收文编号" in read.text
    audit_verifies(server)


def test_the_overdue_list_shows_an_item_past_its_deadline(server, sign_in, screenshot):
    late = action_notice(server.office, "2026年1月5日", urgency="特急", dated="2025年12月20日")
    clerk = sign_in("clerk")                      # on the 工作台: my tasks, the overdue 特急 one marked
    block = clerk.locator("section.my-tasks")
    expect(block.locator("tr.urgent", has_text=late)).to_be_visible()
    screenshot(clerk, "home-tasks", full_page=True)
    clerk.goto("/tasks?overdue=1")
    row = clerk.locator(".tasks-overdue tr.task", has_text=late)
    expect(row).to_have_class(re.compile(r"\burgent\b"))
    expect(row.locator("td.deadline")).to_contain_text("2026-01-05（逾期")
    expect(row).to_contain_text("特急")
    screenshot(clerk, "overdue", full_page=True)
    # and the clerk urges the leader it waits for, once proposed
    row.get_by_role("link").click()
    propose = clerk.locator("form.form-propose")
    propose.get_by_label("拟办意见").fill("特急件，拟请赵院长即阅即批。")
    propose.get_by_label("送批领导").select_option("leader")
    propose.get_by_role("button", name="提交拟办意见").click()
    expect(state(clerk)).to_have_text("待批示")
    urge = clerk.locator("form.form-urge")
    urge.get_by_label("催办说明").fill("已逾期，请今日批示")
    urge.get_by_role("button", name="催办").click()
    expect(clerk.locator("#handling ul.urges li")).to_contain_text("李文书 催办 赵院长：已逾期，请今日批示")
    leader = sign_in("leader")
    leader.goto("/tasks")
    expect(leader.locator(".tasks-overdue tr.task", has_text=late).locator("td.holder")).to_contain_text("已催办")
    screenshot(leader, "leader-tasks", full_page=True)

    # on a phone: the list, the 工作台 block and the panel with its forms fit the 375 px screen
    phone = sign_in("leader", viewport=PHONE)
    for path in ("/tasks", "/", page_of(late)):
        assert phone.goto(path).status == 200
        width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{path} is {width} px wide on a {inner} px screen"
    screenshot(phone, "phone-panel", full_page=True)
    audit_verifies(server)


def test_a_yuejian_circulated_to_two_readers_finishes_when_both_have_read(server, sign_in, screenshot):
    reg_no = read_notice(server.office)
    clerk = sign_in("clerk")
    clerk.goto(page_of(reg_no))
    expect(state(clerk)).to_have_text("待传阅")
    circulate = clerk.locator("form.form-circulate")
    circulate.get_by_label("第 1 位").select_option("leader")
    circulate.get_by_label("第 2 位").select_option("handler")
    circulate.get_by_label("同时传阅").check()
    circulate.get_by_role("button", name="开始传阅").click()
    expect(state(clerk)).to_have_text("传阅中")
    expect(clerk.locator("#handling table.readers caption")).to_contain_text("应阅 2，已阅 0，未阅 2")

    for name, comment in (("handler", ""), ("leader", "已阅，请各系遵照执行。")):
        reader = sign_in(name)
        reader.goto(page_of(reg_no))
        read = reader.locator("form.form-read")
        if comment:
            read.get_by_label("阅文意见").fill(comment)
        read.get_by_role("button", name="已阅").click()
        expect(reader.locator("#handling [role=status]")).to_have_text("已阅。")
        screenshot(reader, f"read-{name}", full_page=True)

    clerk.reload()
    expect(state(clerk)).to_have_text("已阅毕")
    expect(clerk.locator("#handling table.readers caption")).to_contain_text("应阅 2，已阅 2，未阅 0")
    expect(clerk.locator("#handling tr.reader.unread")).to_have_count(0)
    expect(clerk.locator("#handling table.readers")).to_contain_text("已阅，请各系遵照执行。")
    screenshot(clerk, "all-read", full_page=True)
    audit_verifies(server)


def test_a_reply_arriving_closes_our_request(server, sign_in, screenshot, tmp_path):
    ours = server.office.register_text("增设岗位请示.txt", REQUEST, direction="发文")
    clerk = sign_in("clerk")
    clerk.goto(page_of(ours))
    expect(state(clerk)).to_have_text("待回复")
    # the 批复 arrives: the clerk uploads it into 收文 and the watcher registers it
    clerk.goto("/upload")
    clerk.set_input_files("#upload-file", str(write_text(tmp_path, "人事处批复.txt", REPLY)))
    status = clerk.locator(".upload-status.state-registered")
    status.wait_for(timeout=60_000)
    reply = REG_NO.search(status.inner_text()).group(0)
    clerk.goto(page_of(ours))
    expect(state(clerk)).to_have_text("已办结")
    result = clerk.locator("#handling tr.opinion", has_text="办理结果")
    expect(result).to_contain_text(reply)
    expect(result.locator("td.user")).to_have_text("系统")
    screenshot(clerk, "request-answered", full_page=True)
    audit_verifies(server)


@pytest.fixture(autouse=True)
def _server_output(server):
    """What the server printed, shown with a failing test's captured output."""
    yield
    print(f"--- wenshu serve ({server.log}):\n{server.output()}")

