"""A running watcher: inotify, the polling observer for shares, folders moved in whole, and an
inbox that is a link to another file system (a mounted share)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.watch.helpers import WatchProcess, documents, files_under, wait_until, wenshu, write_docx, write_txt

PROBE = "探针.txt"


def _until_watching(data: Path, watcher: WatchProcess, timeout: float = 60) -> None:
    """Until the watcher is really watching: it registered a probe file put in the inbox first.

    A running process is not enough (``poll() is None`` holds from the first instant). The
    watcher starts its observers before its first scan and handles nothing before both, so a
    processed probe means that files arriving from now on can be found only by the observer
    (these tests set --rescan-interval 3600)."""
    write_txt(data / "inbox" / PROBE, 100)
    wait_until(lambda: watcher.process.poll() is not None or PROBE in {d["file_name"] for d in documents(data)},
               timeout, message="the watcher to register the probe file")
    assert watcher.process.poll() is None, f"the watcher exited ({watcher.process.returncode}): {watcher.errors()}"
    assert not (data / "inbox" / PROBE).exists()


def test_the_polling_observer_finds_files_without_inotify_or_rescans(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    watcher = WatchProcess(data, ("--workers", "1", "--polling", "--poll-interval", "0.5",
                                  "--stable-seconds", "0.5", "--rescan-interval", "3600"))
    try:
        _until_watching(data, watcher)
        write_txt(data / "inbox" / "网络共享.txt", 1)
        (data / "outbox" / "2026-11-28").mkdir()
        write_docx(data / "outbox" / "2026-11-28" / "发文.docx", 2)
        wait_until(lambda: len(documents(data)) == 3, 30, message="both files")
    finally:
        assert watcher.terminate() == 0, watcher.errors()
    found = {d["file_name"]: d["direction"] for d in documents(data)}
    assert found == {PROBE: "收文", "网络共享.txt": "收文", "发文.docx": "发文"}


def test_a_folder_moved_in_whole_is_processed(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    watcher = WatchProcess(data, ("--workers", "1", "--stable-seconds", "0.3", "--rescan-interval", "3600"))
    scanner = tmp_path / "scanner-output" / "2026-11-28"
    (scanner / "上午").mkdir(parents=True)
    for n in range(3):
        write_txt(scanner / f"扫描{n}.txt", n)
    write_txt(scanner / "上午" / "扫描9.txt", 9)
    try:
        _until_watching(data, watcher)
        (tmp_path / "scanner-output" / "2026-11-28").rename(data / "inbox" / "2026-11-28")
        wait_until(lambda: len(documents(data)) == 5, 30, message="the files of the moved folder")
    finally:
        assert watcher.terminate() == 0, watcher.errors()
    assert {d["file_name"] for d in documents(data)} == {PROBE, "扫描0.txt", "扫描1.txt", "扫描2.txt", "扫描9.txt"}


def test_an_inbox_that_links_to_another_file_system_works(tmp_path):
    """The share is mounted elsewhere and inbox/ points at it: claiming copies across file
    systems (durably) instead of renaming, and nothing is lost."""
    share = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        data = tmp_path / "data"
        data.mkdir()
        (data / "inbox").symlink_to(share)
        wenshu(data, "init")
        write_txt(share / "共享盘上的文件.txt", 3)
        watcher = WatchProcess(data, ("--workers", "1", "--stable-seconds", "0.3"))
        try:
            wait_until(lambda: documents(data), 30, message="the registration")
            write_txt(share / "第二份.txt", 4)
            wait_until(lambda: len(documents(data)) == 2, 30, message="an event through the link")
        finally:
            assert watcher.terminate() == 0, watcher.errors()
        assert files_under(share) == [] and list((data / "work").iterdir()) == []
        assert {d["file_name"] for d in documents(data)} == {"共享盘上的文件.txt", "第二份.txt"}
    finally:
        shutil.rmtree(share)
