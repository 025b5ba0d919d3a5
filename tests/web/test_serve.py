"""`wenshu serve` for real (issue 15, Running it): the command in a subprocess on a temporary data
directory and a free port; it makes the first `admin` and prints its password once; over HTTP
(httpx) the admin signs in and 工作台 says the watcher is running; a clerk the admin adds sees a
file dropped into the inbox registered, and a file uploaded registered too; SIGTERM ends it with
exit 0, and the watcher is then no longer alive."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.cli import SAMPLE_OFFICE_ENV, WENSHU

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CLERK_PASSWORD = "wenshu-serve-2026"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """The running command, its output read as it comes."""

    def __init__(self, data: Path, port: int, command: tuple[str, ...] = ("serve", "--workers", "1"),
                 more_env: dict[str, str] | None = None):
        env = {key: value for key, value in os.environ.items() if not key.startswith("WENSHU_")}
        env.update(SAMPLE_OFFICE_ENV, WENSHU_WATCH_STABLE_SECONDS="0.5", PYTHONUNBUFFERED="1")
        env.update(more_env or {})
        self.process = subprocess.Popen([str(WENSHU), "--data", str(data), *command, "--port", str(port)],
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            assert self.process.poll() is None, f"wenshu serve exited {self.process.returncode}:\n{self.output}"
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.output}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._reader.join(5)


def sign_in(base: str, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = LOGIN_CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"username": name, "password": password, "csrf_token": token,
                                           "next": "/"}, headers={"Origin": base})
    assert response.status_code == 303, response.text[-500:]
    home = client.get("/")
    assert home.status_code == 200
    client.headers.update({"Origin": base, "X-CSRF-Token": CSRF_META.search(home.text).group(1)})
    return client


def until(check, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def test_serve_runs_the_watcher_and_the_web_application_until_sigterm(tmp_path):
    data, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    served = Served(data, port)
    try:
        password = served.wait_for(r"初始密码：([A-Za-z0-9]{16})").group(1)
        served.wait_for(rf"请用浏览器打开 http://127\.0\.0\.1:{port}/")
        assert served.output.count(password) == 1
        admin = sign_in(base, "admin", password)
        home = admin.get("/").text
        assert "收文监视：运行中" in home
        assert f"{socket.gethostname()}" in home
        # the admin adds a clerk on the 用户 page, who signs in
        added = admin.post("/users", data={"name": "wenshu.clerk", "display_name": "文书", "roles": ["clerk"],
                                           "clearance": "", "password": CLERK_PASSWORD})
        assert added.status_code == 200, added.text[-500:]
        clerk = sign_in(base, "wenshu.clerk", CLERK_PASSWORD)

        # a file dropped into the inbox is registered by the watcher
        shutil.copy(SAMPLES / "notice_table_header.docx", data / "inbox" / "通知.docx")

        def registered(file_name: str):
            rows = clerk.get("/api/log").json()
            return next((row for row in rows if row["file_name"] == file_name), None)

        row = until(lambda: registered("通知.docx"))
        assert row["reg_no"].startswith("收〔") and row["doc_type"] == "通知"
        assert not (data / "inbox" / "通知.docx").exists()

        # a file uploaded is registered too, and the upload's status says so
        content = (SAMPLES / "request_truetype_wqy.pdf").read_bytes()
        response = clerk.post("/api/upload", files={"file": ("请示.pdf", content, "application/pdf")},
                              data={"direction": "收文"})
        assert response.status_code == 201, response.text
        status = response.json()["uploads"][0]["status"]
        outcome = until(lambda: (answer := clerk.get(status).json())["final"] and answer)
        assert outcome["state"] == "registered" and outcome["reg_no"].startswith("收〔")
        assert clerk.get(f"/api/documents/{outcome['reg_no']}").json()["file_name"] == "请示.pdf"
    finally:
        code = served.stop()
    assert code == 0, served.output
    assert "wenshu 已停止" in served.output
    # stopped: the heartbeat says so (read by a web application of its own over the same data)
    from core.settings import load_settings
    from pipeline.workbench import watcher_state
    from pipeline.database import open_registry

    engine = open_registry(load_settings(data_dir=data, env=SAMPLE_OFFICE_ENV))
    assert not watcher_state(engine).alive


def test_serve_says_so_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = Served(tmp_path / "data", port)
        code = served.process.wait(60)
        served.stop()
    assert code != 0
    assert "网页服务未能在" in served.output and str(port) in served.output


def test_web_alone_with_several_workers(tmp_path):
    """`wenshu web --workers 2`: uvicorn's worker processes build the application from the
    settings the command built (the data directory given with --data), and stop on SIGTERM."""
    data, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    served = Served(data, port, ("web", "--workers", "2"))
    try:
        password = served.wait_for(r"初始密码：([A-Za-z0-9]{16})").group(1)
        served.wait_for(r"本进程不监视收文目录")
        admin = until(lambda: _try_sign_in(base, password))
        home = admin.get("/").text
        assert "收文监视：未运行" in home
        assert admin.get("/api/users").json()[0]["name"] == "admin"
    finally:
        code = served.stop()
    assert code == 0, served.output
    assert (data / "wenshu.db").exists()


def _try_sign_in(base: str, password: str) -> httpx.Client | None:
    try:
        return sign_in(base, "admin", password)
    except httpx.TransportError:
        return None  # the workers are still starting
