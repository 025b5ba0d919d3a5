"""检索 (/search) and /api/search over a real registry and index: phrases, filters as query words,
removable chips, paging, htmx's partial answer, escaping, query errors in Chinese, clearance,
and the JSON equal to ``wenshu search --json``."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from core.vocab import OUTGOING
from pipeline import searching
from pipeline.indexing import index_registered
from pipeline.ingest import Context, ingest_file
from pipeline.search_form import PAGE_SIZE, SearchForm, parts_of
from pipeline.web.routes.documents import document_url
from tests.cli import run_json
from tests.conftest import pg_database
from tests.pipeline.test_understood_registration import REPLY, REQUEST
from tests.web.conftest import NOTICE_PHRASE, SECRET_CLERK, SECRET_TITLE, Office, make_office, write_text

PAGED = 23  # 安全检查 notices: two pages of results
SCRIPT_NAME = "<img src=x onerror=alert(2)>.txt"  # a file name cannot hold a slash
SCRIPT_TITLE = "关于<script>alert(1)</script>检查的通知"
SCRIPT_TEXT = f"""东湖大学网络信息中心
东大网〔2026〕3号
{SCRIPT_TITLE}
各单位：
请于12月1日前完成<b>网页</b>漏洞自查。
东湖大学网络信息中心
2026年11月3日
"""


def _paged_notice(n: int) -> str:
    return f"""东湖大学后勤保障处
东大后〔2026〕{100 + n}号
关于开展第{n}批宿舍安全检查的通知
各学院：
请配合做好第{n}批宿舍安全检查。
东湖大学后勤保障处
2026年10月{1 + n % 28}日
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The same pages over both search backends: the whoosh index, and PostgreSQL's search rows."""
    database_url = None
    if request.param == "postgresql":
        database_url, drop = pg_database()
        request.addfinalizer(drop)
    made = make_office(tmp_path_factory.mktemp("search"), samples=True, database_url=database_url)
    made.records["request"] = made.register_text("请示.txt", REQUEST, direction=OUTGOING)
    made.records["reply"] = made.register_text("批复.txt", REPLY)
    made.records["script"] = made.register_text(SCRIPT_NAME, SCRIPT_TEXT)
    # Many files, one index commit (as a batch of `wenshu ingest` does).
    context = Context(settings=made.settings, engine=made.engine, actor="clerk")
    paged = [ingest_file(write_text(made.work / "paged", f"检查{n}.txt", _paged_notice(n)), context).reg_no
             for n in range(1, PAGED + 1)]
    assert all(paged) and index_registered(made.engine, made.settings, paged, "clerk")
    yield made
    made.close()


HIT = re.compile(r'<li class="hit">\s*<h2><a href="([^"]+)">')
TOTAL = re.compile(r"共 <strong>(\d+)</strong> 条")
CHIP = re.compile(r'<span class="chip">([^<]*)(?:<a href="([^"]*)")?')


def hits(page: str) -> list[str]:
    return [html.unescape(href) for href in HIT.findall(page)]


def total(page: str) -> int:
    return int(TOTAL.search(page).group(1))


def chips(page: str) -> dict[str, str | None]:
    return {html.unescape(label): html.unescape(href) if href else None for label, href in CHIP.findall(page)}


def test_a_phrase_finds_the_registered_sample_with_marked_snippet(office):
    page = office.client_for("clerk").get("/search", params={"q": f"“{NOTICE_PHRASE}”"})
    assert page.status_code == 200
    assert hits(page.text) == [document_url(office.records["notice"])]
    assert f"<mark>{NOTICE_PHRASE}</mark>" in page.text
    assert 'value="“期末考试”"' in page.text  # the box keeps what was typed


def test_each_filter_narrows_the_results(office):
    client = office.client_for("clerk")
    everything = client.get("/search", params={"q": "东湖大学"}).text
    assert total(everything) >= PAGED + 3
    by_direction = client.get("/search", params={"q": "东湖大学", "direction": OUTGOING}).text
    assert hits(by_direction) == [document_url(office.records["request"])]
    by_type = client.get("/search", params={"q": "东湖大学", "doc_type": "批复"}).text
    assert hits(by_type) == [document_url(office.records["reply"])]
    by_issuer = client.get("/search", params={"q": "东湖大学", "issuer": "教务处"}).text
    assert hits(by_issuer) == [document_url(office.records["notice"])]
    dated = client.get("/search", params={"q": "东湖大学", "from": "2026-11-19", "to": "2026-11-25"}).text
    assert set(hits(dated)) == {document_url(office.records["notice"]), document_url(office.records["reply"])}
    routed = client.get("/search", params={"q": "宿舍安全检查", "route": "办件"}).text
    read = client.get("/search", params={"q": "宿舍安全检查", "route": "阅件"}).text
    assert total(routed) + total(read) == PAGED
    not_secret = client.get("/search", params={"q": "东湖大学", "secrecy": "非密"}).text
    assert total(not_secret) == total(everything)  # this clerk sees no 涉密 record at all


def test_chips_show_what_was_understood_and_each_removes_its_part(office):
    client = office.client_for("clerk")
    page = client.get("/search", params={"q": "教务处的通知 考试", "route": "办件"}).text
    shown = chips(page)
    assert set(shown) == {"文种：通知", "发文机关：东湖大学教务处", "包含：考试", "阅办：办件"}
    without_type = urlsplit(shown["文种：通知"])
    assert without_type.path == "/search"
    assert parse_qs(without_type.query) == {"q": ["考试"], "issuer": ["东湖大学教务处"], "route": ["办件"]}
    after = client.get(shown["文种：通知"]).text
    assert set(chips(after)) == {"发文机关：东湖大学教务处", "包含：考试", "阅办：办件"}
    assert hits(after) == [document_url(office.records["notice"])]
    assert parse_qs(urlsplit(shown["包含：考试"]).query) == {"doc_type": ["通知"], "issuer": ["东湖大学教务处"],
                                                            "route": ["办件"]}


@pytest.mark.parametrize("query", ["教务处的函", "“科研经费” -阅件 文种:通知、请示", "31号文 超期未办",
                                   "发文机关:人事处 日期:2026-11..2026-12 紧急程度:特急", "-密级:涉密 东大教发[2026]31号",
                                   "标题:\"期末 考试\" 登记日期:2026 状态:已登记", "去年12月的请示 部门:教学"])
def test_a_search_written_back_from_its_chips_is_the_same_search(office, query):
    """Every chip's link is the search rebuilt from the other parts: with none taken out, the
    rebuilt search must be understood exactly as the original."""
    settings = office.settings
    understood = searching.search(settings, query, clearance=None).understood_as
    rebuilt = SearchForm(q=query).without(parts_of(understood))
    again = searching.search(settings, rebuilt.query(), clearance=None, **rebuilt.options()).understood_as
    assert again == understood, rebuilt


def test_pages_with_a_total_and_htmx_gets_only_the_section(office):
    client = office.client_for("clerk")
    first = client.get("/search", params={"q": "宿舍安全检查"})
    assert total(first.text) == PAGED and len(hits(first.text)) == PAGE_SIZE
    assert "第 1 / 2 页" in first.text and first.text.lstrip().startswith("<!doctype html>")
    second = client.get("/search?q=宿舍安全检查&page=2", headers={"HX-Request": "true", "HX-Target": "search"})
    assert second.status_code == 200 and second.headers["vary"] == "HX-Request"
    assert second.text.lstrip().startswith('<section id="search"') and "<html" not in second.text
    assert len(hits(second.text)) == PAGED - PAGE_SIZE
    assert not set(hits(first.text)) & set(hits(second.text))
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    beyond = client.get("/search", params={"q": "宿舍安全检查", "page": 9}).text
    assert hits(beyond) == [] and total(beyond) == PAGED and "回到第 1 页" in beyond
    # htmx restoring its history asks for the whole page.
    restored = client.get("/search?q=宿舍安全检查&page=2", headers={
        "HX-Request": "true", "HX-Target": "search", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text


def test_titles_file_names_and_snippets_are_shown_as_text(office):
    page = office.client_for("clerk").get("/search", params={"q": "漏洞自查"}).text
    assert hits(page) == [document_url(office.records["script"])]
    assert "<script>alert" not in page and "<b>网页" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;网页&lt;/b&gt;" in page
    assert len(re.findall(r"<script\b", page)) == 2  # htmx and app.js, nothing else


def test_a_malformed_query_is_a_chinese_message_not_an_error_page(office):
    client = office.client_for("clerk")
    page = client.get("/search", params={"q": "“期末考试"})
    assert page.status_code == 400
    assert re.search(r'<p class="error" role="alert">引号不成对', page.text)
    bad_date = client.get("/search", params={"q": "考试", "from": "2026-02-30"})
    assert "不是有效的日期" in bad_date.text
    partial = client.get("/search", params={"q": "文种:公文"}, headers={"HX-Request": "true", "HX-Target": "search"})
    assert partial.status_code == 200 and "未知的文种" in partial.text  # htmx swaps a 200 only
    api = client.get("/api/search", params={"q": "“期末考试"})
    assert api.status_code == 400 and api.json()["error"] == "QueryError" and "引号" in api.json()["message"]


def test_clearance_decides_what_is_found_and_which_levels_are_offered(office):
    plain, cleared = office.client_for("clerk"), office.client_for(SECRET_CLERK)
    for client, expected in ((plain, []), (cleared, [document_url(office.records["secret"])])):
        page = client.get("/search", params={"q": f"“{SECRET_TITLE}”"}).text
        assert hits(page) == expected
        assert client.get("/api/search", params={"q": f"“{SECRET_TITLE}”"}).json()["total"] == len(expected)
    offered = re.compile(r'<select name="secrecy">(.*?)</select>', re.S)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", offered.search(plain.get("/search").text).group(1)) == \
        ["全部", "非密"]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", offered.search(cleared.get("/search").text).group(1)) == \
        ["全部", "非密", "秘密", "涉密"]
    assert total(cleared.get("/search", params={"q": "东湖大学", "secrecy": "秘密"}).text) == 1
    assert "共 <strong>0</strong> 条" in plain.get("/search", params={"q": "东湖大学", "secrecy": "涉密"}).text


def test_who_may_search(office):
    assert office.client_for("scanner").get("/search").status_code == 403
    assert office.client_for("admin").get("/api/search", params={"q": "考试"}).status_code == 403
    assert office.anonymous().get("/search?q=考试").headers["location"].startswith("/login?next=/search")
    assert office.anonymous().get("/api/search?q=考试").status_code == 401
    for role in ("clerk", "leader", "handler", "auditor"):
        assert office.client_for(role).get("/search", params={"q": "考试"}).status_code == 200


def test_the_api_answers_exactly_what_the_command_prints(office):
    client = office.client_for("clerk")
    for query, options in (("宿舍安全检查", {"limit": 5, "page": 2}), ("教务处的通知", {})):
        api = client.get("/api/search", params={"q": query, **options})
        assert api.status_code == 200
        library = searching.search(office.settings, query, clearance=None, **options).to_json()
        assert api.json() == library
    command = run_json(office.settings.data_dir, "search", "宿舍安全检查", "--limit", "5", "--page", "2",
                       env={"WENSHU_DATABASE_URL": office.settings.database_url})
    assert client.get("/api/search", params={"q": "宿舍安全检查", "limit": 5, "page": 2}).json() == command
