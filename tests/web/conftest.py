"""The web application's tests share one kind of office: a real data directory with the sample
office's settings, a real SQLite registry and whoosh index, a user of every role (plus a clerk
cleared for 秘密), and a few real files registered through the pipeline (``ingest_file`` and
``index_registered``, what ``wenshu ingest`` runs) or quarantined by it.

``office`` is built once per test module (it costs a second or two); a test that changes what
others rely on (disables a user, throttles logins) makes its own with ``make_office``.
``client_for(role)`` is a TestClient signed in through the real login form, carrying the
session's CSRF token and this server's Origin on every request, so a test of permissions is not
a test of CSRF; ``anonymous()`` is a client with no session.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core.settings import Settings, load_settings
from core.vocab import INCOMING, ROLES, SYSTEM_ACTOR, Status
from pipeline.indexing import index_registered
from pipeline.ingest import Context, Outcome, ingest_file
from registry import users
from pipeline.database import open_registry
from tests.cli import SAMPLE_OFFICE_ENV
from tests.pipeline.test_secret_withheld import REPORT_BODY, REPORT_HEAD, REPORT_TAIL

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
ORIGIN = "http://testserver"          # TestClient's own origin: what the Origin check accepts
PASSWORD = "wenshu-ceshi-2026"
SECRET_CLERK = "clerk.mi"             # a 文书 cleared for 秘密; the user named ``clerk`` has no clearance
USER_NAMES = {role: role for role in ROLES}  # one user per role, named by its code
DISPLAY_NAMES = {"admin": "王管理", "clerk": "李文书", "leader": "赵院长", "handler": "钱承办",
                 "auditor": "孙审计", "scanner": "周扫描"}

# The phrase the plain 通知 is found by, and the title of the 秘密 报告 (found by nobody uncleared).
NOTICE_PHRASE = "期末考试"
SECRET_TITLE = "东湖大学化学化工学院关于实验室危化品清查情况的报告"
SECRET_TEXT = REPORT_HEAD + REPORT_BODY + REPORT_TAIL
VOID_NOTICE = """东湖大学保卫处文件
东大保〔2026〕7号
关于开展冬季消防安全检查的通知
各学院：
请各学院于12月15日前完成本单位消防安全自查，并报送自查表。
东湖大学保卫处
2026年12月1日
"""

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def office_settings(data_dir: Path, web: dict[str, Any] | None = None) -> Settings:
    """The sample office's settings for this data directory, with ``[web]`` values."""
    return load_settings(data_dir=data_dir, env=SAMPLE_OFFICE_ENV, overrides={"web": web} if web else None)


def add_users(engine: Engine) -> None:
    for role, name in USER_NAMES.items():
        users.add_user(engine, name, roles=[role], password=PASSWORD, actor=SYSTEM_ACTOR,
                       display_name=DISPLAY_NAMES[role])
    users.add_user(engine, SECRET_CLERK, roles=["clerk"], password=PASSWORD, actor=SYSTEM_ACTOR,
                   clearance="秘密", display_name="吴机要")


def ingest(settings: Settings, engine: Engine, path: Path, *, actor: str = "clerk",
           direction: str = INCOMING, file_name: str | None = None) -> Outcome:
    """One file through the pipeline as ``wenshu --user ACTOR ingest PATH`` does it (extracted
    in this process), indexed when it is registered."""
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    outcome = ingest_file(path, Context(settings=settings, engine=engine, actor=actor), direction=direction,
                          file_name=file_name)
    if outcome.status == Status.REGISTERED:
        assert index_registered(engine, settings, [outcome.reg_no], actor)
    return outcome


def write_text(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Office:
    """One office's data directory and the web application over it."""

    settings: Settings
    engine: Engine
    app: Any
    work: Path                                         # where the test writes files before ingesting them
    records: dict[str, str] = field(default_factory=dict)   # what → 登记号
    quarantined: dict[str, Outcome] = field(default_factory=dict)
    _clients: list[TestClient] = field(default_factory=list)
    _shared: dict[str, TestClient] = field(default_factory=dict)

    def anonymous(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        self._clients.append(client)
        return client

    def login(self, name: str, password: str = PASSWORD, client: TestClient | None = None,
              next_path: str = "/") -> Any:
        """The real login form: GET /login for its token, POST it back. The response."""
        client = client or self.anonymous()
        page = client.get("/login")
        token = LOGIN_CSRF.search(page.text).group(1)
        return client.post("/login", data={"username": name, "password": password, "csrf_token": token,
                                           "next": next_path}, headers={"Origin": ORIGIN})

    def client_for(self, role_or_name: str) -> TestClient:
        """A client signed in as the user of this role (or of this name), sending the session's
        CSRF token and this server's Origin with every request. ``client.csrf_token`` holds it."""
        name = USER_NAMES.get(role_or_name, role_or_name)
        client = self.anonymous()
        response = self.login(name, client=client)
        assert response.status_code == 303, f"login as {name}: {response.status_code} {response.text[:300]}"
        client.csrf_token = csrf_of(client)
        client.headers.update({"Origin": ORIGIN, "X-CSRF-Token": client.csrf_token})
        return client

    def shared_client(self, role_or_name: str) -> TestClient:
        """One signed-in client per user for the whole office (logging in costs an argon2 hash):
        for tests that neither sign it out nor change its headers."""
        if role_or_name not in self._shared:
            self._shared[role_or_name] = self.client_for(role_or_name)
        return self._shared[role_or_name]

    def ingest(self, path: Path, **kwargs: Any) -> Outcome:
        return ingest(self.settings, self.engine, path, **kwargs)

    def register_text(self, name: str, text: str, **kwargs: Any) -> str:
        outcome = self.ingest(write_text(self.work, name, text), **kwargs)
        assert outcome.status == Status.REGISTERED, outcome
        return outcome.reg_no

    def quarantine(self, name: str, content: bytes = b"") -> Outcome:
        """A file the pipeline refuses (empty by default) under this name, quarantined."""
        path = self.work / "broken" / f"{len(self.quarantined)}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        outcome = self.ingest(path)
        assert outcome.status == Status.QUARANTINED, outcome
        self.quarantined[name] = outcome
        return outcome

    def close(self) -> None:
        for client in self._clients:
            client.close()


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, as a page gives it to its forms and to htmx."""
    page = client.get("/")
    assert page.status_code == 200, page.status_code
    return CSRF_META.search(page.text).group(1)


_TEMPLATES: dict[str, Path] = {}  # a data directory with the users made, per process (argon2 is slow)


def _template(root: Path) -> Path:
    if "users" not in _TEMPLATES:
        settings = office_settings(root / "template" / "data")
        umask = os.umask(0o077)  # private, as wenshu makes it (and copies keep the modes)
        try:
            settings.data_dir.mkdir(parents=True)
            engine = open_registry(settings)
            add_users(engine)
            engine.dispose()
        finally:
            os.umask(umask)
        _TEMPLATES["users"] = settings.data_dir
    return _TEMPLATES["users"]


def make_office(root: Path, web: dict[str, Any] | None = None, samples: bool = False,
                template_root: Path | None = None, database_url: str | None = None) -> Office:
    """A new office under ``root``: users of every role (copied from a data directory made once
    per process under ``template_root``; added afresh to a ``database_url`` of its own); with
    ``samples``, a 通知 (docx), a 请示 (born-digital PDF), a 秘密 报告, a 通知 to be voided and one
    quarantined empty PDF."""
    from pipeline.web.app import create_app

    data_dir = root / "data"
    if database_url is None:
        shutil.copytree(_template(template_root or root), data_dir)
        settings = office_settings(data_dir, web)
    else:
        data_dir.mkdir(parents=True, mode=0o700)
        settings = office_settings(data_dir, web).model_copy(update={"database_url": database_url})
        add_users(open_registry(settings))
    engine = open_registry(settings)
    office = Office(settings, engine, create_app(settings), root / "work")
    umask = os.umask(0o077)  # what ingest makes in the data directory is private, as wenshu's own is
    try:
        _register_samples(office, samples)
    finally:
        os.umask(umask)
    return office


def _register_samples(office: Office, samples: bool) -> None:
    if samples:
        copy = office.work / "samples"
        copy.mkdir(parents=True, exist_ok=True)
        for key, sample in (("notice", "notice_table_header.docx"), ("pdf", "request_truetype_wqy.pdf")):
            outcome = office.ingest(Path(shutil.copy(SAMPLES / sample, copy / sample)))
            assert outcome.status == Status.REGISTERED, outcome
            office.records[key] = outcome.reg_no
        office.records["secret"] = office.register_text("危化品清查报告.txt", SECRET_TEXT)
        office.records["void"] = office.register_text("消防检查通知.txt", VOID_NOTICE)
        office.quarantine("空白扫描.pdf")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The module's office, with its samples registered (shared: do not disable its users)."""
    made = make_office(tmp_path_factory.mktemp("office"), samples=True,
                       template_root=tmp_path_factory.getbasetemp())
    yield made
    made.close()


@pytest.fixture(scope="module")
def plain_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The module's office with users and nothing registered (shared: do not disable its users
    or use up its logins)."""
    made = make_office(tmp_path_factory.mktemp("plain"), template_root=tmp_path_factory.getbasetemp())
    yield made
    made.close()


@pytest.fixture
def client_for(office: Office) -> Callable[[str], TestClient]:
    return office.client_for


@pytest.fixture
def fresh_office(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Office]]:
    """``fresh_office(web={...})``: an office of this test alone (users, no samples)."""
    made: list[Office] = []

    def build(web: dict[str, Any] | None = None, samples: bool = False) -> Office:
        made.append(make_office(tmp_path / f"office{len(made)}", web, samples, tmp_path_factory.getbasetemp()))
        return made[-1]

    yield build
    for each in made:
        each.close()
