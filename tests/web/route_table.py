"""THE route × role table, written out by hand (issue 15: "A table test: every route × every role
(and anonymous) → expected status"). Deliberately not derived from ``pipeline/web/access.py``:
a route wired to the wrong action, or an action given to the wrong role, disagrees with it.

Each route says the action its ``require`` must name, who may use it, the status of a
successful request, and how to make a real request of it (a registered record's 登记号, a
quarantined file, a real upload, a real user): a 200 in this table is a page that worked.
Requests that change or use up something (void, discard, add a user, log out) get a fresh
thing of their own for each role that may do them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from core.vocab import OUTGOING, SYSTEM_ACTOR
from pipeline import quarantined
from registry import archive_file, users
from tests.web.conftest import PASSWORD, Office

ROLES = ("admin", "clerk", "leader", "handler", "auditor", "scanner")

# Who may, by the issue and access.py's reasons; spelled out, not imported.
EVERYONE = frozenset(ROLES)
READERS = frozenset({"clerk", "leader", "handler", "auditor"})      # the archive's readers
REGISTER = frozenset({"clerk", "leader", "auditor"})                # the 登记簿
EXPORTERS = frozenset({"clerk", "auditor"})                         # 登记簿 CSV/XLSX
AUDITING = frozenset({"auditor", "admin"})                          # the audit trail, its verification
AUDIT_EXPORT = frozenset({"auditor"})                               # the audit trail taken out
QUARANTINE = frozenset({"clerk", "scanner", "admin"})               # 隔离区 list
FEEDERS = frozenset({"clerk", "scanner"})                           # 上传, 重新处理
CLERKS = frozenset({"clerk"})                                       # 更正, 作废, 删除
ADMINS = frozenset({"admin"})                                       # 用户
HANDLING = frozenset({"clerk", "leader", "handler"})                # 办理 steps, 我的待办
ARCHIVE_READERS = frozenset({"clerk", "auditor"})                   # the 归档 page, its plan, the 目录
ARCHIVISTS = frozenset({"clerk"})                                   # 归档, 核对提示, 备考表, the package

_serial = itertools.count(1)
_years = itertools.count(2001)     # a year of its own for each filing


@dataclass(frozen=True)
class Call:
    """One request: the path (with real parameters) and what it carries."""

    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)   # data=, json=, files=, params=


Build = Callable[[Office, bool], Call]   # (office, the role may do it: make what it uses up) → Call


@dataclass(frozen=True)
class Route:
    method: str
    path: str                  # as the app declares it
    action: str                # what its require() must name
    allowed: frozenset[str]
    success: int               # the status when an allowed role asks
    build: Build
    own_session: bool = False  # the request ends the session: a new login for it

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def doc(path: str, record: str = "notice") -> Build:
    """A path under /documents/{reg_no} (or /api/documents/{reg_no}) of a registered record."""
    return lambda office, _: Call(path.format(reg_no=quote(office.records[record], safe="")))


def fixed(path: str, **kwargs: Any) -> Build:
    return lambda office, _: Call(path, kwargs)


def _fresh_record(office: Office, may: bool) -> str:
    if not may:
        return office.records["void"]
    return office.register_text(f"作废{next(_serial)}.txt",
                                f"关于第{next(_serial)}次测试作废的通知\n各部门：\n此件用于测试作废。\n东湖大学保卫处\n2026年12月1日\n")


def _void(api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        reg_no = quote(_fresh_record(office, may), safe="")
        reason = {"reason": "登记重复，作废"}
        return Call(f"/api/documents/{reg_no}/void", {"json": reason}) if api else \
            Call(f"/documents/{reg_no}/void", {"data": reason})
    return build


def _correct(api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        reg_no = quote(office.records["notice"], safe="")
        body = {"field": "title", "value": f"关于做好期末考试工作的通知（第{next(_serial)}次更正）",
                "reason": "标题抄录有误"}
        return Call(f"/api/documents/{reg_no}/corrections", {"json": body}) if api else \
            Call(f"/documents/{reg_no}/corrections", {"data": body})
    return build


def _quarantined(office: Office, may: bool) -> str:
    """A quarantined file, by the name the 隔离区 lists it under (a fresh one when it will be used up)."""
    file_name = f"空白{next(_serial)}.pdf" if may else "空白扫描.pdf"
    if may:
        office.quarantine(file_name)
    names = [item.name for item in quarantined.listing(office.settings) if item.file_name == file_name]
    assert len(names) == 1, f"{file_name} in the 隔离区: {names}"
    return names[0]


def _quarantine(action: str, api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        body = {"name": _quarantined(office, may)}
        if action == "discard":
            body["reason"] = "空白扫描，已重新扫描"
        path = f"/api/quarantine/{action}" if api else f"/quarantine/{action}"
        return Call(path, {"json": body} if api else {"data": body})
    return build


def _upload(api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        content = f"关于第{next(_serial)}次上传测试的通知\n各部门：\n上传测试。\n东湖大学\n2026年12月1日\n".encode()
        files = {"file": (f"上传{next(_serial)}.txt", content, "text/plain")}
        return Call("/api/upload" if api else "/upload", {"files": files, "data": {"direction": "收文"}})
    return build


def _upload_status(api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        sha = hashlib.sha256((office.settings.data_dir.parent / "work" / "samples" /
                              "notice_table_header.docx").read_bytes()).hexdigest()
        return Call(f"/api/upload/{sha}" if api else f"/upload/status/{sha}")
    return build


def _new_user(office: Office, may: bool, disabled: bool = False) -> str:
    """A user of its own to change (changing one ends its sessions: not one the table signs in as)."""
    if not may:
        return "handler"
    name = f"target{next(_serial)}"
    users.add_user(office.engine, name, roles=["handler"], password=PASSWORD, actor=SYSTEM_ACTOR)
    if disabled:
        users.disable(office.engine, name, SYSTEM_ACTOR, "测试停用")
    return name


def _user_post(what: str) -> Build:
    def build(office: Office, may: bool) -> Call:
        name = _new_user(office, may, disabled=what == "enable")
        data = {"change": {"display_name": "新名字", "roles": ["handler", "leader"], "clearance": ""},
                "password": {"password": "xin-mima-2026-abc"},
                "disable": {"reason": "调离"}, "enable": {}}[what]
        return Call(f"/users/{name}/{what}", {"data": data})
    return build


def _add_user(office: Office, may: bool) -> Call:
    return Call("/users", {"data": {"name": f"xinren{next(_serial)}", "display_name": "新人", "roles": ["clerk"],
                                    "clearance": "", "password": "xinren-mima-2026"}})


def _in_hand(office: Office) -> str:
    """A new 收文 办件 already 承办中 with the 承办人 as 主办: a 转办 is open to the clerk, the leader
    and that 承办人 alike (the registry checks each step's state and user itself)."""
    from pipeline.handling import act

    n = next(_serial)
    reg_no = office.register_text(f"办件{n}.txt", f"关于报送第{n}次测试材料的通知\n各部门：\n请于2026年12月30日前报送测试材料。\n"
                                                 "东湖大学教务处\n2026年12月1日\n")
    act(office.engine, office.settings, reg_no, "propose", "clerk", text="拟请领导批示")
    act(office.engine, office.settings, reg_no, "instruct", "leader", text="请承办人办理", assignees=["handler"])
    return reg_no


def _handle(api: bool) -> Build:
    def build(office: Office, may: bool) -> Call:
        reg_no = quote(_in_hand(office) if may else office.records["notice"], safe="")
        step = {"action": "transfer", "assignees": ["clerk"], "text": "改由文书办理"}
        return Call(f"/api/documents/{reg_no}/handling", {"json": step}) if api else \
            Call(f"/documents/{reg_no}/handling", {"data": step})
    return build


def _our_notice(office: Office, year: int, *, deadline: bool = False) -> str:
    """A 发文 通知 of the office signed in ``year``: nothing blocks its filing unless it names a
    deadline long past (then its 初审 warning 收文时已逾期 waits for 核对提示)."""
    n = next(_serial)
    due = f"请于{year}年3月31日前报送材料。\n" if deadline else "请各部门遵照执行。\n"
    return office.register_text(f"归档{n}.txt", f"东湖大学化学化工学院文件\n化学院发〔{year}〕{n}号\n"
                                              f"东湖大学化学化工学院关于第{n}次归档测试的通知\n各系、各办公室：\n{due}"
                                              f"东湖大学化学化工学院\n{year}年3月1日\n", direction=OUTGOING)


FILED_YEAR = 2019   # filed once per office, for the 目录, 备考表 and package


def _download(path: str) -> Build:
    """A download of the office's filed year (filed the first time one is asked for)."""
    def build(office: Office, may: bool) -> Call:
        if "filed" not in office.records:
            office.records["filed"] = _our_notice(office, FILED_YEAR)
            archive_file.file_year(office.engine, office.settings, FILED_YEAR, "clerk")
        return Call(path, {"params": {"year": FILED_YEAR}})
    return build


def _file_year(api: bool) -> Build:
    """A year of its own with one 件 and nothing blocking, for each role that may file it; a
    year with blockers (nothing filed, whoever asks) for the others."""
    def build(office: Office, may: bool) -> Call:
        year = next(_years) if may else 2026
        if may:
            _our_notice(office, year)
        return Call("/api/archive/file", {"json": {"year": year}}) if api else \
            Call("/archive/file", {"data": {"year": str(year), "confirmed": "1"}})
    return build


def _review(api: bool) -> Build:
    """A record whose 初审 warning waits for 核对提示 (a fresh one for each role that may)."""
    def build(office: Office, may: bool) -> Call:
        reg_no = _our_notice(office, 1999, deadline=True) if may else office.records["pdf"]
        body = {"reg_no": reg_no, "reason": "已核对原件"}
        return Call("/api/archive/review", {"json": body}) if api else \
            Call("/archive/review", {"data": {**body, "year": "1999"}})
    return build


SEARCH = {"q": "期末考试"}

TABLE: tuple[Route, ...] = (
    # 工作台, 退出
    Route("GET", "/", "home", EVERYONE, 200, fixed("/")),
    Route("GET", "/home/watcher", "home", EVERYONE, 200, fixed("/home/watcher")),
    Route("POST", "/logout", "home", EVERYONE, 303, fixed("/logout"), own_session=True),
    # 检索
    Route("GET", "/search", "search", READERS, 200, fixed("/search", params=SEARCH)),
    Route("GET", "/api/search", "search", READERS, 200, fixed("/api/search", params=SEARCH)),
    # 文件
    Route("GET", "/documents/{reg_no}", "document", READERS, 200, doc("/documents/{reg_no}")),
    Route("GET", "/documents/{reg_no}/original", "original", READERS, 200, doc("/documents/{reg_no}/original", "pdf")),
    Route("POST", "/documents/{reg_no}/corrections", "correct", CLERKS, 303, _correct(api=False)),
    Route("POST", "/documents/{reg_no}/void", "void", CLERKS, 303, _void(api=False)),
    Route("GET", "/api/documents/{reg_no}", "document", READERS, 200, doc("/api/documents/{reg_no}")),
    Route("GET", "/api/documents/{reg_no}/original", "original", READERS, 200,
          doc("/api/documents/{reg_no}/original", "pdf")),
    Route("POST", "/api/documents/{reg_no}/corrections", "correct", CLERKS, 200, _correct(api=True)),
    Route("POST", "/api/documents/{reg_no}/void", "void", CLERKS, 200, _void(api=True)),
    # 文书处理单 and 收文章 (issue 16): the stamped page is the original's, so it asks for ``original``
    Route("GET", "/documents/{reg_no}/slip", "document", READERS, 200, doc("/documents/{reg_no}/slip")),
    Route("GET", "/api/documents/{reg_no}/slip.docx", "document", READERS, 200,
          doc("/api/documents/{reg_no}/slip.docx")),
    Route("GET", "/api/documents/{reg_no}/stamped.pdf", "original", READERS, 200,
          doc("/api/documents/{reg_no}/stamped.pdf", "pdf")),
    # 登记簿
    Route("GET", "/register", "register", REGISTER, 200, fixed("/register")),
    Route("GET", "/api/log", "register", REGISTER, 200, fixed("/api/log")),
    Route("GET", "/api/log.csv", "export", EXPORTERS, 200, fixed("/api/log.csv")),
    Route("GET", "/api/log.xlsx", "export", EXPORTERS, 200, fixed("/api/log.xlsx")),
    # 审计
    Route("GET", "/audit", "audit", AUDITING, 200, fixed("/audit")),
    Route("POST", "/audit/verify", "verify", AUDITING, 200, fixed("/audit/verify")),
    Route("GET", "/api/audit", "audit", AUDITING, 200, fixed("/api/audit")),
    Route("POST", "/api/audit/verify", "verify", AUDITING, 200, fixed("/api/audit/verify")),
    Route("GET", "/api/audit.csv", "export_audit", AUDIT_EXPORT, 200, fixed("/api/audit.csv")),
    Route("GET", "/api/audit.xlsx", "export_audit", AUDIT_EXPORT, 200, fixed("/api/audit.xlsx")),
    # 隔离区
    Route("GET", "/quarantine", "quarantine", QUARANTINE, 200, fixed("/quarantine")),
    Route("GET", "/api/quarantine", "quarantine", QUARANTINE, 200, fixed("/api/quarantine")),
    Route("POST", "/quarantine/retry", "retry", FEEDERS, 200, _quarantine("retry", api=False)),
    Route("POST", "/quarantine/discard", "discard", CLERKS, 200, _quarantine("discard", api=False)),
    Route("POST", "/api/quarantine/retry", "retry", FEEDERS, 200, _quarantine("retry", api=True)),
    Route("POST", "/api/quarantine/discard", "discard", CLERKS, 200, _quarantine("discard", api=True)),
    # 上传
    Route("GET", "/upload", "upload", FEEDERS, 200, fixed("/upload")),
    Route("POST", "/upload", "upload", FEEDERS, 200, _upload(api=False)),
    Route("POST", "/api/upload", "upload", FEEDERS, 201, _upload(api=True)),
    Route("GET", "/upload/status/{sha256}", "upload", FEEDERS, 200, _upload_status(api=False)),
    Route("GET", "/api/upload/{sha256}", "upload", FEEDERS, 200, _upload_status(api=True)),
    # 办理 (issue 16): reading a record's handling is reading the record
    Route("POST", "/documents/{reg_no}/handling", "handle", HANDLING, 303, _handle(api=False)),
    Route("GET", "/api/documents/{reg_no}/handling", "document", READERS, 200, doc("/api/documents/{reg_no}/handling")),
    Route("POST", "/api/documents/{reg_no}/handling", "handle", HANDLING, 200, _handle(api=True)),
    Route("GET", "/tasks", "tasks", HANDLING, 200, fixed("/tasks")),
    Route("GET", "/api/tasks", "tasks", HANDLING, 200, fixed("/api/tasks", params={"mine": "1"})),
    # 归档 (issue 17)
    Route("GET", "/archive", "archive_view", ARCHIVE_READERS, 200, fixed("/archive")),
    Route("GET", "/api/archive/plan", "archive_view", ARCHIVE_READERS, 200, fixed("/api/archive/plan")),
    Route("POST", "/archive/file", "archive_file", ARCHIVISTS, 303, _file_year(api=False)),
    Route("POST", "/api/archive/file", "archive_file", ARCHIVISTS, 200, _file_year(api=True)),
    Route("POST", "/archive/review", "archive_file", ARCHIVISTS, 303, _review(api=False)),
    Route("POST", "/api/archive/review", "archive_file", ARCHIVISTS, 200, _review(api=True)),
    Route("GET", "/api/archive/catalogue.xlsx", "archive_view", ARCHIVE_READERS, 200,
          _download("/api/archive/catalogue.xlsx")),
    Route("GET", "/api/archive/catalogue.docx", "archive_view", ARCHIVE_READERS, 200,
          _download("/api/archive/catalogue.docx")),
    Route("GET", "/api/archive/box-notes.docx", "archive_file", ARCHIVISTS, 200,
          _download("/api/archive/box-notes.docx")),
    Route("GET", "/api/archive/package.zip", "archive_file", ARCHIVISTS, 200, _download("/api/archive/package.zip")),
    # 用户
    Route("GET", "/users", "users", ADMINS, 200, fixed("/users")),
    Route("GET", "/api/users", "users", ADMINS, 200, fixed("/api/users")),
    Route("POST", "/users", "users", ADMINS, 200, _add_user),
    Route("GET", "/users/{name}", "users", ADMINS, 200, fixed("/users/handler")),
    Route("POST", "/users/{name}/change", "users", ADMINS, 200, _user_post("change")),
    Route("POST", "/users/{name}/password", "users", ADMINS, 200, _user_post("password")),
    Route("POST", "/users/{name}/disable", "users", ADMINS, 200, _user_post("disable")),
    Route("POST", "/users/{name}/enable", "users", ADMINS, 200, _user_post("enable")),
)

# Routes anyone may reach: the login form and its post (they carry their own CSRF token).
OPEN = frozenset({"GET /login", "POST /login"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
