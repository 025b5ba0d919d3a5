"""The 四性 checks of DA/T 70-2018 that a program can make on an archive package
(``pipeline.archive_export``; docs/archive.md, 「归档数据包与四性检测」). Every problem names the
档号 of its 件 (or the file, for what belongs to no 件) and the 性 it fails:

- 真实性 (authentic): every file's SHA-256 is the manifest's; each original's is the one in its
  metadata and — with the registry — the registry's and the one its ``registered`` audit event
  recorded; the record still matches its audit chain; the metadata agrees with its folder and
  with the registry, and its 业务实体 are events of the log (序号 and 事件哈希).
- 完整性 (complete): the bag's manifests cover its files; every 件 folder holds its metadata
  (valid against the shipped XSD), its original and its text; per category the 件号 run 1..n
  without a gap (those of 涉密 件 left out are listed in bag-info.txt); the count of 件 is
  bag-info's; with the registry, every filed 件 of the year is there.
- 可用性 (usable): every original opens with wenshu's extractors (see ``_opens``).
- 安全性 (safe): no 正文.txt for a 涉密 件, no 涉密 件 in a package exported without them, no
  body text in metadata, no symbolic link, no file outside the manifests or beside the bag's
  own tag files.

Without a registry (another machine, the archive's own) the package is checked on its own, and
the result says what could not be checked.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import bagit
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import is_secret
from extractors import FORMATS, ExtractionError, detect, extract
from extractors.errors import MissingEngine, Unsupported
from pipeline import archive_export
from pipeline.files import sha256_of
from pipeline.archive_metadata import (ARCHIVE_CODE, METADATA_NAME, RETENTION_NAMES, SCHEMA_NAME, TEXT_NAME,
                                       Metadata, MetadataInvalid, read_metadata)
from registry import archive_plan, audit
from registry.archive_plan import Item
from registry.filing import RETENTION_CODES
from registry.models import Document

AUTHENTIC, COMPLETE, USABLE, SAFE = "真实性", "完整性", "可用性", "安全性"
ASPECTS = (AUTHENTIC, COMPLETE, USABLE, SAFE)
TAG_FILES = re.compile(r"bagit\.txt|bag-info\.txt|(tag)?manifest-[a-z0-9]+\.txt")
TOP_FILES = frozenset({archive_export.README_NAME, SCHEMA_NAME, *archive_export.CATALOGUE_NAMES.values()})
# Formats the extractors read only by OCR (the image rows of ``extractors.FORMATS``): recognising
# every page of a year's scans would take seconds a page, so for these, and for PDFs (whose
# pages may be scans), the check is that the file decodes — pdfium opens the PDF, its page count
# is the metadata's 页数 and its first page renders; Pillow decodes the image's first frame.
# Every other format is extracted in full by ``extractors.extract``, as registration did.
OCR_ONLY = frozenset({"png", "jpeg", "tiff", "bmp", "webp", "gif"})
_REGISTRY_RETENTION = {name: registry_name for registry_name, name in RETENTION_NAMES.items()}
LEAK_MIN = 12   # a body line this long found in metadata (and in no field or audit event) is a leak


@dataclass(frozen=True)
class Problem:
    aspect: str       # 真实性 / 完整性 / 可用性 / 安全性
    where: str        # the 档号, or the file's path in the bag
    message: str

    def __str__(self) -> str:
        return f"【{self.aspect}】{self.where}：{self.message}"


@dataclass(frozen=True)
class VerifyResult:
    path: Path
    year: int | None
    items: int                       # 件 folders found
    files: int                       # payload files found
    with_registry: bool              # compared with the registry
    problems: tuple[Problem, ...]
    unchecked: tuple[str, ...]       # what could not be checked, and why

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "year": self.year, "items": self.items, "files": self.files,
                "with_registry": self.with_registry, "ok": self.ok,
                "problems": [{"aspect": p.aspect, "where": p.where, "message": p.message} for p in self.problems],
                "unchecked": list(self.unchecked)}


@dataclass
class _Check:
    """What one verification has found so far."""

    root: Path
    settings: Settings
    problems: list[Problem] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)     # payload path -> SHA-256 as found
    reported: set[str] = field(default_factory=set)          # payload paths already named as extra
    folders: dict[str, Metadata | None] = field(default_factory=dict)   # 档号 -> its metadata
    files: int = 0
    compared: bool = False                                   # with the registry

    def add(self, aspect: str, where: str, message: str) -> None:
        problem = Problem(aspect, where, message)
        if problem not in self.problems:
            self.problems.append(problem)


def verify_package(path: str | Path, settings: Settings, engine: Engine | None = None) -> VerifyResult:
    """Check the package at ``path``; with ``engine`` (the registry it came from) also against
    the registry and its audit log."""
    root = Path(path).absolute()
    if not root.is_dir():
        raise InvalidValue(f"「{root}」不是文件夹", fix="Give the folder `wenshu archive export` wrote.")
    check = _Check(root, settings)
    _walk(check)
    with _quiet_bagit():
        bag = _open_bag(check)
    year = None
    if bag is not None:
        info = _bag_info(check, bag)
        year = info.year
        _manifests(check, bag)
        _payload(check, info.include_secret)
        _numbering(check, info.withheld, info.count)
        if engine is not None and year is not None:
            _against_registry(check, engine, info)
    if not check.compared:
        why = "没有登记簿" if engine is None else "登记簿中没有这个数据包的已归档文件"
        check.unchecked.append(f"未与登记簿比对（{why}）：原件的 SHA-256 与登记簿和登记事件是否一致、元数据与登记簿"
                               "是否一致、业务实体是否为审计日志中的事件、已归档的件是否全部在包内")
    problems = sorted(check.problems, key=lambda p: (p.where, ASPECTS.index(p.aspect)))  # stable: found order within
    return VerifyResult(path=root, year=year, items=len(check.folders), files=check.files,
                        with_registry=check.compared, problems=tuple(problems),
                        unchecked=tuple(check.unchecked))


# ----------------------------------------------------------------------------- the bag

def _where(relative: str) -> str:
    """The 档号 a payload path belongs to, else the path itself."""
    parts = PurePosixPath(relative).parts
    if len(parts) >= 3 and parts[0] == "data" and ARCHIVE_CODE.fullmatch(parts[1]):
        return parts[1]
    return relative


def _walk(check: _Check) -> None:
    """安全性 without trusting the manifests: no link, no device or pipe, nothing beside the
    bag's tag files and data/."""
    for directory, dirnames, filenames in os.walk(check.root):
        for name in [*dirnames, *filenames]:
            full = Path(directory) / name
            relative = full.relative_to(check.root).as_posix()
            mode = full.lstat().st_mode
            if stat.S_ISLNK(mode):
                check.add(SAFE, _where(relative), f"{relative} 是符号链接，数据包内只能有普通文件")
                check.reported.add(relative)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                check.add(SAFE, _where(relative), f"{relative} 不是普通文件")
                check.reported.add(relative)
            elif directory == str(check.root) and name != "data" and not (
                    stat.S_ISREG(mode) and TAG_FILES.fullmatch(name)):
                check.add(SAFE, relative, "数据包之外的文件：只应有 bagit.txt、bag-info.txt、清单文件和 data/")
            elif relative.startswith("data/") and stat.S_ISREG(mode):
                check.files += 1
        dirnames[:] = [d for d in dirnames if not (Path(directory) / d).is_symlink()]


@contextmanager
def _quiet_bagit() -> Iterator[None]:
    """bagit logs each problem as a warning; they are reported here, once, in Chinese."""
    logger = logging.getLogger("bagit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _open_bag(check: _Check) -> bagit.Bag | None:
    try:
        bag = bagit.Bag(str(check.root))
    except bagit.BagError as error:
        check.add(COMPLETE, check.root.name, f"不是完整的 BagIt 数据包：{error}")
        return None
    if "sha256" not in bag.algorithms:
        check.add(COMPLETE, "manifest-sha256.txt", "缺少 SHA-256 清单")
    return bag


@dataclass(frozen=True)
class _Info:
    """What bag-info.txt says of the package."""

    year: int | None
    fonds_code: str | None
    include_secret: bool
    count: int | None
    withheld: frozenset[str]


def _bag_info(check: _Check, bag: bagit.Bag) -> _Info:
    info = bag.info

    def value(label: str) -> str | None:
        found = info.get(label)
        return (found[0] if isinstance(found, list) else found) if found else None

    year = value(archive_export.INFO_YEAR)
    if year is None or not year.isdigit():
        check.add(COMPLETE, "bag-info.txt", f"缺少年度（{archive_export.INFO_YEAR}）")
    count = value(archive_export.INFO_ITEMS)
    if count is None or not count.isdigit():
        check.add(COMPLETE, "bag-info.txt", f"缺少件数（{archive_export.INFO_ITEMS}）")
    listed = info.get(archive_export.INFO_WITHHELD) or []
    return _Info(year=int(year) if year and year.isdigit() else None,
                 fonds_code=value(archive_export.INFO_FONDS), include_secret=value(archive_export.INFO_SECRET) == "yes",
                 count=int(count) if count and count.isdigit() else None,
                 withheld=frozenset(listed if isinstance(listed, list) else [listed]))


def _manifests(check: _Check, bag: bagit.Bag) -> None:
    """bagit's own validation decides; when it fails, each file is named: missing (完整性),
    outside the manifests (安全性), or changed (真实性)."""
    try:
        with _quiet_bagit():
            bag.validate(processes=1)
        check.hashes = {path: hashes["sha256"] for path, hashes in bag.entries.items() if "sha256" in hashes}
        return
    except bagit.BagError as error:   # BagValidationError, or a malformed Payload-Oxum
        failure = str(error)
    only_in_manifest, only_on_disk = bag.compare_manifests_with_fs()
    for relative in sorted(only_in_manifest):
        check.add(COMPLETE, _where(relative), f"清单中的文件 {relative} 不见了")
    for relative in sorted(only_on_disk):
        if relative not in check.reported:
            check.add(SAFE, _where(relative), f"{relative} 不在数据包的清单中（包外加入的文件）")
            check.reported.add(relative)
    for relative, hashes in sorted(bag.entries.items()):
        full = check.root / relative
        if relative in only_in_manifest or "sha256" not in hashes or not full.is_file() or full.is_symlink():
            continue
        check.hashes[relative] = found = sha256_of(full)
        if found != hashes["sha256"]:
            check.add(AUTHENTIC, _where(relative), f"{relative} 的内容已改变：SHA-256 与清单不符")
    if not check.problems:  # nothing named above or by the walk: say what bagit said
        check.add(COMPLETE, check.root.name, f"BagIt 校验未通过：{failure}")


# ----------------------------------------------------------------------------- the 件

def _payload(check: _Check, include_secret: bool) -> None:
    data = check.root / "data"
    if not data.is_dir():
        return
    present = {child.name for child in data.iterdir()}
    for name in sorted(TOP_FILES - present):
        check.add(COMPLETE, f"data/{name}", "数据包缺少此文件")
    for child in sorted(data.iterdir()):
        relative = f"data/{child.name}"
        if child.is_symlink() or relative in check.reported:
            continue
        if child.is_file():
            if child.name not in TOP_FILES:
                check.add(SAFE, relative, "数据包中不应有的文件")
        elif not ARCHIVE_CODE.fullmatch(child.name):
            check.add(SAFE, relative, "不是以档号命名的文件夹")
        else:
            check.folders[child.name] = _item_folder(check, child, include_secret)


def _item_folder(check: _Check, folder: Path, include_secret: bool) -> Metadata | None:
    code = folder.name
    try:
        metadata = read_metadata(folder / METADATA_NAME)
    except OSError:
        check.add(COMPLETE, code, f"缺少 {METADATA_NAME}")
        return None
    except MetadataInvalid as error:
        check.add(COMPLETE, code, f"{METADATA_NAME} 不符合元数据 XSD：{error}")
        return None
    if metadata.archive_code != code or metadata.composed_code != code:
        check.add(AUTHENTIC, code, f"{METADATA_NAME} 的档号（{metadata.archive_code}）与文件夹名不符")
    if RETENTION_CODES.get(_REGISTRY_RETENTION.get(metadata.retention, "")) != metadata.retention_code:
        check.add(AUTHENTIC, code, f"{METADATA_NAME} 的保管期限与其代码不符")
    actions = {action for _, action, _ in metadata.events}
    for needed in ("登记", "归档"):
        if needed not in actions:
            check.add(COMPLETE, code, f"{METADATA_NAME} 的业务实体缺少「{needed}」")
    secret = is_secret(metadata.secrecy)
    expected = {METADATA_NAME, metadata.file_name, *([TEXT_NAME] if metadata.text_file else [])}
    for child in sorted(folder.iterdir()):
        relative = f"data/{code}/{child.name}"
        if child.name == TEXT_NAME and secret:
            check.add(SAFE, code, f"涉密件（{metadata.secrecy}）不得含正文文本 {TEXT_NAME}")
        elif child.name not in expected and relative not in check.reported:
            check.add(SAFE, code, f"{child.name} 不是元数据所列的文件")
    if secret and not include_secret:
        check.add(SAFE, code, f"涉密件（{metadata.secrecy}）出现在未含涉密件的数据包中")
    if metadata.text_file and not (folder / TEXT_NAME).is_file():
        check.add(COMPLETE, code, f"缺少正文文本 {TEXT_NAME}")
    original = folder / metadata.file_name
    if not original.is_file() or original.is_symlink():
        check.add(COMPLETE, code, f"缺少原件 {metadata.file_name}")
        return metadata
    found = check.hashes.get(f"data/{code}/{metadata.file_name}") or sha256_of(original)
    if found != metadata.sha256:
        check.add(AUTHENTIC, code, f"原件 {metadata.file_name} 的 SHA-256 与元数据的数字摘要不符")
    if original.stat().st_size != metadata.size:
        check.add(AUTHENTIC, code, f"原件 {metadata.file_name} 的大小与元数据不符")
    if problem := _opens(original, metadata, check):
        check.add(USABLE, code, problem)
    return metadata


def _opens(path: Path, metadata: Metadata, check: _Check) -> str | None:
    """Whether the original opens with wenshu's extractors (None), else why not."""
    try:
        name = detect(path)
    except (ExtractionError, OSError) as error:
        return f"原件 {path.name} 无法识别格式：{error}"
    if name != metadata.format:
        return f"原件 {path.name} 的内容是 {name} 格式，元数据记为 {metadata.format}"
    spec = FORMATS.get(name)
    if spec is None or spec.extract is None:
        return f"原件 {path.name} 的格式无法读取：{spec.refusal if spec else name}"
    try:
        if name == "pdf":
            return _pdf_opens(path, metadata)
        if name in OCR_ONLY:
            return _image_opens(path)
        extract(path, check.settings)
    except (MissingEngine, Unsupported) as error:
        if not isinstance(error, MissingEngine) and not spec.needs:
            return f"原件 {path.name} 无法读取：{error.message}"
        # what this machine lacks (LibreOffice for a .doc): not the file's fault
        check.unchecked.append(f"{path.parent.name}：未能检测原件可否读取（{error.message}）")
    except ExtractionError as error:
        return f"原件 {path.name} 无法读取：{error.message}"
    return None


def _pdf_opens(path: Path, metadata: Metadata) -> str | None:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        return f"原件 {path.name} 无法打开：{error}"
    try:
        count = len(document)
        if metadata.pages is not None and count != metadata.pages:
            return f"原件 {path.name} 有 {count} 页，元数据记为 {metadata.pages} 页"
        if count:
            page = document[0]
            page.render(scale=0.2).close()
            page.close()
    except pdfium.PdfiumError as error:
        return f"原件 {path.name} 无法显示：{error}"
    finally:
        document.close()
    return None


def _image_opens(path: Path) -> str | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
    except Exception as error:  # noqa: BLE001 - Pillow raises many kinds for a broken image
        return f"原件 {path.name} 无法解码：{type(error).__name__}: {error}"
    return None


def _numbering(check: _Check, withheld: frozenset[str], count: int | None) -> None:
    """Per category 件号 1..n without a gap, those of the 涉密 件 left out included."""
    numbers: dict[str, set[int]] = defaultdict(set)
    for code in [*check.folders, *withheld]:
        if found := ARCHIVE_CODE.fullmatch(code):
            numbers[found["category"]].add(int(found["item"]))
    for code in sorted(withheld & set(check.folders)):
        check.add(SAFE, code, "bag-info.txt 称此涉密件未随包移交，包内却有它的文件夹")
    for category, present in sorted(numbers.items()):
        for number in sorted(set(range(1, max(present) + 1)) - present):
            check.add(COMPLETE, f"{category}-{number:04d}", f"件号不连续：{category} 缺第 {number} 件")
    if count is not None and count != len(check.folders):
        check.add(COMPLETE, "bag-info.txt", f"数据包应有 {count} 件，实有 {len(check.folders)} 件")


# ----------------------------------------------------------------------------- the registry

def _against_registry(check: _Check, engine: Engine, info: _Info) -> None:
    """Only a package of this registry's 全宗 and of a year it has filed is compared with it."""
    settings = check.settings
    if info.fonds_code != settings.office.fonds_code or info.year is None:
        return
    include_secret, withheld = info.include_secret, info.withheld
    filed = {item.archive_code: item for c in archive_plan.filed(engine, settings, info.year) for item in c.items}
    codes = set(check.folders)
    if not filed:
        return
    check.compared = True
    for code, item in sorted(filed.items()):
        if code in codes:
            continue
        if is_secret(item.secrecy) and not include_secret:
            if code not in withheld:
                check.add(COMPLETE, code, "涉密件未随包移交，却未列入 bag-info.txt 的未移交清单")
            continue
        check.add(COMPLETE, code, f"已归档的件（{item.reg_no}）不在数据包中")
    with Session(engine) as session:
        for code in sorted(codes):
            item = filed.get(code)
            if item is None:
                check.add(AUTHENTIC, code, "登记簿中没有这个已归档的档号")
                continue
            _item_against_registry(check, session, item, check.folders[code], include_secret)
            session.expunge_all()


def _item_against_registry(check: _Check, session: Session, item: Item, metadata: Metadata | None,
                           include_secret: bool) -> None:
    code = item.archive_code
    document = session.scalars(select(Document).where(Document.reg_no == item.reg_no)).one()
    if not audit.matches_chain(session, document):
        check.add(AUTHENTIC, code, f"登记簿中的 {item.reg_no} 与其审计链不符（登记簿在 wenshu 之外被改动）")
    events = {event.seq: event for event in audit.events(session, item.reg_no)}
    registered = next((e for e in events.values() if e.action == audit.Action.REGISTERED), None)
    if registered is None or json.loads(registered.details).get("sha256") != item.sha256:
        check.add(AUTHENTIC, code, f"{item.reg_no} 的登记事件中的 SHA-256 与登记簿不符")
    secret = is_secret(item.secrecy)
    if secret and not include_secret:
        check.add(SAFE, code, f"涉密件（{item.secrecy}）出现在未含涉密件的数据包中")
    if secret and (check.root / "data" / code / TEXT_NAME).exists():
        check.add(SAFE, code, f"涉密件（{item.secrecy}）不得含正文文本 {TEXT_NAME}")
    if metadata is None:
        return
    original = f"data/{code}/{metadata.file_name}"
    if check.hashes.get(original, metadata.sha256) != item.sha256 or metadata.sha256 != item.sha256:
        check.add(AUTHENTIC, code, f"原件 {metadata.file_name} 的 SHA-256 与登记簿不符")
    for label, theirs, ours in (
            ("电子文件号", metadata.reg_no, item.reg_no), ("题名", metadata.title, item.title or None),
            ("文件编号", metadata.doc_number, item.doc_number or None), ("责任者", metadata.issuer, item.issuer or None),
            ("日期", metadata.date, item.date or item.registered_at.astimezone(check.settings.zone).date()),
            ("密级", metadata.secrecy, item.secrecy if secret else None), ("页数", metadata.pages, item.pages),
            ("格式信息", metadata.format, item.format or "unknown"),
            ("保管期限", metadata.retention, RETENTION_NAMES[item.retention])):
        if theirs != ours:
            check.add(AUTHENTIC, code, f"{METADATA_NAME} 的「{label}」（{theirs}）与登记簿（{ours}）不符")
    for seq, action, digest in metadata.events:
        event = events.get(seq)
        if event is None or event.hash != digest:
            check.add(AUTHENTIC, code, f"{METADATA_NAME} 的业务实体（序号 {seq}，{action}）不是审计日志中 "
                                       f"{item.reg_no} 的事件")
    if secret:
        _no_body(check, code, document, events.values())


def _no_body(check: _Check, code: str, document: Document, events: Any) -> None:
    """A 涉密 件's metadata says only what its fields and its audit events say: a line of its body
    found there, and in none of those, has leaked."""
    xml = (check.root / "data" / code / METADATA_NAME).read_text(encoding="utf-8", errors="replace")
    fields = (name for name in audit.DIGESTED_FIELDS if name not in ("text", "details"))
    allowed = "\n".join([*(str(getattr(document, name) or "") for name in fields),
                         json.dumps(document.details, ensure_ascii=False),
                         *(json.dumps(json.loads(e.details), ensure_ascii=False) for e in events)])
    for line in (document.text or "").splitlines():
        line = line.strip()
        if len(line) >= LEAK_MIN and line in xml and line not in allowed:
            check.add(SAFE, code, f"{METADATA_NAME} 含有涉密件的正文内容")
            return

