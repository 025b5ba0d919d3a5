"""`store_dir`: the store of originals outside the data directory (a network mount several
machines share, each running wenshu against one PostgreSQL). Real files through the real
command: the original lands in the store, the registry row keeps the logical ``store/…`` path,
and opening it, exporting it and the deep audit all find it there. A store that is not mounted
(its marker ``.wenshu-store`` missing, and the originals the registry names) is refused."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from core.settings import Settings, load_settings
from core.vocab import UNRESTRICTED
from pipeline import archive_export, documents, permissions
from pipeline.auditing import originals_problems
from pipeline.datadir import MARKER
from pipeline.files import put_in_store
from registry import queries
from registry.db import open_registry
from tests.cli import SAMPLE_OFFICE_ENV, run, run_json

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "notice_cff_noto.pdf"
SHA = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
LOGICAL = f"store/{SHA[:2]}/{SHA}.pdf"


def _settings(data: Path, env: dict[str, str] | None = None) -> Settings:
    return load_settings(data_dir=data, env={**SAMPLE_OFFICE_ENV, **(env or {})})


def _ingest(data: Path, env: dict[str, str] | None = None) -> str:
    [outcome] = run_json(data, "ingest", str(SAMPLE), env=env)
    assert outcome["status"] == "registered", outcome
    return outcome["reg_no"]


def _files(folder: Path) -> list[Path]:
    """The originals in a store (or any folder), without the store's marker."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.name != MARKER) \
        if folder.exists() else []


def test_an_original_lands_in_the_configured_store_and_the_row_stays_logical(tmp_path):
    data, share = tmp_path / "data", tmp_path / "mnt" / "wenshu-store"
    data.mkdir()
    (data / "wenshu.toml").write_text(f'store_dir = "{share}"\n', encoding="utf-8")
    reg_no = _ingest(data)

    settings = _settings(data)
    assert settings.store_dir == share
    assert _files(share) == [share / SHA[:2] / f"{SHA}.pdf"]
    assert (share / SHA[:2] / f"{SHA}.pdf").read_bytes() == SAMPLE.read_bytes()
    assert _files(data / "store") == []
    engine = open_registry(settings)
    assert queries.get(engine, reg_no).stored_path == LOGICAL

    # opened in the browser and downloaded: the file in the share
    for download in (False, True):
        original = documents.original(engine, settings, reg_no, UNRESTRICTED, "clerk", download=download)
        assert original.path == (share / SHA[:2] / f"{SHA}.pdf").resolve()
        assert original.path.read_bytes() == SAMPLE.read_bytes() and original.inline is not download

    # the deep audit reads it there, and sees one changed byte
    assert "1 份原件" in run(data, "audit", "verify", "--deep").stdout
    assert originals_problems(engine, settings) == (1, [])
    stored = share / SHA[:2] / f"{SHA}.pdf"
    changed = bytearray(stored.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    stored.write_bytes(bytes(changed))
    stderr = run(data, "audit", "verify", "--deep", check_code=6).stderr
    assert f"{reg_no}：原件 {LOGICAL} 已被改动" in stderr
    checked, [problem] = originals_problems(engine, settings)
    assert checked == 1 and problem.record == reg_no and "已被改动" in problem.problem
    stored.unlink()
    assert f"{reg_no}：原件 {LOGICAL} 不见了" in run(data, "audit", "verify", "--deep", check_code=6).stderr


def test_the_environment_names_the_store_and_another_mount_point_finds_the_same_rows(tmp_path):
    """Two machines mount one share at different places: the row is the same, each finds the file."""
    data, first, second = tmp_path / "data", tmp_path / "a" / "store", tmp_path / "b" / "share"
    reg_no = _ingest(data, env={"WENSHU_STORE_DIR": str(first)})
    assert _files(first) == [first / SHA[:2] / f"{SHA}.pdf"] and _files(data / "store") == []

    shutil.move(first, second)  # the other machine's mount point
    other = _settings(data, {"WENSHU_STORE_DIR": str(second)})
    engine = open_registry(other)
    assert queries.get(engine, reg_no).stored_path == LOGICAL
    original = documents.original(engine, other, reg_no, UNRESTRICTED, "clerk")
    assert original.path == (second / SHA[:2] / f"{SHA}.pdf").resolve()
    assert originals_problems(engine, other) == (1, [])
    run(data, "audit", "verify", "--deep", env={"WENSHU_STORE_DIR": str(second)})
    # the same content again from the second machine: a duplicate, nothing stored twice
    [again] = run_json(data, "ingest", str(SAMPLE), env={"WENSHU_STORE_DIR": str(second)})
    assert (again["status"], again["duplicate_of"]) == ("duplicate", reg_no)
    assert _files(second) == [second / SHA[:2] / f"{SHA}.pdf"]


def test_rows_written_before_keep_their_value_and_resolve_after_the_store_moves(tmp_path):
    """An office that moves data/store/ to a share and sets store_dir: nothing in the registry
    changes (stored_path is in each record's audit digest), and everything is found."""
    data, share = tmp_path / "data", tmp_path / "nfs" / "store"
    reg_no = _ingest(data)
    before = _settings(data)
    assert before.store_dir == data / "store" and _files(data / "store") == [data / LOGICAL]
    assert queries.get(open_registry(before), reg_no).stored_path == LOGICAL

    share.parent.mkdir()
    shutil.move(data / "store", share)
    (data / "wenshu.toml").write_text(f'store_dir = "{share}"\n', encoding="utf-8")
    after = _settings(data)
    engine = open_registry(after)
    assert queries.get(engine, reg_no).stored_path == LOGICAL
    assert documents.original(engine, after, reg_no, UNRESTRICTED, "clerk").path == (share / LOGICAL[6:]).resolve()
    assert "1 份原件" in run(data, "audit", "verify", "--deep").stdout


def test_the_setting_defaults_to_the_data_directory_and_resolves_relative_paths(tmp_path):
    data = tmp_path / "data"
    assert _settings(data).store_dir == data / "store"
    assert _settings(data, {"WENSHU_STORE_DIR": ""}).store_dir == data / "store"
    assert _settings(data, {"WENSHU_STORE_DIR": "../shared"}).store_dir == tmp_path / "shared"
    data.mkdir()
    (data / "wenshu.toml").write_text('store_dir = "/mnt/wenshu-store"\n', encoding="utf-8")
    from_file = _settings(data)
    assert from_file.store_dir == Path("/mnt/wenshu-store")
    assert Path("/mnt/wenshu-store") in from_file.folders
    # the environment overrides the file, as for every key
    assert _settings(data, {"WENSHU_STORE_DIR": str(tmp_path / "env")}).store_dir == tmp_path / "env"


def test_stored_file_resolves_logical_and_legacy_paths(tmp_path):
    data = tmp_path / "data"
    default = _settings(data)
    moved = _settings(data, {"WENSHU_STORE_DIR": "/mnt/s"})
    assert default.stored_file("store/ab/ab12.pdf") == data / "store" / "ab" / "ab12.pdf"
    assert moved.stored_file("store/ab/ab12.pdf") == Path("/mnt/s/ab/ab12.pdf")
    # anything not under store/ is relative to the data directory, as it always was
    assert moved.stored_file("s/x") == data / "s" / "x"
    assert moved.stored_file("storehouse/x") == data / "storehouse" / "x"
    assert moved.logical_stored_path(Path("/mnt/s/ab/ab12.pdf")) == "store/ab/ab12.pdf"


def test_a_legacy_row_outside_the_store_is_checked_where_it_always_was(tmp_path):
    """A row whose stored_path does not begin with store/ is read relative to the data
    directory by the deep audit, whatever store_dir says."""
    from registry.records import Intake, register

    settings = _settings(tmp_path / "data", {"WENSHU_STORE_DIR": str(tmp_path / "share")})
    engine = open_registry(settings)
    body = "旧的原件".encode()
    (settings.data_dir / "old").mkdir(parents=True)
    (settings.data_dir / "old" / "1.txt").write_bytes(body)
    register(engine, settings, Intake(direction="收文", file_name="1.txt", sha256=hashlib.sha256(body).hexdigest(),
                                      stored_path="old/1.txt", text="旧的原件"), "clerk")
    assert originals_problems(engine, settings) == (1, [])
    (settings.data_dir / "old" / "1.txt").write_bytes("改过的原件".encode())
    _, [problem] = originals_problems(engine, settings)
    assert "old/1.txt 已被改动" in problem.problem


def test_the_archive_plan_sizes_the_original_in_the_store(tmp_path):
    from registry import archive_plan

    data, share = tmp_path / "data", tmp_path / "share"
    reg_no = _ingest(data, env={"WENSHU_STORE_DIR": str(share)})
    settings = _settings(data, {"WENSHU_STORE_DIR": str(share)})
    engine = open_registry(settings)
    [year] = archive_plan.years(engine, settings)
    item = archive_plan.plan(engine, settings, year).item(reg_no)
    assert item.stored_path == LOGICAL and item.size == SAMPLE.stat().st_size
    # the archive package copies it from there (hashed on the way)
    archive_export._copy_original(settings, item, tmp_path / "copied.pdf")
    assert (tmp_path / "copied.pdf").read_bytes() == SAMPLE.read_bytes()


def test_a_store_elsewhere_open_to_others_is_warned_about_with_its_chmod(tmp_path):
    share = tmp_path / "share"
    settings = _settings(tmp_path / "data", {"WENSHU_STORE_DIR": str(share)})
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    os.chmod(settings.data_dir, 0o700)
    assert permissions.looser_warning(settings) is None
    os.chmod(share, 0o755)
    warning = permissions.looser_warning(settings)
    assert f"{share}（0755）" in warning and f"chmod -R go-rwx '{settings.data_dir}' '{share}'" in warning


# ------------------------------------------------------------------ two writers, one store

def test_many_writers_of_the_same_bytes_at_once_all_succeed_with_one_correct_file(tmp_path):
    """Threads of one process share a pid, as processes of two machines (two containers) may:
    each writes its own temporary file, exactly one publishes, none fails."""
    body = os.urandom(4 << 20)
    sha = hashlib.sha256(body).hexdigest()
    store = tmp_path / "share" / "store"
    sources = []
    for n in range(8):
        source = tmp_path / f"source{n}.pdf"
        source.write_bytes(body)
        sources.append(source)
    start = threading.Barrier(len(sources))
    results: list[tuple[Path, bool]] = []
    errors: list[BaseException] = []

    def store_one(source: Path) -> None:
        start.wait()
        try:
            results.append(put_in_store(store, source, sha, source.name))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=store_one, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    target = store / sha[:2] / f"{sha}.pdf"
    assert {path for path, _ in results} == {target}
    assert [wrote for _, wrote in results].count(True) == 1  # the copy the others found there
    assert target.read_bytes() == body
    assert os.listdir(target.parent) == [target.name]  # no temporary file left behind


def test_a_writer_that_finds_the_file_published_meanwhile_keeps_it(tmp_path, monkeypatch):
    """The store never replaces a file: another machine's copy, published while this one was
    writing, stays (a reader may have it open), and this writer reports that it did not write."""
    body = b"%PDF-1.7 the same bytes"
    sha = hashlib.sha256(body).hexdigest()
    store, source = tmp_path / "store", tmp_path / "in.pdf"
    source.write_bytes(body)
    target = store / sha[:2] / f"{sha}.pdf"
    real_exists = Path.exists

    def published_meanwhile(path: Path) -> bool:  # the check before writing misses it
        if path == target and not real_exists(path):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            return False
        return real_exists(path)

    monkeypatch.setattr(Path, "exists", published_meanwhile)
    stored, wrote = put_in_store(store, source, sha, "in.pdf")
    monkeypatch.undo()
    inode = target.stat().st_ino
    assert (stored, wrote) == (target, False)
    assert target.read_bytes() == body and os.listdir(target.parent) == [target.name]
    assert put_in_store(store, source, sha, "again.pdf") == (target, False)
    assert target.stat().st_ino == inode


@pytest.mark.parametrize("link_error", [OSError(1, "Operation not permitted"), OSError(95, "not supported")])
def test_a_share_without_hard_links_still_stores(tmp_path, monkeypatch, link_error):
    body = b"content on a share without hard links"
    sha = hashlib.sha256(body).hexdigest()
    source = tmp_path / "in.txt"
    source.write_bytes(body)

    def no_links(*args, **kwargs):
        raise link_error

    monkeypatch.setattr(os, "link", no_links)
    stored, wrote = put_in_store(tmp_path / "store", source, sha, "in.txt")
    assert wrote and stored.read_bytes() == body and os.listdir(stored.parent) == [stored.name]


# ------------------------------------------------------------------ a store that is not mounted

def test_the_store_gets_a_marker_naming_the_database_without_its_password(tmp_path):
    from pipeline.datadir import marker_text

    data, share = tmp_path / "data", tmp_path / "mnt" / "store"
    run(data, "init", env={"WENSHU_STORE_DIR": str(share)})
    marker = share / MARKER
    assert marker.is_file() and oct(marker.stat().st_mode & 0o777) == "0o600"
    assert f"database = sqlite:///{data / 'wenshu.db'}" in marker.read_text(encoding="utf-8")
    secret = _settings(data, {"WENSHU_DATABASE_URL": "postgresql+psycopg://wenshu:mima-123@db.example:5432/gongwen"})
    text = marker_text(secret)
    assert "database = postgresql+psycopg://db.example:5432/gongwen" in text
    assert "mima" not in text and "wenshu:" not in text


@pytest.mark.parametrize("command", [("watch", "--once"), ("ingest",), ("init",)])
def test_an_unmounted_store_is_refused_before_anything_is_written(tmp_path, command):
    """The share is not mounted: its mount point is an empty local folder (or not there at all).
    Every command that would store originals refuses with exit 28, and writes nothing there."""
    data, share = tmp_path / "data", tmp_path / "mnt" / "store"
    env = {"WENSHU_STORE_DIR": str(share)}
    reg_no = _ingest(data, env)
    assert (share / MARKER).is_file() and _files(share) == [share / SHA[:2] / f"{SHA}.pdf"]

    mounted = tmp_path / "elsewhere"
    shutil.move(share, mounted)  # umount: the mount point is left as an empty folder
    share.mkdir()
    other = SAMPLE.with_name("notice_gbk.txt")
    if command == ("watch", "--once"):
        shutil.copy(other, data / "inbox" / other.name)
    args = (*command, str(other)) if command == ("ingest",) else command
    refused = run(data, *args, env=env, check_code=28)
    assert f"原件库 {share} 看起来是空的或未挂载" in refused.stderr and "touch" in refused.stderr, refused.stderr
    assert list(share.iterdir()) == []             # nothing stored where no other machine looks
    assert [row["reg_no"] for row in run_json(data, "log", env=env)] == [reg_no]
    if command == ("watch", "--once"):
        assert (data / "inbox" / other.name).is_file()

    share.rmdir()                                  # no mount point at all: not made either
    run(data, *args, env=env, check_code=28)
    assert not share.exists()

    shutil.move(mounted, share)                    # mounted again: work goes on
    run(data, *args, env=env, check_code=0)
    assert len(run_json(data, "log", env=env)) == (1 if command == ("init",) else 2)


def test_a_store_from_before_the_marker_is_recognised_and_marked(tmp_path):
    """An office upgrading: its store has originals but no marker yet. The oldest original the
    registry names is there, so the store is the registry's: it is marked, nothing refused."""
    data = tmp_path / "data"
    _ingest(data)
    (data / "store" / MARKER).unlink()
    run(data, "init")
    assert (data / "store" / MARKER).is_file()


def test_a_local_folder_that_took_originals_while_the_share_was_away_is_still_refused(tmp_path):
    """Originals written into the bare mount point (a store copy made while the share was gone)
    do not make it the store: the oldest original is on the share, and the marker too."""
    data, share = tmp_path / "data", tmp_path / "mnt" / "store"
    env = {"WENSHU_STORE_DIR": str(share)}
    _ingest(data, env)
    shutil.move(share, tmp_path / "elsewhere")
    stray = share / "ab" / ("ab" * 32 + ".pdf")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7 stored while the share was away")
    refused = run(data, "watch", "--once", env=env, check_code=28)
    assert "看起来是空的或未挂载" in refused.stderr
    assert not (share / MARKER).exists()
    # the clerk who knows better marks the folder as the store, as the message says
    (share / MARKER).touch()
    run(data, "watch", "--once", env=env, check_code=0)
