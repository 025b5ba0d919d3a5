"""The archive package (issue 17): a year filed through the real registry (tests/archive_year.py)
exported as a BagIt bag — one folder per 件 named by its 档号 with the original, its text and its
DA/T 46 metadata (validated here against the shipped XSD, read back with lxml), the 归档文件目录 at
the top, SHA-256 manifests — with the 秘密 报告 left out unless asked for, and then never its text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import bagit
import openpyxl
import pytest
from lxml import etree

from core.errors import InvalidValue, Tampered
from core.vocab import UNRESTRICTED
from pipeline import archive_export, archive_metadata
from registry import auditlog, queries
from registry.archive_plan import Item
from tests.archive_year import YEAR, filed_items, filed_office
from tests.pipeline.test_secret_withheld import REPORT_BODY, REPORT_HEAD, REPORT_TAIL, body_runs, leaks
from tests.web.conftest import SECRET_TITLE, Office

REPO = Path(__file__).resolve().parents[2]
XSD = REPO / "pipeline" / "schemas" / "wenshu-archive-metadata.xsd"
NS = {"w": "urn:wenshu:archive:dat46:1"}


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    made = filed_office(tmp_path_factory.mktemp("export"), tmp_path_factory.getbasetemp())
    yield made
    made.close()


@pytest.fixture(scope="module")
def items(office: Office) -> dict[str, Item]:
    """The filed 件 by what they are (office.records' keys)."""
    return filed_items(office)


@pytest.fixture(scope="module")
def package(office: Office, tmp_path_factory: pytest.TempPathFactory) -> archive_export.PackageExport:
    return archive_export.export_year(office.engine, office.settings, YEAR, tmp_path_factory.mktemp("pkg") / "包",
                                      actor="clerk")


@pytest.fixture(scope="module")
def secret_package(office: Office, tmp_path_factory: pytest.TempPathFactory) -> archive_export.PackageExport:
    return archive_export.export_year(office.engine, office.settings, YEAR, tmp_path_factory.mktemp("pkg-secret"),
                                      actor="clerk.mi", include_secret=True)


def metadata(folder: Path) -> etree._Element:
    return etree.parse(str(folder / "元数据.xml")).getroot()


def text(root: etree._Element, xpath: str) -> list[str]:
    return [str(found) for found in root.xpath(xpath, namespaces=NS)]


def test_the_package_is_a_valid_bag_with_the_catalogue_at_the_top_and_a_folder_per_item(office, items, package):
    root = package.path
    assert sorted(p.name for p in root.iterdir()) == ["bag-info.txt", "bagit.txt", "data", "manifest-sha256.txt",
                                                     "tagmanifest-sha256.txt"]
    bag = bagit.Bag(str(root))
    bag.validate()                                       # bagit's own check: manifests, oxum, hashes
    assert bag.algorithms == ["sha256"]
    filed = [i for i in items.values() if i.secrecy is None]
    folders = sorted(p.name for p in (root / "data").iterdir() if p.is_dir())
    assert folders == sorted(i.archive_code for i in filed)
    assert {"说明.txt", "归档文件目录.xlsx", "归档文件目录.docx", "wenshu-archive-metadata.xsd"} == {
        p.name for p in (root / "data").iterdir() if p.is_file()}
    assert (package.items, package.withheld) == (len(filed), (items["secret"].archive_code,))
    assert package.files == sum(1 for p in (root / "data").rglob("*") if p.is_file())
    info = bag.info
    assert info["Source-Organization"] == office.settings.fonds_name
    assert info["External-Identifier"] == f"{office.settings.office.fonds_code}-WS·{YEAR}"
    assert (info["Wenshu-Year"], info["Wenshu-Item-Count"], info["Wenshu-Include-Secret"]) == (
        str(YEAR), str(len(filed)), "no")
    assert info["Bagging-Date"] == office.settings.today().isoformat()


def test_each_item_holds_its_original_as_registered_its_text_and_its_metadata(office, items, package):
    for what in ("notice", "pdf", "minutes"):
        item = items[what]
        folder = package.path / "data" / item.archive_code
        assert sorted(p.name for p in folder.iterdir()) == sorted([item.file_name, "正文.txt", "元数据.xml"])
        original = (folder / item.file_name).read_bytes()
        assert original == (office.settings.data_dir / item.stored_path).read_bytes()
        assert hashlib.sha256(original).hexdigest() == item.sha256
        record = queries.get(office.engine, item.reg_no)
        assert (folder / "正文.txt").read_text(encoding="utf-8") == record.text


def test_the_metadata_validates_against_the_shipped_xsd_and_carries_the_archive_code_and_its_parts(items, package):
    schema = etree.XMLSchema(etree.parse(str(XSD)))    # the file the package ships, read here on its own
    for folder in (p for p in (package.path / "data").iterdir() if p.is_dir()):
        schema.assertValid(etree.parse(str(folder / "元数据.xml")))
    item = items["pdf"]                                 # the born-digital PDF 请示: 办件, 拟办 → 批示 → 办结
    root = metadata(package.path / "data" / item.archive_code)
    assert root.tag == "{urn:wenshu:archive:dat46:1}文件" and root.get("版本") == "1"
    assert text(root, "w:档号/@值") == [item.archive_code]
    fonds, rest = item.archive_code.split("-WS·")
    year, retention_code, unit_code, number = rest.split("-")
    assert text(root, "w:档号/w:全宗号/text()") == [fonds]
    assert text(root, "w:档号/w:年度/text()") == [year] == [str(YEAR)]
    assert text(root, "w:档号/w:保管期限/@代码") == [retention_code] == ["Y"]
    assert text(root, "w:档号/w:保管期限/text()") == ["永久"]
    assert text(root, "w:档号/w:机构或问题/@代码") == [unit_code]
    assert text(root, "w:档号/w:件号/text()") == [number]
    assert text(root, "w:电子文件号/text()") == [item.reg_no]
    assert text(root, "w:内容描述/w:题名/text()") == [item.title]
    assert text(root, "w:内容描述/w:文件编号/text()") == [item.doc_number]
    assert text(root, "w:内容描述/w:日期/text()") == [item.date.isoformat()]
    assert text(root, "w:形式特征/w:页数/text()") == ["2"]
    assert text(root, "w:电子属性/w:计算机文件名/text()") == [item.file_name]
    assert text(root, "w:电子属性/w:数字摘要/text()") == [item.sha256]
    assert text(root, "w:电子属性/w:数字摘要/@算法") == ["SHA-256"]
    assert text(root, "w:电子属性/w:计算机文件大小/text()") == [str(item.size)]
    assert text(root, "w:来源/w:全宗名称/text()") == ["东湖大学化学化工学院"]
    assert not text(root, "w:来源/w:档案馆名称")      # [archive] archive_name is not set
    assert not text(root, "w:内容描述/w:密级")


def test_the_business_history_comes_from_the_audit_log_in_order(office, items, package):
    item = items["pdf"]
    root = metadata(package.path / "data" / item.archive_code)
    actions = text(root, "w:业务实体/w:业务行为/text()")
    assert actions[0] == "登记" and actions[-1] == "归档"
    assert ["分办", "分类", "拟办", "批示", "办结", "提示已核"] == [a for a in actions if a not in ("登记", "归档")]
    events = {e.seq: e for e in auditlog.events(office.engine, office.settings,
                                                auditlog.AuditFilter(record=item.reg_no), clearance=UNRESTRICTED)}
    for entity in root.iterfind("w:业务实体", NS):
        event = events[int(entity.get("序号"))]
        assert entity.findtext("w:事件哈希", namespaces=NS) == event.hash
        assert entity.find("w:机构人员", NS).get("账号") == event.actor
        assert entity.findtext("w:行为时间", namespaces=NS).endswith("+08:00")   # the office's zone
    instruct = root.xpath("w:业务实体[w:业务行为='批示']", namespaces=NS)[0]
    assert instruct.findtext("w:机构人员/w:机构人员名称", namespaces=NS) == "赵院长"
    assert "请办公室办理" in instruct.findtext("w:行为描述", namespaces=NS)
    assert instruct.findtext("w:业务状态", namespaces=NS) == "承办中"
    registered = root.xpath("w:业务实体[w:业务行为='登记']/w:行为描述/text()", namespaces=NS)[0]
    assert item.sha256 in registered and item.file_name in registered
    filed = root.xpath("w:业务实体[w:业务行为='归档']", namespaces=NS)[0]
    assert item.archive_code in filed.findtext("w:行为描述", namespaces=NS)
    assert filed.findtext("w:行为依据", namespaces=NS) == item.rule


def test_a_secret_item_is_left_out_without_the_flag_and_listed_by_its_code_only(items, package):
    secret = items["secret"]
    assert not (package.path / "data" / secret.archive_code).exists()
    assert bagit.Bag(str(package.path)).info["Wenshu-Withheld"] == secret.archive_code
    assert secret.archive_code in (package.path / "data" / "说明.txt").read_text(encoding="utf-8")
    sheet = openpyxl.load_workbook(package.path / "data" / "归档文件目录.xlsx")[secret.archive_code.rsplit("-", 1)[0]]
    [row] = [r for r in sheet.iter_rows(values_only=True) if secret.archive_code in r]
    assert "（涉密文件）" in row and "秘密" in row and SECRET_TITLE not in row
    everything = "".join(p.read_bytes().decode("utf-8", "replace") for p in package.path.rglob("*") if p.is_file())
    assert SECRET_TITLE not in everything
    # its first line only: the other records of the year end with 「妥否，请批示」 too
    assert not leaks(everything, body_runs(REPORT_BODY.splitlines()[0], REPORT_HEAD + REPORT_TAIL))


def test_with_the_flag_a_secret_item_has_its_original_and_metadata_and_never_its_text(items, secret_package):
    secret = items["secret"]
    folder = secret_package.path / "data" / secret.archive_code
    assert sorted(p.name for p in folder.iterdir()) == sorted([secret.file_name, "元数据.xml"])
    root = metadata(folder)
    assert text(root, "w:内容描述/w:密级/text()") == ["秘密"]
    assert text(root, "w:内容描述/w:保密期限/text()") == ["6个月"]
    assert not text(root, "w:电子属性/w:文本文件名")
    assert not leaks((folder / "元数据.xml").read_text(encoding="utf-8"), body_runs(REPORT_BODY, REPORT_HEAD + REPORT_TAIL))
    assert secret_package.withheld == () and secret_package.include_secret
    assert bagit.Bag(str(secret_package.path)).info["Wenshu-Include-Secret"] == "yes"
    bagit.Bag(str(secret_package.path)).validate()


def test_every_export_is_in_the_audit_log(office, package, secret_package):
    exported = [e for e in auditlog.events(office.engine, office.settings, auditlog.AuditFilter(action="exported"),
                                           clearance=UNRESTRICTED) if e.details["what"] == "archive.package"]
    by_destination = {e.details["destination"]: e for e in exported}
    plain, secret = by_destination[str(package.path)], by_destination[str(secret_package.path)]
    assert (plain.actor, plain.details["filters"], plain.details["count"]) == (
        "clerk", {"year": YEAR, "include_secret": False}, package.items)
    assert (secret.actor, secret.details["filters"]) == ("clerk.mi", {"year": YEAR, "include_secret": True})


def test_a_folder_not_empty_or_a_year_not_filed_is_refused_and_nothing_is_written(office, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "旧文件.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidValue, match="不是空的"):
        archive_export.export_year(office.engine, office.settings, YEAR, busy, actor="clerk")
    assert [p.name for p in busy.iterdir()] == ["旧文件.txt"]
    with pytest.raises(InvalidValue, match="请先 archive file"):
        archive_export.export_year(office.engine, office.settings, YEAR - 1, tmp_path / "2025", actor="clerk")
    assert not (tmp_path / "2025").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    done = archive_export.export_year(office.engine, office.settings, YEAR, empty, actor="clerk")
    assert done.path == empty and (empty / "bagit.txt").is_file()


def test_an_original_changed_in_the_store_stops_the_export_and_leaves_nothing(office, items, tmp_path):
    stored = office.settings.data_dir / items["minutes"].stored_path
    kept, mode = stored.read_bytes(), stored.stat().st_mode
    stored.chmod(0o600)
    try:
        stored.write_bytes(kept.replace("学科".encode(), "学术".encode()))
        out = tmp_path / "out"
        with pytest.raises(Tampered, match=items["minutes"].archive_code):
            archive_export.export_year(office.engine, office.settings, YEAR, out, actor="clerk")
        assert not out.exists()
    finally:
        stored.write_bytes(kept)
        stored.chmod(mode)


def test_an_original_name_that_cannot_stand_in_the_folder_is_prefixed():
    assert archive_metadata.original_name("request.pdf") == "request.pdf"
    assert archive_metadata.original_name("正文.txt") == "原件-正文.txt"
    assert archive_metadata.original_name("元数据.xml") == "原件-元数据.xml"
    assert archive_metadata.original_name("扫描/2026/通知.pdf") == "原件-扫描_2026_通知.pdf"
    assert archive_metadata.original_name("..") == "原件-.."
    assert archive_metadata.original_name(".hidden.pdf") == "原件-.hidden.pdf"
