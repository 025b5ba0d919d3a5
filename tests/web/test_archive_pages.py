"""归档 in the web application (issue 17): the page shows a year's plan, what blocks it (with
「核对提示」 for 初审 warnings and a way to the 办理 panel) and a disabled 「归档」 while anything
does; filing is one confirmed post as the signed-in clerk (件号 given, an ``archived`` event per
record, a second post has nothing to file); the filed year's 目录 (XLSX with DA/T 22's nine
columns, DOCX), 备考表 and package (a zip of the BagIt bag) are audited downloads; a user who
cannot see every record of the year is told how many they cannot see and may neither file nor
download; an auditor reads but does not file; ``/api/archive/*`` are the CLI's shapes.
TestClient over a real data directory, SQLite registry and whoosh index, with real files
registered through the pipeline (tests/web/conftest.py, tests/archive_year.py).

CSRF and Origin on every unsafe route here, and each route × role: tests/web/test_security.py
and test_access.py, through tests/web/route_table.py."""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import quote

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import archive_plan
from registry.models import AuditEvent
from tests.archive_year import YEAR, archive_year
from tests.web.conftest import SECRET_CLERK, SECRET_TITLE, Office, make_office

CATALOGUE_COLUMNS = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
FINGERPRINT = re.compile(r'name="plan" value="([0-9a-f]+)"')
HIDDEN = "本年度有 1 件超出您密级权限的文件，须由有相应权限的文书归档"
CONFIRM = {"confirmed": "1"}


def text_of(response) -> str:
    """The page as plain text, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def events(office: Office, action: str, actor: str | None = None) -> list[AuditEvent]:
    with Session(office.engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        return list(session.scalars(query))


def file_form(page) -> bool:
    return 'action="/archive/file"' in page.text


@pytest.fixture(scope="module")
def blocked(tmp_path_factory):
    """An office with the samples as registered: every 办件 open, warnings unchecked."""
    made = make_office(tmp_path_factory.mktemp("blocked"), samples=True, template_root=tmp_path_factory.getbasetemp())
    yield made
    made.close()


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    """An office whose 2026 is filed, through ``POST /api/archive/file`` by the clerk cleared for
    秘密; ``filed.records["filing"]`` keeps the answer."""
    made = make_office(tmp_path_factory.mktemp("filed"), samples=True, template_root=tmp_path_factory.getbasetemp())
    archive_year(made)
    answer = made.client_for(SECRET_CLERK).post("/api/archive/file", json={"year": YEAR})
    assert answer.status_code == 200, answer.text
    made.records["filing"] = answer.text
    yield made
    made.close()


# --- the plan, and what blocks it ----------------------------------------------------------

def test_the_page_lists_what_blocks_filing_and_disables_the_button(blocked):
    page = blocked.shared_client(SECRET_CLERK).get(f"/archive?year={YEAR}")
    assert page.status_code == 200, page.text[:500]
    plan = archive_plan.plan(blocked.engine, blocked.settings, YEAR)
    assert plan.blockers
    text = text_of(page)
    section = page.text.split('id="blockers"', 1)[1].split("</section>", 1)[0]
    for blocker in plan.blockers:
        assert f'href="/documents/{quote(blocker.reg_no, safe="")}"' in section
        assert all(reason in text for reason in blocker.reasons)
    assert "办件尚未办结（待拟办）" in text and "去办理" in text            # to the record's 办理 panel
    assert f'href="/documents/{quote(blocked.records["notice"], safe="")}#handling"' in section
    # the 请示 from the PDF sample warns that our own document came in as 收文: 核对提示 is offered
    assert 'action="/archive/review"' in section
    assert not file_form(page)
    assert re.search(r"<button[^>]*disabled[^>]*>归档</button>", page.text)
    assert f"尚有 {len(plan.blockers)} 件文件不能归档" in text
    # the counts, and the categories with their 件 in 件号 order
    assert re.search(rf'class="figure blocked">{len(plan.blockers)}<', page.text)
    assert re.search(rf'class="figure to-file">{plan.to_file}<', page.text)
    for category in plan.categories:
        assert category.code in text
        shown = [item.archive_code for item in category.items]
        assert [code for code in re.findall(r'<td class="code">([^<]+)</td>', page.text) if code in shown] == shown
    assert SECRET_TITLE in text                                            # cleared for 秘密: all of it


def test_checking_warnings_from_the_page_removes_that_blocker_and_is_audited(blocked):
    clerk = blocked.shared_client("clerk")
    reg_no = blocked.records["pdf"]

    def reasons() -> tuple[str, ...]:
        found = archive_plan.plan(blocked.engine, blocked.settings, YEAR).blockers
        return next(b.reasons for b in found if b.reg_no == reg_no)

    assert any(reason.startswith("初审提示未核对") for reason in reasons())
    refused = clerk.post("/archive/review", data={"reg_no": reg_no, "reason": " ", "year": str(YEAR)})
    assert refused.status_code == 400 and "核对初审提示必须说明理由" in refused.text
    done = clerk.post("/archive/review", data={"reg_no": reg_no, "reason": "已核对原件，确为本院请示的来文抄件",
                                                "year": str(YEAR)})
    assert done.status_code == 303, done.text[:300]
    assert done.headers["location"] == f"/archive?year={YEAR}&reviewed={quote(reg_no, safe='')}#blockers"
    assert not any(reason.startswith("初审提示未核对") for reason in reasons())
    assert reasons() == ("办件尚未办结（待拟办）",)                         # the 办件 still blocks
    page = clerk.get(done.headers["location"])
    assert f"已核对 {reg_no} 的初审提示" in text_of(page)
    event = [e for e in events(blocked, "reviewed", "clerk") if e.record == reg_no][-1]
    details = json.loads(event.details)
    assert details["reason"] == "已核对原件，确为本院请示的来文抄件"
    assert details["warnings"] == ["本单位发出的文件出现在收文中"]
    again = clerk.post("/archive/review", data={"reg_no": reg_no, "reason": "再核对", "year": str(YEAR)})
    assert again.status_code == 400 and "没有未核对的初审提示" in again.text


def test_a_record_above_the_clearance_is_not_found_by_review(blocked):
    clerk = blocked.shared_client("clerk")
    secret = blocked.records["secret"]
    response = clerk.post("/archive/review", data={"reg_no": secret, "reason": "已核对", "year": str(YEAR)})
    assert response.status_code == 404 and SECRET_TITLE not in response.text
    api = clerk.post("/api/archive/review", json={"reg_no": secret, "reason": "已核对"})
    assert api.status_code == 404 and api.json()["error"] == "NotFound"


def test_a_clerk_without_clearance_is_told_how_many_records_they_cannot_see(blocked):
    page = blocked.shared_client("clerk").get(f"/archive?year={YEAR}")
    assert page.status_code == 200
    text = text_of(page)
    assert HIDDEN in text
    assert SECRET_TITLE not in page.text and blocked.records["secret"] not in page.text
    assert not file_form(page)
    plan = blocked.shared_client("clerk").get(f"/api/archive/plan?year={YEAR}").json()
    assert plan["hidden"] == 1 and plan["ready"] is False
    assert SECRET_TITLE not in json.dumps(plan, ensure_ascii=False)


def test_filing_a_blocked_year_is_refused_with_the_list_and_files_nothing(blocked):
    clerk = blocked.shared_client(SECRET_CLERK)
    page = clerk.get(f"/archive?year={YEAR}")
    before = len(events(blocked, "archived"))
    refused = clerk.post("/archive/file", data={"year": str(YEAR), **CONFIRM})
    assert refused.status_code == 409, refused.text[:300]
    assert "尚不能归档" in text_of(refused) and 'id="blockers"' in refused.text
    api = clerk.post("/api/archive/file", json={"year": YEAR})
    assert api.status_code == 409 and api.json()["error"] == "ArchiveBlocked"
    assert blocked.records["notice"] in api.json()["message"]
    assert len(events(blocked, "archived")) == before
    assert archive_plan.plan(blocked.engine, blocked.settings, YEAR).filed == 0
    assert page.status_code == 200


def test_an_auditor_reads_the_plan_but_may_not_file_or_check_warnings(blocked):
    auditor = blocked.shared_client("auditor")
    page = auditor.get(f"/archive?year={YEAR}")
    assert page.status_code == 200
    assert 'action="/archive/review"' not in page.text and not file_form(page)
    assert "归档计划" in text_of(page)
    for path, data in (("/archive/file", {"year": str(YEAR), **CONFIRM}),
                       ("/archive/review", {"reg_no": blocked.records["pdf"], "reason": "x", "year": str(YEAR)})):
        refused = auditor.post(path, data=data)
        assert refused.status_code == 403 and "您的角色无权进行此操作" in refused.text


def test_the_navigation_offers_archiving_to_those_who_may_see_it(blocked):
    for role, shown in (("clerk", True), ("auditor", True), ("leader", False), ("admin", False)):
        home = blocked.shared_client(role).get("/")
        assert ('href="/archive"' in home.text) is shown, role


def test_a_bad_year_is_a_plain_refusal(blocked):
    clerk = blocked.shared_client("clerk")
    for year in ("20x6", "99999"):
        response = clerk.get(f"/archive?year={year}")
        assert response.status_code == 400 and "年度" in response.text
    assert clerk.get("/api/archive/catalogue.xlsx").json()["message"] == "请指定年度"


# --- filing ------------------------------------------------------------------------------

def test_filing_from_the_page_numbers_the_year_once(fresh_office):
    office = fresh_office(samples=True)
    ready = archive_year(office)
    clerk = office.client_for(SECRET_CLERK)
    page = clerk.get(f"/archive?year={YEAR}")
    assert page.status_code == 200 and file_form(page)
    assert "我已核对归档计划" in page.text and "归档后不能撤销" in text_of(page)
    plan = FINGERPRINT.search(page.text).group(1)
    form = {"year": str(YEAR), "plan": plan}
    # our 请示 and the 批复 that answers it go together, the 批复 right after it
    request, reply = office.records["request"], office.records["reply"]
    assert f"紧随 {request}（请示与批复一并归档）" in text_of(page)
    listed = re.findall(r'<td class="reg-no"><a href="[^"]*">([^<]+)</a>', page.text.split('id="plan-title"', 1)[1])
    assert listed[listed.index(request) + 1] == reply

    unconfirmed = clerk.post("/archive/file", data=form)
    assert unconfirmed.status_code == 400 and "请先勾选「我已核对归档计划」" in unconfirmed.text
    stale = clerk.post("/archive/file", data={**form, **CONFIRM, "plan": "0" * 16})
    assert stale.status_code == 409 and "归档计划在您核对之后有了变化" in stale.text
    assert not events(office, "archived")

    done = clerk.post("/archive/file", data={**form, **CONFIRM})
    assert done.status_code == 303, done.text[:500]
    assert done.headers["location"] == f"/archive?year={YEAR}&filed={ready.to_file}"
    result = clerk.get(done.headers["location"])
    assert f"已归档 {ready.to_file} 件" in text_of(result)
    assert re.search(rf'class="figure filed">{ready.to_file}<', result.text)
    assert re.search(r'class="figure to-file">0<', result.text)
    assert not file_form(result) and f"{YEAR} 年度没有待归档的文件" in text_of(result)

    now = archive_plan.plan(office.engine, office.settings, YEAR)
    for category in now.categories:
        assert [item.item_no for item in category.items] == list(range(1, len(category.items) + 1))
        assert all(item.filed for item in category.items)
    archived = events(office, "archived", SECRET_CLERK)
    per_record = {e.record: json.loads(e.details) for e in archived if e.record}
    assert per_record == {item.reg_no: per_record[item.reg_no] for c in ready.categories for item in c.items}
    assert all(details["archive_code"] == now.item(reg_no).archive_code for reg_no, details in per_record.items())
    assert office.records["void"] not in per_record                     # voided: left out

    again = clerk.post("/archive/file", data={**form, **CONFIRM, "plan": ""})
    assert again.status_code == 400 and f"{YEAR} 年度没有待归档的文件" in again.text
    assert len(events(office, "archived")) == len(archived)


# --- a filed year: downloads, clearance, the API --------------------------------------------

def test_the_api_filed_the_year_as_the_clerk(filed):
    answer = json.loads(filed.records["filing"])
    plan = archive_plan.plan(filed.engine, filed.settings, YEAR)
    assert answer["year"] == YEAR and answer["excluded"] == 1
    assert [row["reg_no"] for row in answer["filed"]] == [item.reg_no for c in plan.categories for item in c.items]
    assert answer["categories"] == [c.code for c in plan.categories]
    again = filed.shared_client(SECRET_CLERK).post("/api/archive/file", json={"year": YEAR})
    assert again.status_code == 400 and again.json() == {"error": "InvalidValue", "message": f"{YEAR} 年度没有待归档的文件"}


def test_the_plan_api_is_the_clis_shape(filed):
    response = filed.shared_client(SECRET_CLERK).get(f"/api/archive/plan?year={YEAR}")
    assert response.status_code == 200
    plan = response.json()
    assert set(plan) == {"year", "ready", "to_file", "filed", "categories", "blockers", "excluded", "hidden", "plan"}
    assert plan["hidden"] == 0 and plan["to_file"] == 0
    assert plan["filed"] == len(json.loads(filed.records["filing"])["filed"])
    item = plan["categories"][0]["items"][0]
    assert set(item) == {"reg_no", "item_no", "archive_code", "filed", "doc_number", "issuer", "title",
                         "title_supplied", "date", "secrecy", "pages", "retention", "rule", "together_with", "note"}
    assert plan["excluded"] == [{"reg_no": filed.records["void"], "title": "关于开展冬季消防安全检查的通知",
                                 "reason": "已作废：重复扫描"}]


def test_the_catalogue_xlsx_has_the_nine_columns_of_da_t_22_and_is_audited(filed):
    clerk = filed.shared_client(SECRET_CLERK)
    response = clerk.get(f"/api/archive/catalogue.xlsx?year={YEAR}")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=UTF-8''" + quote(f"归档文件目录-{YEAR}.xlsx") in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    plan = archive_plan.plan(filed.engine, filed.settings, YEAR)
    codes = []
    for sheet in workbook.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        header = next(n for n, row in enumerate(rows) if row[:9] == CATALOGUE_COLUMNS)
        assert [cell for cell in rows[header] if cell is not None] == CATALOGUE_COLUMNS
        codes += [row[1] for row in rows[header + 1:] if row[1]]
    assert codes == [item.archive_code for c in plan.categories for item in c.items]
    exported = json.loads(events(filed, "exported", SECRET_CLERK)[-1].details)
    assert exported == {"what": "archive.catalogue", "filters": {"year": YEAR, "format": "xlsx"},
                        "count": len(codes), "destination": "web"}


def test_the_catalogue_docx_and_the_box_notes_open_in_word(filed):
    clerk = filed.shared_client(SECRET_CLERK)
    catalogue = clerk.get(f"/api/archive/catalogue.docx?year={YEAR}")
    assert catalogue.status_code == 200
    document = WordDocument(io.BytesIO(catalogue.content))
    headers = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    assert CATALOGUE_COLUMNS in headers
    body = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert all(item.archive_code in body for c in archive_plan.filed(filed.engine, filed.settings, YEAR)
               for item in c.items)
    notes = clerk.get(f"/api/archive/box-notes.docx?year={YEAR}&checker=李检查")
    assert notes.status_code == 200, notes.text[:300]
    paragraphs = "\n".join(p.text for p in WordDocument(io.BytesIO(notes.content)).paragraphs)
    assert "备考表" in paragraphs and "检查人：李检查" in paragraphs and "整理人：吴机要" in paragraphs
    what = [json.loads(e.details)["what"] for e in events(filed, "exported", SECRET_CLERK)]
    assert "archive.box_notes" in what and "archive.catalogue" in what


def test_the_package_is_a_zip_of_the_bag(filed):
    clerk = filed.shared_client(SECRET_CLERK)
    response = clerk.get(f"/api/archive/package.zip?year={YEAR}")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert len(top) == 1                                                  # one folder: the bag
    bag = top.pop()
    assert f"{bag}/bagit.txt" in names and any(name.startswith(f"{bag}/data/") for name in names)
    assert any(name.startswith(f"{bag}/manifest-sha256") for name in names)
    secret_code = next(item.archive_code for c in archive_plan.filed(filed.engine, filed.settings, YEAR)
                       for item in c.items if item.reg_no == filed.records["secret"])
    assert not any(secret_code in name for name in names)                 # 涉密: only when asked
    with_secret = clerk.get(f"/api/archive/package.zip?year={YEAR}&include_secret=1")
    assert any(secret_code in name for name in zipfile.ZipFile(io.BytesIO(with_secret.content)).namelist())
    exported = json.loads(events(filed, "exported", SECRET_CLERK)[-1].details)
    assert (exported["what"], exported["destination"]) == ("archive.package", "web")  # not the temporary folder


def test_the_page_offers_the_downloads_of_a_filed_year(filed):
    page = filed.shared_client(SECRET_CLERK).get(f"/archive?year={YEAR}")
    assert f'href="/api/archive/catalogue.xlsx?year={YEAR}"' in page.text
    assert f'href="/api/archive/catalogue.docx?year={YEAR}"' in page.text
    assert 'action="/api/archive/box-notes.docx"' in page.text and 'name="checker"' in page.text
    assert 'action="/api/archive/package.zip"' in page.text and 'name="include_secret"' in page.text
    assert text_of(page).count("已归档") >= 1


def test_without_clearance_for_every_record_no_one_takes_the_year_out(filed):
    for role in ("clerk", "auditor"):
        client = filed.shared_client(role)
        page = client.get(f"/archive?year={YEAR}")
        assert page.status_code == 200 and HIDDEN in text_of(page)
        assert "/api/archive/catalogue.xlsx" not in page.text and "/api/archive/package.zip" not in page.text
        assert SECRET_TITLE not in page.text
        for path in ("catalogue.xlsx", "catalogue.docx"):
            refused = client.get(f"/api/archive/{path}?year={YEAR}")
            assert refused.status_code == 403 and refused.json()["message"] == HIDDEN, (role, path)
    clerk = filed.shared_client("clerk")
    for path in ("box-notes.docx", "package.zip"):
        refused = clerk.get(f"/api/archive/{path}?year={YEAR}")
        assert refused.status_code == 403 and refused.json()["message"] == HIDDEN
    refused = clerk.post("/archive/file", data={"year": str(YEAR), **CONFIRM})
    assert refused.status_code == 403 and HIDDEN in refused.text


def test_a_year_with_nothing_filed_has_nothing_to_download(blocked):
    response = blocked.shared_client(SECRET_CLERK).get(f"/api/archive/catalogue.xlsx?year={YEAR}")
    assert response.status_code == 400
    assert response.json()["message"] == f"{YEAR} 年度尚无已归档的文件，请先归档"


def test_a_filed_records_page_offers_archive_correction_and_no_voiding(filed):
    clerk = filed.shared_client("clerk")
    reg_no = filed.records["calendar"]
    url = "/documents/" + quote(reg_no, safe="")
    page = clerk.get(url)
    assert page.status_code == 200
    assert "档案更正" in page.text and 'action="' + url + '/void"' not in page.text
    assert 'value="route"' not in page.text and 'value="title"' in page.text   # description only
    corrected = clerk.post(url + "/corrections", data={"field": "title", "value": "东湖大学关于公布2026年度校历的通知",
                                                       "reason": "题名与原件核对", "csrf_token": clerk.csrf_token})
    assert corrected.status_code == 303, corrected.text[:300]
    [event] = events(filed, "archive_corrected", "clerk")
    assert json.loads(event.details)["reason"] == "题名与原件核对"
    refused = clerk.post(url + "/corrections", data={"field": "retention", "value": "永久", "reason": "鉴定",
                                                     "csrf_token": clerk.csrf_token})
    assert refused.status_code == 400 and "归档后不变" in refused.text
    assert clerk.post(url + "/void", data={"reason": "重复", "csrf_token": clerk.csrf_token}).status_code == 409
