"""The data directory is private whatever the umask (issue 14 §9): under umask 000 the real
command makes every folder 0700 and every file 0600, SQLite's -wal and -shm included, and it
warns (in Chinese, on stderr) when an existing data directory is open to other users."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli import run, run_json
from tests.pipeline.test_secret_withheld import NOTICE_BODY, NOTICE_HEAD, NOTICE_TAIL
from tests.watch.helpers import WatchProcess, wait_until

FAST = ("--stable-seconds", "0.2", "--workers", "1")
OWN_NOTICE = """东湖大学化学化工学院
化学院〔2026〕11号
东湖大学化学化工学院关于白鹭实验室开放的通知
各系：
白鹭实验室自下周起对全院师生开放。
东湖大学化学化工学院
2026年12月3日
"""


@contextmanager
def umask(value: int) -> Iterator[None]:
    """The umask a shell or service would start wenshu with; its subprocesses inherit it."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode) for path in [root, *root.rglob("*")]}


def test_everything_wenshu_makes_is_private_under_umask_000(tmp_path):
    data, outside = tmp_path / "data", tmp_path / "outside"
    with umask(0o000):
        outside.mkdir()
        (outside / "probe").write_text("x")
        assert stat.S_IMODE((outside / "probe").stat().st_mode) == 0o666   # what the umask alone gives
        notice = outside / "通知.txt"
        notice.write_text(NOTICE_HEAD + NOTICE_BODY + NOTICE_TAIL, encoding="utf-8")
        run(data, "init")
        run(data, "ingest", str(notice))
        run(data, "log", "--xlsx", str(outside / "登记簿.xlsx"))
        run(data, "reindex")
        # the watcher: its workers, work/ and the index it commits
        # originals dropped as the umask makes them (0666): one registered, one broken (quarantine/),
        # one seen before (duplicates/)
        (data / "outbox" / "通知.txt").write_text(OWN_NOTICE, encoding="utf-8")
        (data / "inbox" / "坏.pdf").write_bytes(b"%PDF-1.4 broken")
        (data / "inbox" / "又一份.txt").write_bytes(notice.read_bytes())
        assert stat.S_IMODE((data / "inbox" / "坏.pdf").stat().st_mode) == 0o666
        run(data, "watch", "--once", *FAST, "--retries", "0", check_code=None)
        assert len(run_json(data, "log")) == 2
        assert [p.name for p in (data / "quarantine").rglob("*.pdf")] == ["坏.pdf"]
        assert [p.name for p in (data / "duplicates").rglob("*.txt")] == ["又一份.txt"]
        # SQLite's journal files exist while a connection is open: look at them under a running
        # watcher, once it has registered a file dropped before it started
        (data / "inbox" / "通知2.txt").write_text(OWN_NOTICE.replace("11号", "12号").replace("白鹭", "苍鹭"), encoding="utf-8")
        watcher = WatchProcess(data, args=FAST)
        try:
            wait_until(lambda: watcher.process.poll() is not None or watcher.outcomes(), 60, message="the watcher")
            assert [o["status"] for o in watcher.outcomes()] == ["registered"], watcher.errors()
            assert {name: stat.S_IMODE((data / name).stat().st_mode) for name in ("wenshu.db-wal", "wenshu.db-shm")} \
                == {"wenshu.db-wal": 0o600, "wenshu.db-shm": 0o600}
        finally:
            assert watcher.terminate() == 0, watcher.errors()
    found = modes(data)
    assert {"wenshu.db", "store", "index", "quarantine", "work", "inbox"} <= set(found)
    loose = {name: f"{mode:04o}" for name, mode in found.items()
             if mode != (0o700 if (data / name).is_dir() else 0o600)}
    assert not loose, loose
    assert stat.S_IMODE((outside / "登记簿.xlsx").stat().st_mode) == 0o600


def test_a_looser_data_directory_is_warned_about_at_start(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    quiet = run(data, "status")
    assert "警告" not in quiet.stderr
    os.chmod(data, 0o755)
    os.chmod(data / "wenshu.db", 0o644)
    os.chmod(data / "store", 0o750)
    warned = run(data, "status")
    assert "警告" in warned.stderr and "权限过宽" in warned.stderr
    for shown in ("数据目录本身（0755）", "wenshu.db（0644）", "store（0750）", "chmod -R go-rwx"):
        assert shown in warned.stderr, warned.stderr
    assert "quarantine" not in warned.stderr       # only what is loose is named
    # wenshu does not change an office's modes behind its back
    assert stat.S_IMODE(data.stat().st_mode) == 0o755
