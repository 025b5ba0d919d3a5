"""Issue 14, items 15 and 17 through the real `wenshu watch`: `--once` always terminates, what it
could not take (an unreadable file, a path longer than PATH_MAX, a link) is listed by `status`
and in its exit code; a full disk gives exit 20 for `--once` and a paused, backing-off watcher
that says 「磁盘空间不足」 and carries on once there is room."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from core.errors import Exit
from tests.cli import WENSHU, run
from tests.hostile import make_hostile as h
from tests.hostile.disks import fill, small_disk  # noqa: F401  (a fixture)
from tests.watch.helpers import FAST, documents, environment, wait_until

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_root_reading() -> None:
    """In the child: root without the capabilities that let it read any file, so that a file
    of mode 0000 is unreadable to it as to anyone (nothing to do when not root)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _once(data: Path, *extra: str, check: int, env: dict | None = None, timeout: float = 90) -> list[dict]:
    result = run(data, "watch", "--once", "--json", *FAST, "--workers", "1", *extra, check_code=check,
                 env=env, timeout=timeout, preexec_fn=_without_root_reading)
    assert "Traceback" not in result.stderr, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _status(data: Path, env: dict | None = None) -> dict:
    return json.loads(run(data, "status", "--json", env=env, preexec_fn=_without_root_reading).stdout)


def test_once_terminates_and_lists_an_unreadable_file(tmp_path):
    """`watch --once` never exited when a file in the inbox could not be read."""
    data = tmp_path / "data"
    run(data, "init")
    (data / "inbox" / "ok.txt").write_bytes(h.notice(31))
    locked = data / "inbox" / "locked.txt"
    locked.write_bytes(h.notice(32))
    locked.chmod(0)

    outcomes = _once(data, check=Exit.SOME_SKIPPED, timeout=60)

    assert [(o["file_name"], o["status"]) for o in outcomes] == [("ok.txt", "registered"), ("locked.txt", "skipped")]
    assert outcomes[1]["kind"] == "unreadable" and "权限" in outcomes[1]["reason"]
    status = _status(data)
    assert status["waiting"] == 0 and status["not_taken"] == 1
    assert status["skipped"] == [{"path": "inbox/locked.txt", "kind": "unreadable", "reason": outcomes[1]["reason"]}]
    assert locked.exists()  # left where it is


def _deep_folder(root: Path) -> Path:
    """Folders nested past PATH_MAX (made relative to an open folder, as only that works)."""
    fd = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while len(os.fsencode(root)) + depth * 241 < 4200:
            os.mkdir("层" * 80, dir_fd=fd)
            inner = os.open("层" * 80, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = inner, depth + 1
        handle = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(handle, h.notice(33))
        os.close(handle)
    finally:
        os.close(fd)
    return root / ("层" * 80)


def test_a_path_longer_than_path_max_is_listed_not_skipped_silently(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    _deep_folder(data / "inbox")
    (data / "inbox" / "ok.txt").write_bytes(h.notice(34))

    outcomes = _once(data, check=Exit.SOME_SKIPPED)

    assert [o["status"] for o in outcomes] == ["registered", "skipped"]
    assert outcomes[1]["kind"] == "path_too_long" and "路径过长" in outcomes[1]["reason"]
    [skipped] = _status(data)["skipped"]
    assert skipped["kind"] == "path_too_long" and skipped["path"].startswith("inbox/层")


def test_once_on_a_full_disk_exits_20_and_resumes_when_there_is_room(tmp_path, small_disk):
    """`watch --once` exited 0 though the write failed and the file sat in work/."""
    data = small_disk(6144)
    run(data, "init")
    (data / "inbox" / "a.txt").write_bytes(h.notice(35))
    lines = ["东湖大学教务处", "关于大文件的通知", "各学院："] + [f"第{n}条 请认真落实各项工作。" for n in range(40_000)]
    (data / "inbox" / "b-big.txt").write_text("\n".join(lines), encoding="utf-8")  # 1.3 MB
    filler = fill(data, keep=1_150_000)  # room for the small file, not for a copy of the big one
    no_margin = {"WENSHU_LIMITS_MIN_FREE_MB": "0"}

    result = run(data, "watch", "--once", "--json", *FAST, "--workers", "1", env=no_margin,
                 check_code=Exit.STORAGE_FULL, timeout=90)

    assert "Traceback" not in result.stderr and "磁盘空间不足" in result.stderr
    assert [row["file_name"] for row in documents(data)] == ["a.txt"]
    assert not [p for p in (data / "store").rglob("*") if p.is_file() and p.name.startswith(".") and p.name != ".wenshu-store"]
    [held] = [p for p in (data / "work").rglob("b-big.txt")]  # claimed, in the ledger, resumed next time

    # the usual margin: nothing is taken at all, and status says why
    (data / "inbox" / "c.txt").write_bytes(h.notice(36))
    result = run(data, "watch", "--once", *FAST, check_code=Exit.STORAGE_FULL, timeout=60)
    assert (data / "inbox" / "c.txt").exists()
    status = _status(data, env=no_margin | {"WENSHU_LIMITS_MIN_FREE_MB": "100"})
    assert status["disk_full"] is True

    filler.unlink()
    outcomes = _once(data, check=0, env=no_margin)
    assert {o["file_name"] for o in outcomes if o["status"] == "registered"} == {"b-big.txt", "c.txt"}
    assert not held.exists() and list((data / "work").iterdir()) == []


def test_the_watcher_backs_off_on_a_full_disk_and_carries_on(tmp_path, small_disk):
    """With little space the watcher retried for ever; now it pauses, says 「磁盘空间不足」,
    looks again after 5, 10, 20 … s and carries on once there is room."""
    data = small_disk(4096)
    run(data, "init")
    filler = fill(data, keep=200_000)
    log = tmp_path / "watch.err"
    with log.open("w") as stderr:
        watcher = subprocess.Popen([str(WENSHU), "--data", str(data), "watch", "--json", *FAST, "--workers", "1"],
                                   stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   env=environment(WENSHU_LIMITS_MIN_FREE_MB="1"))
        try:
            (data / "inbox" / "a.txt").write_bytes(h.notice(37))
            wait_until(lambda: "磁盘空间不足" in log.read_text(), 30, message="the status line")
            assert "5 秒后再试" in log.read_text()
            assert (data / "inbox" / "a.txt").exists() and documents(data) == []
            filler.unlink()
            wait_until(lambda: len(documents(data)) == 1, 60, message="the file registered once there is room")
            assert "磁盘空间已恢复" in log.read_text()
        finally:
            watcher.send_signal(signal.SIGTERM)
            assert watcher.wait(60) == 0
            time.sleep(0.2)
    assert log.read_text().count("磁盘空间不足") <= 3  # one line per back-off, not one per tick
