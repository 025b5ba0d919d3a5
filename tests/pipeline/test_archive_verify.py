"""`archive verify` (issue 17): the 四性 checks of DA/T 70-2018 on a package exported from a year
filed through the real registry. A fresh package passes, on its own and against the registry;
each tampering — a byte of an original, a 件 folder removed, a file added, the metadata edited
(with the manifests left, and with them made again by bagit so the bag itself is consistent) —
fails, naming the 档号. Then the commands end to end, with their exit codes."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import bagit
import pytest

from core.errors import Exit, InvalidValue
from pipeline import archive_export
from pipeline.archive_verify import ASPECTS, VerifyResult, verify_package
from registry.archive_plan import Item
from tests.archive_year import YEAR, filed_items, filed_office
from tests.cli import run, run_json
from tests.web.conftest import Office

AUTHENTIC, COMPLETE, USABLE, SAFE = ASPECTS


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    made = filed_office(tmp_path_factory.mktemp("verify"), tmp_path_factory.getbasetemp())
    yield made
    made.close()


@pytest.fixture(scope="module")
def items(office: Office) -> dict[str, Item]:
    return filed_items(office)


def export(office: Office, folder: Path, *, include_secret: bool = False) -> Path:
    archive_export.export_year(office.engine, office.settings, YEAR, folder, actor="clerk",
                               include_secret=include_secret)
    return folder


@pytest.fixture
def package(office: Office, tmp_path: Path) -> Path:
    """A fresh package of this test alone (exporting costs about a tenth of a second)."""
    return export(office, tmp_path / "包")


def verify(office: Office, path: Path, *, registry: bool = True) -> VerifyResult:
    return verify_package(path, office.settings, office.engine if registry else None)


def named(result: VerifyResult, where: str, aspect: str | None = None) -> list[str]:
    return [p.message for p in result.problems if p.where == where and (aspect is None or p.aspect == aspect)]


def rebag(path: Path) -> None:
    """What someone covering their tracks would do: make the manifests again with bagit."""
    bagit.Bag(str(path)).save(manifests=True)
    bagit.Bag(str(path)).validate()


def edit_metadata(path: Path, code: str, old: str, new: str) -> None:
    xml = path / "data" / code / "元数据.xml"
    content = xml.read_text(encoding="utf-8")
    assert old in content
    xml.write_text(content.replace(old, new), encoding="utf-8")


def test_a_fresh_package_passes_alone_and_against_the_registry(office, items, package):
    alone = verify(office, package, registry=False)
    assert alone.ok, alone.problems
    assert alone.year == YEAR and alone.items == len(items) - 1 and not alone.with_registry
    assert any("未与登记簿比对" in note for note in alone.unchecked)
    against = verify(office, package)
    assert against.ok, against.problems
    assert against.with_registry and not against.unchecked


def test_a_package_with_the_secret_item_passes_too(office, tmp_path):
    result = verify(office, export(office, tmp_path / "涉密", include_secret=True))
    assert result.ok, result.problems
    assert result.items == 7


def test_a_byte_changed_in_an_original_names_the_archive_code(office, items, package):
    code = items["pdf"].archive_code
    original = package / "data" / code / items["pdf"].file_name
    content = bytearray(original.read_bytes())
    content[len(content) // 2] ^= 0x01
    original.write_bytes(bytes(content))
    for registry in (False, True):
        result = verify(office, package, registry=registry)
        assert not result.ok
        assert named(result, code, AUTHENTIC), result.problems
        assert {p.where for p in result.problems} == {code}
    assert any("登记簿" in message for message in named(result, code, AUTHENTIC))


def test_a_folder_removed_from_the_middle_shows_as_a_gap_even_without_the_registry(office, items, package):
    first = items["minutes"].archive_code          # 件号 1 of 0001-WS·2026-Y-BGS, the 请示 PDF is 2
    assert first.endswith("-0001") and items["pdf"].archive_code == first[:-1] + "2"
    shutil.rmtree(package / "data" / first)
    alone = verify(office, package, registry=False)
    assert named(alone, first, COMPLETE)            # the manifests miss its files, and 件号 1 is missing
    assert any("件号不连续" in message for message in named(alone, first))
    against = verify(office, package)
    assert any("不在数据包中" in message for message in named(against, first, COMPLETE))


def test_the_last_folder_removed_is_caught_by_the_count_and_the_registry_even_after_rebagging(office, items, package):
    last = items["pdf"].archive_code
    shutil.rmtree(package / "data" / last)
    rebag(package)
    alone = verify(office, package, registry=False)
    assert [p.where for p in alone.problems] == ["bag-info.txt"]  # 件数 only: the rest is consistent
    against = verify(office, package)
    assert any("不在数据包中" in message for message in named(against, last, COMPLETE))


def test_a_file_added_in_an_item_folder_or_at_the_top_is_named(office, items, package):
    code = items["notice"].archive_code
    (package / "data" / code / "附件.txt").write_text("后加的", encoding="utf-8")
    (package / "data" / "补充说明.txt").write_text("后加的", encoding="utf-8")
    (package / "readme.txt").write_text("beside the bag", encoding="utf-8")
    for registry in (False, True):
        result = verify(office, package, registry=registry)
        assert named(result, code, SAFE), result.problems
        assert named(result, "data/补充说明.txt", SAFE)
        assert named(result, "readme.txt", SAFE)
    rebag(package)                                   # now in the manifests: still not what the metadata lists
    result = verify(office, package, registry=False)
    assert any("附件.txt" in message for message in named(result, code, SAFE))
    assert named(result, "data/补充说明.txt", SAFE)


def test_metadata_edited_without_the_manifests_names_the_archive_code(office, items, package):
    item = items["calendar"]
    edit_metadata(package, item.archive_code, item.title, "东湖大学关于公布2026年校历（修订）的通知")
    for registry in (False, True):
        result = verify(office, package, registry=registry)
        assert any("元数据.xml" in message for message in named(result, item.archive_code, AUTHENTIC))
    assert any("题名" in message for message in named(result, item.archive_code, AUTHENTIC))


def test_metadata_edited_and_the_bag_made_again_is_still_caught_against_the_registry(office, items, package):
    item = items["calendar"]
    edit_metadata(package, item.archive_code, item.title, "东湖大学关于公布2026年校历（修订）的通知")
    rebag(package)                                  # bagit itself now finds nothing wrong
    assert verify(office, package, registry=False).ok   # a title is only wrong against the registry
    result = verify(office, package)
    assert [p.where for p in result.problems] == [item.archive_code]
    assert "题名" in result.problems[0].message and result.problems[0].aspect == AUTHENTIC


def test_a_digest_edited_and_rebagged_is_caught_without_the_registry(office, items, package):
    item = items["minutes"]
    edit_metadata(package, item.archive_code, item.sha256, "0" * 64)
    rebag(package)
    result = verify(office, package, registry=False)
    assert any("数字摘要" in message for message in named(result, item.archive_code, AUTHENTIC))


def test_metadata_that_no_longer_validates_is_named(office, items, package):
    item = items["notice"]
    edit_metadata(package, item.archive_code, "<件号>0001</件号>", "<件号>1</件号>")
    rebag(package)
    result = verify(office, package, registry=False)
    assert any("XSD" in message for message in named(result, item.archive_code, COMPLETE))


def test_a_forged_business_event_is_not_in_the_audit_log(office, items, package):
    item = items["reply"]
    xml = (package / "data" / item.archive_code / "元数据.xml").read_text(encoding="utf-8")
    first_hash = xml.split("<事件哈希>")[1].split("</事件哈希>")[0]
    edit_metadata(package, item.archive_code, first_hash, hashlib.sha256(b"forged").hexdigest())
    rebag(package)
    assert verify(office, package, registry=False).ok
    result = verify(office, package)
    assert any("审计日志" in message for message in named(result, item.archive_code, AUTHENTIC))


def test_an_original_that_no_longer_opens_fails_usability(office, items, package):
    item = items["notice"]                          # the docx, extracted in full
    original = package / "data" / item.archive_code / item.file_name
    broken = b"PK\x03\x04" + os.urandom(2000)
    original.write_bytes(broken)
    digest = hashlib.sha256(broken).hexdigest()
    edit_metadata(package, item.archive_code, item.sha256, digest)
    edit_metadata(package, item.archive_code, f'单位="字节">{item.size}<', f'单位="字节">{len(broken)}<')
    rebag(package)
    result = verify(office, package, registry=False)
    assert [(p.where, p.aspect) for p in result.problems] == [(item.archive_code, USABLE)]
    against = verify(office, package)
    assert named(against, item.archive_code, AUTHENTIC) and named(against, item.archive_code, USABLE)


def test_a_secret_item_with_its_text_or_in_a_package_without_secrets_fails_safety(office, items, tmp_path):
    secret = items["secret"].archive_code
    with_secret = export(office, tmp_path / "涉密", include_secret=True)
    (with_secret / "data" / secret / "正文.txt").write_text("泄露的正文", encoding="utf-8")
    rebag(with_secret)
    for registry in (False, True):
        assert any("正文" in message for message in named(verify(office, with_secret, registry=registry), secret,
                                                             SAFE))
    plain = export(office, tmp_path / "普通")
    shutil.copytree(export(office, tmp_path / "再导出", include_secret=True) / "data" / secret,
                    plain / "data" / secret)
    rebag(plain)
    result = verify(office, plain, registry=False)
    assert any("未含涉密件" in message for message in named(result, secret, SAFE))


def test_a_symbolic_link_in_the_package_fails_safety(office, items, package):
    code = items["notice"].archive_code
    (package / "data" / code / "链接.txt").symlink_to("/etc/hostname")
    result = verify(office, package, registry=False)
    assert any("符号链接" in message for message in named(result, code, SAFE))


def test_a_folder_that_is_not_a_package_is_refused_or_named(office, tmp_path):
    with pytest.raises(InvalidValue):
        verify(office, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    result = verify(office, tmp_path / "empty")
    assert [p.aspect for p in result.problems] == [COMPLETE] and "BagIt" in result.problems[0].message


# --- the commands -----------------------------------------------------------------------------------

def test_wenshu_archive_export_then_verify_end_to_end(office, items, tmp_path):
    data = office.settings.data_dir
    out = tmp_path / "数据包"
    done = run_json(data, "archive", "export", "--year", str(YEAR), "--out", str(out))
    assert done["items"] == len(items) - 1 and done["withheld"] == [items["secret"].archive_code]
    passed = run(data, "archive", "verify", str(out)).stdout.replace("\n", "")
    assert "四性检测通过（已与登记簿和审计日志比对）" in passed
    alone = run(data, "archive", "verify", str(out), "--no-registry").stdout.replace("\n", "")
    assert "未检测" in alone and "四性检测通过（未与登记簿比对）" in alone
    code = items["pdf"].archive_code
    shutil.rmtree(out / "data" / code)
    failed = run(data, "archive", "verify", str(out), check_code=Exit.ARCHIVE_INVALID)
    assert code in failed.stderr and "完整性" in failed.stderr
    shown = run_json(data, "archive", "verify", str(out), check_code=Exit.ARCHIVE_INVALID)
    assert not shown["ok"] and code in {p["where"] for p in shown["problems"]}


def test_wenshu_archive_export_refuses_without_a_user_or_into_a_folder_in_use(office, tmp_path):
    data = office.settings.data_dir
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x", encoding="utf-8")
    refused = run(data, "archive", "export", "--year", str(YEAR), "--out", str(busy), check_code=Exit.INVALID_VALUE)
    assert "不是空的" in refused.stderr
    nobody = run(data, "archive", "export", "--year", str(YEAR), "--out", str(tmp_path / "new"),
                 env={"WENSHU_USER": ""}, check_code=Exit.NO_USER)
    assert "--user" in nobody.stderr and not (tmp_path / "new").exists()
    secret = run(data, "archive", "export", "--year", str(YEAR), "--out", str(tmp_path / "s"), "--include-secret")
    assert "涉密" in secret.stdout and (tmp_path / "s" / "bagit.txt").is_file()


def test_wenshu_archive_verify_without_a_registry_says_what_it_did_not_check(office, package, tmp_path):
    elsewhere = tmp_path / "no-data"
    result = run(elsewhere, "archive", "verify", str(package))
    assert "未检测" in result.stdout and "四性检测通过" in result.stdout
    assert not elsewhere.exists()                  # verify made no registry there
