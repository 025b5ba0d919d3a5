"""The readiness tracker on real files, with an injected clock (no watcher, no sleeping)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from pipeline.readiness import ReadinessTracker, can_open, is_ignored, is_ignored_folder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def write(path: Path, data: bytes = b"content") -> Path:
    path.write_bytes(data)
    return path


def test_a_file_is_ready_after_the_delay_and_not_before(tmp_path, clock):
    tracker = ReadinessTracker(2.0, clock)
    path = write(tmp_path / "通知.pdf")
    tracker.touch(path)
    assert tracker.poll() == []
    clock.advance(1.9)
    assert tracker.poll() == []
    clock.advance(0.2)
    assert tracker.poll() == [path]
    assert tracker.poll() == [path]  # stays ready until the watcher forgets it (claims it)
    tracker.forget(path)
    assert tracker.poll() == [] and len(tracker) == 0


def test_a_growing_file_is_not_ready(tmp_path, clock):
    tracker = ReadinessTracker(2.0, clock)
    path = write(tmp_path / "scan.pdf", b"%PDF-1.7\n")
    tracker.touch(path)
    for chunk in range(10):  # a slow writer: a chunk every second, for ten seconds
        clock.advance(1.0)
        with path.open("ab") as handle:
            handle.write(b"x" * 100)
        assert tracker.poll() == [], f"ready after chunk {chunk}"
    clock.advance(1.5)
    assert tracker.poll() == []
    clock.advance(0.6)
    assert tracker.poll() == [path]


def test_a_changed_mtime_with_the_same_size_restarts_the_delay(tmp_path, clock):
    tracker = ReadinessTracker(2.0, clock)
    path = write(tmp_path / "a.txt", b"aaaa")
    tracker.touch(path)
    clock.advance(1.5)
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))  # rewritten in place
    assert tracker.poll() == []
    clock.advance(1.5)
    assert tracker.poll() == []
    clock.advance(0.6)
    assert tracker.poll() == [path]


def test_touching_an_unchanged_file_does_not_restart_the_delay(tmp_path, clock):
    tracker = ReadinessTracker(2.0, clock)
    path = write(tmp_path / "a.txt")
    tracker.touch(path)
    clock.advance(1.5)
    tracker.touch(path)  # a rescan or a spurious event
    clock.advance(0.6)
    assert tracker.poll() == [path]


def test_ready_files_come_oldest_first(tmp_path, clock):
    tracker = ReadinessTracker(1.0, clock)
    first = write(tmp_path / "b.txt")
    tracker.touch(first)
    clock.advance(0.5)
    second = write(tmp_path / "a.txt")
    tracker.touch(second)
    clock.advance(1.0)
    assert tracker.poll() == [first, second]


def test_vanished_files_and_non_files_are_forgotten(tmp_path, clock):
    tracker = ReadinessTracker(1.0, clock)
    path = write(tmp_path / "gone.txt")
    tracker.touch(path)
    path.unlink()
    clock.advance(2)
    assert tracker.poll() == [] and len(tracker) == 0
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    os.mkfifo(tmp_path / "pipe.pdf")
    target = write(tmp_path / "target.txt")
    (tmp_path / "link.pdf").symlink_to(target)
    for name in ("folder.pdf", "pipe.pdf", "link.pdf", "missing.pdf"):
        tracker.touch(tmp_path / name)
    assert len(tracker) == 0


@pytest.mark.parametrize("name", ["~$通知.docx", ".~lock.通知.docx#", "upload.tmp", "扫描.PDF.part",
                                  "download.crdownload", "Thumbs.db", "thumbs.db", ".DS_Store",
                                  ".hidden.pdf", "desktop.ini", "x.partial", "a.TMP"])
def test_temporary_and_lock_files_are_ignored(tmp_path, clock, name):
    assert is_ignored(name)
    tracker = ReadinessTracker(0.0, clock)
    tracker.touch(write(tmp_path / name))
    assert tracker.poll() == [] and len(tracker) == 0


@pytest.mark.parametrize("name", ["通知.docx", "scan 001.pdf", "tmp.pdf", "part.docx", "a~$b.pdf",
                                  "关于（2026）第1号.txt", "x.tmp.pdf"])
def test_ordinary_names_are_not_ignored(name):
    assert not is_ignored(name)


def test_system_folders_of_shares_are_ignored():
    assert is_ignored_folder("@eaDir") and is_ignored_folder("#recycle") and is_ignored_folder(".snapshot")
    assert not is_ignored_folder("2026-11-28")


def test_a_file_that_cannot_be_opened_is_not_ready(clock):
    """Permissions are real: as root, drop to nobody to look at a mode 000 file."""
    folder = Path(tempfile.mkdtemp())
    try:
        os.chmod(folder, 0o755)
        path = write(folder / "locked.pdf")
        os.chmod(path, 0o000)
        tracker = ReadinessTracker(1.0, clock)
        euid = os.geteuid()
        if euid == 0:
            os.seteuid(65534)
        try:
            assert not can_open(path)
            tracker.touch(path)
            clock.advance(5)
            assert tracker.poll() == []
            assert len(tracker) == 1  # still a candidate: it may become readable
        finally:
            if euid == 0:
                os.seteuid(0)
        os.chmod(path, 0o644)
        assert tracker.poll() == [path]
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_zero_delay_means_ready_at_once(tmp_path, clock):
    tracker = ReadinessTracker(0.0, clock)
    path = write(tmp_path / "a.txt")
    tracker.touch(path)
    assert tracker.poll() == [path]


def test_still_ready_notices_a_change_after_the_poll(tmp_path, clock):
    tracker = ReadinessTracker(1.0, clock)
    path = write(tmp_path / "a.txt")
    tracker.touch(path)
    clock.advance(1.5)
    assert tracker.poll() == [path] and tracker.still_ready(path)
    with path.open("ab") as handle:  # the writer came back between the poll and the claim
        handle.write(b" more")
    assert not tracker.still_ready(path)
    assert tracker.poll() == []  # and the delay starts over
    assert not tracker.still_ready(tmp_path / "unknown.txt")


def test_next_due_says_when_to_look_again(tmp_path, clock):
    tracker = ReadinessTracker(2.0, clock)
    assert tracker.next_due() is None
    tracker.touch(write(tmp_path / "a.txt"))
    clock.advance(0.5)
    tracker.touch(write(tmp_path / "b.txt"))
    assert tracker.next_due() == 1002.0
    assert tracker.next_due(after=1002.0) == 1002.5
    assert tracker.next_due(after=1002.5) is None
