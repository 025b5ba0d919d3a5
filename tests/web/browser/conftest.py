"""Browser tests: Playwright (sync API) driving Debian's chromium against a real ``wenshu serve``
(the web application and its watcher in one process) on 127.0.0.1 and a free port, over a real
data directory with a user of every role and the sample office's files registered.

Playwright's own browser download does not work here; Debian's /usr/bin/chromium does (the
set-up installs it). Without it these tests skip, saying so. Each page the flows visit is saved
as a screenshot under ``artefacts/`` beside this file (git-ignored; the path is printed);
``WENSHU_TEST_SCREENSHOTS_TO_DOCS=1`` also writes the README's two, docs/img/search.png and
docs/img/document.png (1280×800).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import SAMPLE_OFFICE_ENV
from tests.web.conftest import PASSWORD, REPO, Office, make_office

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=zh-CN"]   # zh-CN: date fields read 年/月/日
WENSHU = Path(sys.executable).with_name("wenshu")
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
DOCS_IMG = REPO / "docs" / "img"
TO_DOCS = os.environ.get("WENSHU_TEST_SCREENSHOTS_TO_DOCS") == "1"
README_SHOTS = {"search", "document"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running ``wenshu serve`` and the office it serves."""

    url: str
    office: Office
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"wenshu serve exited {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/login", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"wenshu serve did not answer within {STARTUP_SECONDS} s:\n{server.output()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``wenshu serve --port FREE`` over an office with its samples registered; stopped with
    SIGTERM (the watcher finishes what it holds) after the module."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (scripts/setup.sh installs it)")
    root = tmp_path_factory.mktemp("served")
    office = make_office(root, samples=True, template_root=tmp_path_factory.getbasetemp())
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("WENSHU_")}
    environment.update({**SAMPLE_OFFICE_ENV, "WENSHU_WATCH_STABLE_SECONDS": "0.3", "OMP_THREAD_LIMIT": "1"})
    log = root / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(WENSHU), "--data", str(office.settings.data_dir), "serve", "--port", str(port),
                                    "--workers", "1"], stdout=output, stderr=subprocess.STDOUT, env=environment)
    running = Server(f"http://127.0.0.1:{port}", office, process, log)
    try:
        _wait_until_serving(running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        office.close()


@pytest.fixture(scope="module")
def chromium(server: Server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    print(f"\nbrowser screenshots: {ARTEFACTS}")
    return ARTEFACTS


@pytest.fixture
def screenshot(artefacts: Path, request: pytest.FixtureRequest) -> Callable:
    """``screenshot(page, name)``: the page as a PNG under artefacts/ (and the README's two in
    docs/img/ when WENSHU_TEST_SCREENSHOTS_TO_DOCS=1)."""
    def take(page, name: str, full_page: bool = False) -> Path:
        path = artefacts / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if TO_DOCS and name in README_SHOTS:
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMG / f"{name}.png")
        return path
    return take


@pytest.fixture
def sign_in(server: Server, chromium) -> Iterator[Callable]:
    """``sign_in(name, viewport=DESKTOP)``: a new browser context (its own cookies) signed in
    through the login page; the page, on the 工作台."""
    contexts = []

    def open_as(name: str, viewport: dict | None = None):
        context = chromium.new_context(viewport=viewport or DESKTOP, base_url=server.url, accept_downloads=True,
                                       locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(name)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
