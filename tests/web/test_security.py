"""The web application's defences, each tried for real (issue 15, "Security, tested"): CSRF and
Origin checks on every route that changes something, security headers and no inline code on
every page, API tokens, HTML and script in file names, titles and text shown as text, originals
served only by registry lookup, and 涉密 records that do not exist for a user without clearance,
by any route. (Sessions, logins and ``next=``: tests/web/test_sessions.py.)"""

from __future__ import annotations

import hashlib
import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import queries, users
from registry.models import AuditEvent
from tests.web.conftest import ORIGIN, SECRET_CLERK, SECRET_TITLE, Office
from tests.web.route_table import TABLE, UNSAFE, Route

CSRF_REFUSED = "CSRF 校验未通过"
ORIGIN_REFUSED = "来源校验未通过"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def audit_count(office: Office) -> int:
    with Session(office.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def message_of(response) -> str:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()["message"]
    return response.text


class InlineCode(HTMLParser):
    """What a page holds that a CSP without 'unsafe-inline' would block or an attacker would
    want: scripts without src, event-handler and style attributes, <style>, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# --- CSRF and Origin on every route that changes something -----------------------------------

UNSAFE_ROUTES = [route for route in TABLE if route.method in UNSAFE]


@pytest.fixture(scope="module")
def bare_clients(office: Office):
    """Two sessions per role, sending no CSRF token or Origin unless the test gives them."""
    made = {}

    def get(role: str, second: bool = False):
        if (role, second) not in made:
            client = office.client_for(role)
            client.headers.pop("X-CSRF-Token")
            client.headers.pop("Origin")
            made[role, second] = client
        return made[role, second]
    return get


@pytest.mark.parametrize("case", ["no token", "wrong token", "token of another session", "other origin",
                                  "null origin", "no origin or referer"])
@pytest.mark.parametrize("route", UNSAFE_ROUTES, ids=[route.key for route in UNSAFE_ROUTES])
def test_an_unsafe_request_without_the_sessions_csrf_token_or_from_elsewhere_is_refused(office, bare_clients,
                                                                                          route: Route, case: str):
    role = sorted(route.allowed)[0]               # one who may: only the check can refuse it
    client = bare_clients(role)
    call = route.build(office, False)             # an existing record, file or user: nothing used up
    headers = {"Origin": ORIGIN, "X-CSRF-Token": client.csrf_token}
    if case == "no token":
        del headers["X-CSRF-Token"]
    elif case == "wrong token":
        headers["X-CSRF-Token"] = "x" * len(client.csrf_token)
    elif case == "token of another session":
        headers["X-CSRF-Token"] = bare_clients(role, second=True).csrf_token
    elif case == "other origin":
        headers["Origin"] = "http://evil.example"
    elif case == "null origin":                   # a sandboxed frame or a data: page
        headers["Origin"] = "null"
    else:
        del headers["Origin"]
    before = audit_count(office)
    response = client.request(route.method, call.path, headers=headers, **call.kwargs)
    assert response.status_code == 403, f"{route.key} {case}: {response.status_code} {response.text[:300]}"
    assert (ORIGIN_REFUSED if "origin" in case else CSRF_REFUSED) in message_of(response)
    assert audit_count(office) == before          # nothing was done, nothing recorded


def test_the_csrf_token_may_come_as_the_forms_hidden_field(office, bare_clients):
    client = bare_clients("auditor")
    response = client.post("/audit/verify", data={"csrf_token": client.csrf_token}, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    refused = client.post("/audit/verify", data={"csrf_token": bare_clients("auditor", True).csrf_token},
                          headers={"Origin": ORIGIN})
    assert refused.status_code == 403


def test_a_referer_of_this_server_stands_for_a_missing_origin(office, bare_clients):
    client = bare_clients("auditor")
    headers = {"X-CSRF-Token": client.csrf_token}
    assert client.post("/api/audit/verify", headers={**headers, "Referer": f"{ORIGIN}/audit"}).status_code == 200
    assert client.post("/api/audit/verify",
                       headers={**headers, "Referer": "http://evil.example/audit"}).status_code == 403


# --- API tokens --------------------------------------------------------------------------------

def test_an_api_token_works_without_csrf_and_a_disabled_users_token_is_refused(office):
    token = users.issue_token(office.engine, "clerk", "admin")
    api = office.anonymous()
    bearer = {"Authorization": f"Bearer {token}"}
    found = api.get("/api/search", params={"q": "期末考试"}, headers=bearer)
    assert found.status_code == 200 and found.json()["total"] >= 1
    reg_no = quote(office.records["pdf"], safe="")
    before = audit_count(office)
    corrected = api.post(f"/api/documents/{reg_no}/corrections", headers=bearer,   # no CSRF token, no Origin
                         json={"field": "urgency", "value": "加急", "reason": "纸面标注加急"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["urgency"] == "加急"
    with Session(office.engine) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert audit_count(office) > before and (event.actor, event.record) == ("clerk", office.records["pdf"])

    assert api.get("/api/search", params={"q": "期末考试"},
                   headers={"Authorization": "Bearer " + "x" * len(token)}).status_code == 401
    users.add_user(office.engine, "leaving", roles=["clerk"], password="leaving-mima-2026", actor="admin")
    leaving = users.issue_token(office.engine, "leaving", "admin")
    assert api.get("/api/log", headers={"Authorization": f"Bearer {leaving}"}).status_code == 200
    users.disable(office.engine, "leaving", "admin", "调离")
    refused = api.get("/api/log", headers={"Authorization": f"Bearer {leaving}"})
    assert refused.status_code == 401 and refused.json()["error"] == "not_signed_in"


# --- headers and no inline code ------------------------------------------------------------

PAGES = [route for route in TABLE if route.method == "GET" and not route.api and not route.path.endswith("/original")]


def _check_headers(response) -> None:
    csp = response.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] in (["'self'"], ["'none'"])
    assert response.headers["x-frame-options"] in ("SAMEORIGIN", "DENY")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]


@pytest.mark.parametrize("route", PAGES, ids=[route.key for route in PAGES])
def test_every_page_has_the_security_headers_and_no_inline_script_or_style(office, route: Route):
    client = office.shared_client(sorted(route.allowed)[0])
    response = client.get(route.build(office, False).path, **route.build(office, False).kwargs)
    assert response.status_code == 200
    _check_headers(response)
    assert inline_code(response.text) == []


@pytest.mark.parametrize("what", ["login", "not found", "forbidden", "api", "original"])
def test_other_answers_have_the_security_headers_too(office, what):
    clerk = office.shared_client("clerk")
    response = {"login": lambda: office.anonymous().get("/login"),
                "not found": lambda: clerk.get("/no/such/page"),
                "forbidden": lambda: clerk.get("/users"),
                "api": lambda: clerk.get("/api/log"),
                "original": lambda: clerk.get(f"/documents/{quote(office.records['pdf'], safe='')}/original")}[what]()
    _check_headers(response)
    if response.headers["content-type"].startswith("text/html"):
        assert inline_code(response.text) == []


# --- HTML and script in what the office receives are shown as text -------------------------

def hostile_docx(folder: Path) -> Path:
    """A 通知 whose file name, title and text carry markup (python-docx writes it as text)."""
    lines = ["东湖大学实验室与设备管理处文件", "东大设〔2026〕5号", f"关于{SCRIPT}开展危险废液{IMG}集中回收的通知",
             "各学院：", f"为做好危险废液集中回收工作，{SCRIPT}现将有关事项通知如下。请各学院于12月18日前报送废液清单{IMG}。",
             "东湖大学实验室与设备管理处", "2026年12月2日"]
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{IMG}废液回收.docx"
    document.save(path)
    return path


@pytest.fixture(scope="module")
def hostile(office: Office) -> str:
    outcome = office.ingest(hostile_docx(office.work / "hostile"))
    assert SCRIPT in outcome.title and IMG in outcome.title
    office.quarantine(f"{IMG}空白.pdf")        # a file name holds no "/": no </script> in it
    return outcome.reg_no


def escaped(markup: str) -> str:
    return markup.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("where", ["search", "document", "register", "quarantine", "audit", "upload status"])
def test_markup_in_file_names_titles_and_text_is_shown_as_text(office, hostile, where):
    url = quote(hostile, safe="")
    sha = hashlib.sha256(next((office.work / "hostile").iterdir()).read_bytes()).hexdigest()
    role, path, params, shown = {
        "search": ("clerk", "/search", {"q": "危险废液"}, (SCRIPT, IMG)),          # title and snippet
        "document": ("clerk", f"/documents/{url}", {}, (SCRIPT, IMG)),           # title, file name, why_route
        "register": ("clerk", "/register", {}, (SCRIPT, IMG)),
        "quarantine": ("clerk", "/quarantine", {}, (IMG,)),                      # the file's name
        "audit": ("auditor", "/audit", {"record": hostile}, (IMG,)),             # file name, why_route
        "upload status": ("scanner", f"/upload/status/{sha}", {"name": f"{IMG}{SCRIPT}.docx"}, (SCRIPT, IMG)),
    }[where]
    response = office.shared_client(role).get(path, params=params)
    assert response.status_code == 200, response.status_code
    assert SCRIPT not in response.text and "<img src=x" not in response.text
    for markup in shown:
        assert escaped(markup) in response.text, markup
    assert inline_code(response.text) == []
    if where == "search":
        assert "<mark>危险废液</mark>" in response.text        # the snippet's own markup is kept
        assert "<mark>" not in response.text.replace("<mark>危险废液</mark>", "")


@pytest.mark.parametrize("path", [f"/search?q={quote(SCRIPT)}", f"/documents/{quote(SCRIPT, safe='')}",
                                  f"/register?issuer={quote(SCRIPT)}", f"/audit?actor={quote(SCRIPT)}",
                                  f"/no-such-page/{quote(SCRIPT, safe='')}"])
def test_what_the_user_typed_is_shown_as_text_too(office, path):
    role = "auditor" if path.startswith("/audit") else "clerk"
    response = office.shared_client(role).get(path)
    assert SCRIPT not in response.text and inline_code(response.text) == []


def test_the_api_sends_markup_as_json_not_as_a_page(office, hostile):
    response = office.shared_client("clerk").get(f"/api/documents/{quote(hostile, safe='')}")
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["title"].count(SCRIPT) == 1


# --- originals: only by registry lookup ------------------------------------------------------

TRAVERSALS = ["..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fwenshu.db", "..%252f..%252fwenshu.db",
              "%2Fetc%2Fpasswd", "store%2F..%2F..%2Fwenshu.db", "..%5C..%5Cwenshu.db", "wenshu.db",
              "%E6%94%B6%E3%80%942026%E3%80%951%E5%8F%B7%2F..%2F..%2Fwenshu.db"]


@pytest.mark.parametrize("prefix", ["/documents", "/api/documents"])
@pytest.mark.parametrize("name", TRAVERSALS)
def test_a_path_in_the_request_never_reaches_a_file(office, prefix, name):
    clerk = office.shared_client("clerk")
    for path in (f"{prefix}/{name}/original", f"{prefix}/{name}", f"{prefix}/{name}/original?download=true"):
        response = clerk.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert b"SQLite format" not in response.content and b"root:" not in response.content


@pytest.mark.parametrize("path", ["/static/..%2F..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e/%2e%2e/web/app.py",
                                  "/static/..%2fapp.py", "/static/../../etc/passwd"])
def test_static_files_do_not_leave_their_folder(office, path):
    response = office.anonymous().get(path)
    assert response.status_code == 404 and b"root:" not in response.content and b"create_app" not in response.content


def test_a_stored_files_hash_or_store_path_is_not_a_way_in(office):
    document = queries.get(office.engine, office.records["pdf"])
    clerk = office.shared_client("clerk")
    for name in (document.sha256, document.stored_path, Path(document.stored_path).name):
        assert clerk.get(f"/documents/{quote(name, safe='')}/original").status_code == 404


def test_an_original_is_sent_as_what_it_is_inline_or_as_a_download(office):
    clerk = office.shared_client("clerk")
    url = f"/documents/{quote(office.records['pdf'], safe='')}/original"
    inline = clerk.get(url)
    assert inline.status_code == 200 and inline.content.startswith(b"%PDF-")
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
    assert inline.headers["x-content-type-options"] == "nosniff"
    download = clerk.get(url, params={"download": "true"})
    assert download.headers["content-disposition"].startswith("attachment;")
    docx = clerk.get(f"/documents/{quote(office.records['notice'], safe='')}/original")
    assert docx.headers["content-disposition"].startswith("attachment;")   # only PDF and images inline


# --- 涉密: a record above one's clearance does not exist for one, anywhere --------------------

def _bracket_spellings(reg_no: str) -> list[str]:
    return [reg_no, reg_no.replace("〔", "[").replace("〕", "]"), reg_no.replace("〔", "(").replace("〕", ")")]


@pytest.mark.parametrize("role", ["clerk", "leader", "handler"])
def test_a_secret_record_is_404_wherever_it_is_addressed(office, role):
    reg_no = office.records["secret"]
    client = office.shared_client(role)
    for spelling in _bracket_spellings(reg_no):
        url = quote(spelling, safe="")
        for path in (f"/documents/{url}", f"/documents/{url}/original", f"/documents/{url}/original?download=true",
                     f"/api/documents/{url}", f"/api/documents/{url}/original"):
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert SECRET_TITLE not in response.text
    # and its own page says exactly what a number that was never given says
    missing = client.get(f"/documents/{quote('收〔2026〕999号', safe='')}")
    secret = client.get(f"/documents/{quote(reg_no, safe='')}")
    assert secret.text.replace(reg_no, "N") == missing.text.replace("收〔2026〕999号", "N")


def test_a_clerk_without_clearance_can_neither_correct_nor_void_a_secret_record(office):
    url = quote(office.records["secret"], safe="")
    clerk = office.shared_client("clerk")
    before = audit_count(office)
    answers = [clerk.post(f"/documents/{url}/corrections", data={"field": "title", "value": "改", "reason": "试"}),
               clerk.post(f"/documents/{url}/void", data={"reason": "试"}),
               clerk.post(f"/api/documents/{url}/corrections", json={"field": "title", "value": "改", "reason": "试"}),
               clerk.post(f"/api/documents/{url}/void", json={"reason": "试"})]
    assert [answer.status_code for answer in answers] == [404] * 4
    assert audit_count(office) == before
    assert queries.get(office.engine, office.records["secret"]).title == SECRET_TITLE


def _everything_a_clerk_lists(client) -> dict[str, str]:
    """Every list, export and count a clerk has, as text."""
    xlsx = load_workbook(io.BytesIO(client.get("/api/log.xlsx").content), read_only=True)
    return {
        "search": client.get("/search", params={"q": "危化品清查"}).text,
        "search 报告": client.get("/search", params={"q": "文种:报告"}).text,
        "api search": client.get("/api/search", params={"q": "危化品清查"}).text,
        "api search all": client.get("/api/search", params={"q": "东湖大学", "limit": 100}).text,
        "register": client.get("/register").text,
        "api log": client.get("/api/log").text,
        "csv": client.get("/api/log.csv").content.decode("utf-8-sig"),
        "xlsx": "\n".join(" ".join(str(cell) for cell in row if cell is not None)
                          for sheet in xlsx.worksheets for row in sheet.iter_rows(values_only=True)),
    }


def test_a_clerk_without_clearance_finds_a_secret_record_by_no_list_export_or_count(office):
    reg_no = office.records["secret"]
    cleared, clerk = office.shared_client(SECRET_CLERK), office.shared_client("clerk")
    seen = _everything_a_clerk_lists(cleared)
    for name in ("search", "api search", "register", "api log", "csv", "xlsx"):   # it is there to be found
        assert reg_no in seen[name] and SECRET_TITLE in seen[name], name
    for name, text in _everything_a_clerk_lists(clerk).items():
        assert reg_no not in text and SECRET_TITLE not in text, name
        assert name.startswith(("search", "api search")) or "危化品" not in text, name  # searches echo the query
    assert cleared.get("/api/search", params={"q": "危化品清查"}).json()["total"] == 1
    assert clerk.get("/api/search", params={"q": "危化品清查"}).json()["total"] == 0
    assert len(cleared.get("/api/log").json()) == len(clerk.get("/api/log").json()) + 1


def _figures(html: str) -> list[str]:
    import re
    return re.findall(r'<p class="figure">(\d+)</p>', html)


def test_the_home_page_counts_only_what_the_clerk_may_see(office):
    cleared = _figures(office.shared_client(SECRET_CLERK).get("/").text)
    uncleared = _figures(office.shared_client("clerk").get("/").text)
    assert cleared and len(cleared) == len(uncleared)
    assert int(cleared[0]) == int(uncleared[0]) + 1        # 今日收文: the 秘密 报告 is not counted
    assert cleared[1:] == uncleared[1:]


def test_an_auditor_sees_the_secret_row_masked_and_its_history_without_details(office):
    reg_no = office.records["secret"]
    auditor = office.shared_client("auditor")
    register = auditor.get("/register").text
    assert reg_no in register and "（涉密文件）" in register and SECRET_TITLE not in register
    assert auditor.get(f"/documents/{quote(reg_no, safe='')}").status_code == 404
    trail = auditor.get("/api/audit", params={"record": reg_no}).text
    assert "危化品" not in trail
    assert "危化品" not in auditor.get("/audit", params={"record": reg_no}).text


def test_every_look_at_a_secret_original_is_audited(office):
    reg_no = office.records["secret"]
    cleared = office.shared_client(SECRET_CLERK)
    before = audit_count(office)
    assert cleared.get(f"/documents/{quote(reg_no, safe='')}/original").status_code == 200
    assert cleared.get(f"/api/documents/{quote(reg_no, safe='')}/original",
                       params={"download": "true"}).status_code == 200
    with Session(office.engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > before, AuditEvent.record == reg_no)).all()
    assert [event.actor for event in events] == [SECRET_CLERK, SECRET_CLERK]
