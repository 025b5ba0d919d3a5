"""The archive package of a filed year (归档数据包; docs/archive.md, 「归档数据包与四性检测」): a
BagIt bag (RFC 8493, the ``bagit`` library) whose payload holds

    data/说明.txt                      what is where (Chinese, for the archive's staff)
    data/归档文件目录.xlsx, .docx      the year's 归档文件目录 (``pipeline.archive_catalogue``)
    data/<档号>/<原件>                 the original as registered (its registered name)
    data/<档号>/正文.txt               the text the registry extracted (never for a 涉密 件)
    data/<档号>/元数据.xml             DA/T 46 metadata (``pipeline.archive_metadata``)
    data/wenshu-archive-metadata.xsd   the schema the metadata validates against

with ``manifest-sha256.txt`` over every payload file and ``tagmanifest-sha256.txt`` over the tag
files. ``bag-info.txt`` says whose and which year it is, how many 件 it holds and which 涉密 件
were left out (by 档号 only), so ``pipeline.archive_verify`` can check a package on its own.

涉密 件 are left out unless ``include_secret``; with it, their original and metadata go in,
never their text. Each original is copied in a stream and hashed on the way: a store copy that
no longer matches the registry, or a record that no longer matches its audit chain, stops the
export (nothing half-written is left). Every export is recorded in the audit log.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound, Tampered
from core.settings import Settings
from core.vocab import UNRESTRICTED, is_secret
from pipeline import archive_metadata
from pipeline.archive_metadata import METADATA_NAME, TEXT_NAME
from registry import archive_plan, audit, auditlog, records, users
from registry.archive_plan import Category, Item
from registry.models import Document
from registry.queries import MASKED_TITLE

WHAT = "archive.package"          # the audit log's name of this export
README_NAME = "说明.txt"
CATALOGUE_NAMES = {"xlsx": "归档文件目录.xlsx", "docx": "归档文件目录.docx"}
WITHHELD_NOTE = "涉密件，未随本数据包移交"
CHECKSUMS = ("sha256",)
_CHUNK = 1 << 20

# bag-info.txt labels of our own (BagIt allows any label besides its reserved ones).
INFO_YEAR = "Wenshu-Year"
INFO_FONDS = "Wenshu-Fonds-Code"
INFO_ITEMS = "Wenshu-Item-Count"
INFO_SECRET = "Wenshu-Include-Secret"
INFO_WITHHELD = "Wenshu-Withheld"            # one per 涉密 件 left out: its 档号
INFO_SCHEMA = "Wenshu-Metadata-Schema"

# bagit.make_bag changes the process's working directory while it bags (it moves the folder's
# content into data/ by relative names). wenshu uses absolute paths throughout, but two bags made
# at once in one process (two web downloads) must not chdir under each other.
_BAGGING = threading.Lock()


@dataclass(frozen=True)
class PackageExport:
    """What one ``export_year`` wrote."""

    year: int
    path: Path
    items: int                      # 件 in the package
    files: int                      # payload files
    bytes: int                      # payload bytes
    include_secret: bool
    withheld: tuple[str, ...]       # 档号 of the 涉密 件 left out
    catalogue: tuple[str, ...]      # the 目录 files at the top of the payload

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "path": str(self.path), "items": self.items, "files": self.files,
                "bytes": self.bytes, "include_secret": self.include_secret, "withheld": list(self.withheld),
                "catalogue": list(self.catalogue)}


def export_year(engine: Engine, settings: Settings, year: int, out_dir: str | Path, *, actor: str,
                include_secret: bool = False, destination: str | None = None) -> PackageExport:
    """Write the package of ``year``'s filed 件 into ``out_dir`` (missing or empty), as a BagIt
    bag, and record the export in the audit log as ``actor``, going to ``destination`` (default:
    the folder; the web says ``web``, its folder being a temporary one)."""
    categories = archive_plan.filed(engine, settings, year)
    if not categories:
        raise InvalidValue(f"{year} 年度还没有已归档的文件，请先 archive file",
                           fix=f"File the year first: `wenshu --user NAME archive file --year {year}`.")
    out = Path(out_dir).absolute()
    made = _empty_folder(out)
    try:
        result = _write_package(engine, settings, year, categories, out, include_secret)
    except BaseException:
        _clear(out, made)
        raise
    records.record_export(engine, what=WHAT, filters={"year": year, "include_secret": include_secret},
                          count=result.items, actor=actor, destination=destination or str(out))
    return result


def _empty_folder(out: Path) -> bool:
    """Refuse a folder that holds anything (or a file); make a missing one. Whether it was made."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InvalidValue(f"「{out}」不是文件夹", fix="Give a new or empty folder with --out.")
    if out.is_dir():
        if any(out.iterdir()):
            raise InvalidValue(f"输出文件夹「{out}」不是空的，数据包只写入新的或空的文件夹",
                               fix="Give a new or empty folder with --out; an earlier package stays as it is.")
        return False
    try:
        out.mkdir(parents=True)
    except OSError as exc:
        raise InvalidValue(f"无法建立输出文件夹「{out}」：{exc.strerror or exc}",
                           fix="Choose a folder you can write to.") from exc
    return True


def _clear(out: Path, made: bool) -> None:
    """Undo a failed export: the folder was empty (or missing), so everything in it is ours."""
    if made:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir() if out.is_dir() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _write_package(engine: Engine, settings: Settings, year: int, categories: tuple[Category, ...], out: Path,
                   include_secret: bool) -> PackageExport:
    """The payload first, at the top of ``out``; then ``make_bag`` moves it into data/ and writes
    the manifests and bag-info."""
    names = {account.name: account.display_name or account.name for account in users.list_users(engine)}
    withheld: list[str] = []
    items = 0
    with Session(engine) as session:
        for category in categories:
            for item in category.items:
                if is_secret(item.secrecy) and not include_secret:
                    withheld.append(item.archive_code)
                    continue
                _write_item(session, engine, settings, category, item, out / item.archive_code, names)
                session.expunge_all()  # one record's text in memory at a time
                items += 1
    catalogue = _write_catalogue(_for_catalogue(categories, include_secret), settings, out)
    shutil.copyfile(archive_metadata.SCHEMA_PATH, out / archive_metadata.SCHEMA_NAME)
    (out / README_NAME).write_text(_readme(settings, year, items, withheld, include_secret, catalogue),
                                   encoding="utf-8")
    files, size = _payload_totals(out)
    info = {
        "Source-Organization": settings.fonds_name,
        "External-Identifier": f"{settings.office.fonds_code}-WS·{year}",
        "External-Description": f"{settings.fonds_name} {year} 年度文书档案归档数据包（wenshu 导出）",
        "Bagging-Date": settings.today().isoformat(),
        "Bag-Software-Agent": f"wenshu (bagit.py {bagit.VERSION})",
        INFO_YEAR: str(year),
        INFO_FONDS: settings.office.fonds_code,
        INFO_ITEMS: str(items),
        INFO_SECRET: "yes" if include_secret else "no",
        INFO_SCHEMA: archive_metadata.NAMESPACE,
    }
    if withheld:
        info[INFO_WITHHELD] = withheld  # bagit writes a list as one line per value
    with _BAGGING:
        bagit.make_bag(str(out), bag_info=info, checksums=list(CHECKSUMS))
    return PackageExport(year=year, path=out, items=items, files=files, bytes=size, include_secret=include_secret,
                         withheld=tuple(withheld), catalogue=catalogue)


def _write_item(session: Session, engine: Engine, settings: Settings, category: Category, item: Item,
                folder: Path, names: dict[str, str]) -> None:
    document = session.scalars(select(Document).where(Document.reg_no == item.reg_no)).one()
    if not audit.matches_chain(session, document):
        raise Tampered(f"{item.archive_code}（{item.reg_no}）的登记信息与审计链不符，未导出数据包",
                       fix="Run `wenshu audit verify` and restore the record from a backup before exporting.")
    folder.mkdir()
    file_name = archive_metadata.original_name(item.file_name)
    _copy_original(settings, item, folder / file_name)
    secret = is_secret(item.secrecy)
    if not secret:
        (folder / TEXT_NAME).write_text(document.text or "", encoding="utf-8")
    entries = auditlog.events(engine, settings, auditlog.AuditFilter(record=item.reg_no), clearance=UNRESTRICTED,
                              reveal_numbers=True)
    events = archive_metadata.business(entries, settings, names)
    xml = archive_metadata.metadata_xml(item, category, settings, file_name=file_name, events=events,
                                        with_text=not secret)
    (folder / METADATA_NAME).write_bytes(xml)


def _copy_original(settings: Settings, item: Item, target: Path) -> None:
    """The stored original into the package, hashed on the way: what is written is what the
    registry registered, or the export stops."""
    store = settings.store_dir.resolve()
    source = settings.stored_file(item.stored_path).resolve()
    if not source.is_relative_to(store) or not source.is_file():
        raise NotFound(f"{item.archive_code}（{item.reg_no}）的原件不在存储区中，未导出数据包",
                       fix="Run `wenshu audit verify --deep`; restore store/ from a backup.")
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    if digest.hexdigest() != item.sha256:
        raise Tampered(f"{item.archive_code}（{item.reg_no}）的原件与登记时的 SHA-256 不同，未导出数据包",
                       fix="Run `wenshu audit verify --deep`; restore the original from a backup.")


def _for_catalogue(categories: tuple[Category, ...], include_secret: bool) -> tuple[Category, ...]:
    """The 目录 lists every filed 件, so its 件号 run without a gap; a 涉密 件 left out of the
    package is listed by its 档号, 日期, 密级 and 页数 only, with a note saying so."""
    if include_secret:
        return categories
    return tuple(dataclasses.replace(category, items=tuple(
        dataclasses.replace(item, title=MASKED_TITLE, title_supplied=False, doc_number=None, issuer=None,
                            recipients=(), cc=(), note=WITHHELD_NOTE) if is_secret(item.secrecy) else item
        for item in category.items)) for category in categories)


def _write_catalogue(categories: tuple[Category, ...], settings: Settings, out: Path) -> tuple[str, ...]:
    from pipeline import archive_catalogue

    archive_catalogue.write_catalogue_xlsx(categories, settings, out / CATALOGUE_NAMES["xlsx"])
    archive_catalogue.write_catalogue_docx(categories, settings, out / CATALOGUE_NAMES["docx"])
    return tuple(CATALOGUE_NAMES.values())


def _payload_totals(out: Path) -> tuple[int, int]:
    files = size = 0
    for path in out.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def _readme(settings: Settings, year: int, items: int, withheld: list[str], include_secret: bool,
            catalogue: tuple[str, ...]) -> str:
    lines = [
        f"{settings.fonds_name}（全宗号 {settings.office.fonds_code}）{year} 年度文书档案归档数据包",
        f"由 wenshu 于 {datetime.now(settings.zone).strftime('%Y-%m-%d %H:%M')} 导出，共 {items} 件。",
        "",
        "本数据包为 BagIt 格式（RFC 8493）：",
        "  bagit.txt、bag-info.txt          数据包声明与说明信息（全宗、年度、件数、未随包移交的涉密件档号）",
        "  manifest-sha256.txt              data/ 下每个文件的 SHA-256",
        "  tagmanifest-sha256.txt           以上说明文件的 SHA-256",
        "  data/                            内容：",
        f"    {README_NAME}                        本说明",
        *(f"    {name}                归档文件目录" for name in catalogue),
        f"    {archive_metadata.SCHEMA_NAME}   元数据的 XML Schema",
        "    <档号>/                         每件一个文件夹，以档号命名（全宗号-WS·年度-保管期限代码-机构代码-件号）：",
        "      <原件>                        登记时的原件，文件名与登记时相同",
        f"      {TEXT_NAME}                     登记时提取的正文文本（涉密件不提供）",
        f"      {METADATA_NAME}                   元数据（DA/T 46-2009 元素，命名空间 {archive_metadata.NAMESPACE}）",
        "",
        "元数据中的「业务实体」取自登记系统的审计日志（登记、分办、办理、更正、归档等），",
        "「序号」「事件哈希」为该事件在审计日志中的序号和哈希，可与审计日志核对。",
        "四性检测：wenshu archive verify <本文件夹>。",
    ]
    if withheld:
        lines += ["", f"涉密件 {len(withheld)} 件未随本数据包移交（按涉密载体管理规定另行移交）：",
                  *(f"  {code}" for code in withheld)]
    elif include_secret:
        lines += ["", "本数据包含涉密件（仅原件与元数据，不含正文文本），请按涉密载体管理。"]
    return "\n".join(lines) + "\n"
