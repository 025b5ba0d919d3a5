"""The metadata of one 件 in the archive package (元数据.xml): the DA/T 46-2009 elements wenshu
knows — 来源, 档号 and its parts, 内容描述, 形式特征, 电子属性 with the original's SHA-256 — and the
业务 history from the audit log (登记, 分办, 分类, 办理 steps, 更正, 关联, 归档 …), each event with
its number and hash in the log. Element names are the standard's Chinese ones inside wenshu's
namespace; ``pipeline/schemas/wenshu-archive-metadata.xsd`` (shipped) describes exactly what is
written, and every file is validated against it before it is written.

Never a document's body: the elements are bounded in length and hold fields, reasons and
opinions, not text (a 涉密 件's 行为描述 are the same as anyone's: the log never holds a body).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from core.settings import Settings
from core.vocab import HANDLING_ACTIONS, is_secret
from pipeline.auditview import FIELD_NAMES, action_name
from registry.archive_plan import Category, Item
from registry.auditlog import Entry

NAMESPACE = "urn:wenshu:archive:dat46:1"
VERSION = "1"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "wenshu-archive-metadata.xsd"
METADATA_NAME = "元数据.xml"
TEXT_NAME = "正文.txt"
SCHEMA_NAME = SCHEMA_PATH.name     # a copy goes into the package, beside the 目录
RESERVED_NAMES = frozenset({METADATA_NAME, TEXT_NAME})
# A 档号 as DA/T 22-2015 writes it and wenshu gives it (the schema's 档号值).
ARCHIVE_CODE = re.compile(r"(?P<category>(?P<fonds>[^\s\-·/\\]+)-WS·(?P<year>[0-9]{4})-(?P<retention>Y|D30|D10)"
                          r"-(?P<unit>[^\s\-·/\\]+))-(?P<item>[0-9]{4,})")
ORIGINAL_PREFIX = "原件-"

# DA/T 22-2015's names of the 保管期限, by the registry's.
RETENTION_NAMES = {"永久": "永久", "30年": "定期30年", "10年": "定期10年"}
# The audit actions that are the record's 业务 (DA/T 46 业务实体); indexing, views and exports are
# the system's housekeeping, not the document's business.
BUSINESS_ACTIONS = frozenset({"registered", "routed", "classified", "filed", "handled", "corrected", "linked",
                              "reviewed", "archived", "archive_corrected"})
SHORT, LONG = 500, 4000  # the schema's 短文本 and 长文本
_NS = {"w": NAMESPACE}
E = ElementMaker(namespace=NAMESPACE, nsmap={None: NAMESPACE})


class MetadataInvalid(ValueError):
    """An 元数据.xml that does not validate against the shipped schema."""


@dataclass(frozen=True)
class Business:
    """One 业务实体: an audit event about the record, as the package describes it."""

    seq: int
    at: datetime          # aware
    action: str           # 业务行为, Chinese: 登记, 分办, 拟办, 批示, 归档 …
    state: str | None     # 业务状态: the 办理 state a step left
    basis: str | None     # 行为依据: the rule, the reason, the grounds
    description: str      # 行为描述
    actor: str            # the account in the log
    actor_name: str       # the person's name (the account's display name, else the account)
    hash: str             # the event's hash in the chain


@dataclass(frozen=True)
class Metadata:
    """What verification reads back from an 元数据.xml (already validated)."""

    archive_code: str
    fonds_code: str
    year: int
    retention: str         # 永久 / 定期30年 / 定期10年
    retention_code: str
    unit_code: str
    item_no: int
    reg_no: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: date
    secrecy: str | None
    pages: int | None
    format: str
    file_name: str
    size: int
    sha256: str
    text_file: str | None
    events: tuple[tuple[int, str, str], ...]   # (序号, 业务行为, 事件哈希)

    @property
    def composed_code(self) -> str:
        """The 档号 its parts make."""
        return f"{self.fonds_code}-WS·{self.year}-{self.retention_code}-{self.unit_code}-{self.item_no:04d}"


# ----------------------------------------------------------------------------- names

def original_name(file_name: str) -> str:
    """The original's name in the 件's folder: the registered name, unless it holds a path
    separator, is hidden, or is one of the package's own names, when it is prefixed with 原件-."""
    name = (file_name or "").strip()
    if name and "/" not in name and "\\" not in name and name not in RESERVED_NAMES and not name.startswith("."):
        return name
    name = name.replace("/", "_").replace("\\", "_") or "原件"
    while len((ORIGINAL_PREFIX + name).encode("utf-8")) > 255:  # a file system's limit for one name
        stem, suffix = Path(name).stem, Path(name).suffix
        name = stem[:-1] + suffix if len(stem) > 1 else name[-200:]
    return ORIGINAL_PREFIX + name


# ----------------------------------------------------------------------------- 业务

def business(entries: Iterable[Entry], settings: Settings, names: Mapping[str, str]) -> list[Business]:
    """The record's 业务实体 from its audit events (oldest first); ``names``: account → person."""
    found = []
    for entry in entries:
        if entry.masked or entry.action not in BUSINESS_ACTIONS:
            continue
        action, state, basis, description = _described(entry.action, entry.details, names)
        found.append(Business(
            seq=entry.seq, at=entry.moment.astimezone(settings.zone), action=action, state=state,
            basis=_bounded(basis, LONG) if basis else None, description=_bounded(description, LONG),
            actor=entry.actor, actor_name=names.get(entry.actor) or entry.actor, hash=entry.hash))
    return found


def _described(action: str, details: Mapping[str, Any],
               names: Mapping[str, str]) -> tuple[str, str | None, str | None, str]:
    """(业务行为, 业务状态, 行为依据, 行为描述) of one event."""
    d = dict(details)
    label = action_name(action)
    if action == "registered":
        said = [f"登记为{d.get('series', '')} {d.get('year', '')} 年第 {d.get('seq', '')} 号"]
        if d.get("file_name"):
            said.append(f"文件名 {d['file_name']}")
        if d.get("sha256"):
            said.append(f"SHA-256 {d['sha256']}")
        if d.get("allocated"):
            said.append("新分配发文号")
        return label, None, _text(d.get("as_new")), "，".join(said)
    if action == "routed":
        said = [f"分办为{d['route']}" if d.get("route") else "分办"]
        if d.get("department"):
            said.append(f"承办部门 {d['department']}")
        if d.get("deadline"):
            said.append(f"办理时限 {d['deadline']}")
        return label, None, _text(d.get("why")), "，".join(said)
    if action == "classified":
        if d.get("withdrawn_code"):
            return label, None, _text(d.get("reason")), f"撤销登记时所给档号 {d['withdrawn_code']}"
        said = [f"年度 {d.get('year', '')}", f"保管期限 {d.get('retention', '')}",
                f"机构（问题）{d.get('unit_code', '')}"]
        return label, None, _text(d.get("rule")), "，".join(said)
    if action == "handled":
        step = HANDLING_ACTIONS.get(str(d.get("action", "")), str(d.get("action") or label))
        said = [f"{step}：{_text(d.get('text'))}" if d.get("text") else step]
        if d.get("from") or d.get("to"):
            said.append(f"{d.get('from') or '—'} → {d.get('to') or '—'}")
        if d.get("assignees"):
            said.append("交 " + "、".join(_person(name, names) for name in d["assignees"]))
        if d.get("automatic"):
            said.append("自动")
        basis = f"答复文件 {d['closed_by_reply']}" if d.get("closed_by_reply") else None
        return step, _text(d.get("to")) or None, basis, "；".join(said)
    if action in ("corrected", "archive_corrected"):
        field = str(d.get("field", ""))
        said = [f"{FIELD_NAMES.get(field, field)}：{_quoted(d.get('old'))} → {_quoted(d.get('new'))}"]
        if action == "archive_corrected" and d.get("archive_code"):
            said.append(f"档号 {d['archive_code']}")
        return label, None, _text(d.get("reason")), "；".join(said)
    if action == "linked":
        said = []
        if d.get("answers"):
            said.append(f"答复 {_text(d['answers'])}")
        if d.get("answered_by"):
            said.append(f"由 {_text(d['answered_by'])} 答复")
        return label, None, None, "；".join(said) or label
    if action == "reviewed":
        return label, None, _text(d.get("reason")), f"核对初审提示：{_text(d.get('warnings'))}"
    if action == "archived":
        said = [f"归档为 {d.get('archive_code', '')}", f"件号 {d.get('item_no', '')}",
                f"类别 {d.get('category', '')}", f"保管期限 {d.get('retention', '')}"]
        if d.get("retention_from"):
            said.append(f"原保管期限 {d['retention_from']}")
        if d.get("together_with"):
            said.append(f"随所答复的 {d['together_with']} 归档")
        return label, "已归档", _text(d.get("rule")), "，".join(said)
    # ``filed``: a 档号 given at registration by an older wenshu
    said = "，".join(f"{key} {_text(value)}" for key, value in sorted(d.items()) if key != "digest")
    return label, None, None, said or label


def _person(account: Any, names: Mapping[str, str]) -> str:
    name = names.get(str(account))
    return f"{name}（{account}）" if name and name != account else str(account)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _quoted(value: Any) -> str:
    return "（空）" if value in (None, "", []) else f"「{_text(value)}」"


def _bounded(text: str, limit: int) -> str:
    text = " ".join(text.split()) or "—"
    return text if len(text) <= limit else text[: limit - 4] + "……（略）"


# ----------------------------------------------------------------------------- writing

def metadata_xml(item: Item, category: Category, settings: Settings, *, file_name: str,
                 events: Sequence[Business], with_text: bool) -> bytes:
    """The 件's 元数据.xml, validated against the shipped schema (``MetadataInvalid`` otherwise:
    a bug, never a file written that does not validate)."""
    source = [E.全宗名称(_short(settings.fonds_name)), E.立档单位名称(_short(settings.office.names[0]))]
    if settings.archive.archive_name.strip():
        source.insert(0, E.档案馆名称(_short(settings.archive.archive_name)))
    root = E.文件(
        E.聚合层次("件"),
        E.来源(*source),
        E.电子文件号(item.reg_no),
        E.档号(
            E.全宗号(category.fonds_code), E.门类代码("WS"), E.年度(str(category.year)),
            E.保管期限(RETENTION_NAMES[item.retention], 代码=item.retention_code),
            E.机构或问题(_short(category.unit_name or item.unit_code), 代码=item.unit_code),
            E.件号(f"{item.item_no:04d}"),
            值=item.archive_code),
        _description(item, settings),
        *([E.形式特征(E.页数(str(item.pages)))] if item.pages is not None else []),
        _electronic(item, file_name, with_text),
        *(_business_element(event) for event in events),
        版本=VERSION)
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _description(item: Item, settings: Settings) -> etree._Element:
    parts = []
    if item.title:
        parts.append(E.题名(_short(item.title), 自拟="true" if item.title_supplied else "false"))
    if item.doc_number:
        parts.append(E.文件编号(_short(item.doc_number)))
    if item.issuer:
        parts.append(E.责任者(_short(item.issuer)))
    day = item.date or item.registered_at.astimezone(settings.zone).date()
    parts.append(E.日期(day.isoformat(), 依据="成文日期" if item.date else "登记日期"))
    if item.doc_type:
        parts.append(E.文种(_short(item.doc_type)))
    if item.urgency:
        parts.append(E.紧急程度(_short(item.urgency)))
    parts.extend(E.主送(_short(name)) for name in item.recipients if name.strip())
    parts.extend(E.抄送(_short(name)) for name in item.cc if name.strip())
    if is_secret(item.secrecy):
        parts.append(E.密级(_short(item.secrecy or "")))
        if item.secrecy_period:
            parts.append(E.保密期限(_short(item.secrecy_period)))
    return E.内容描述(*parts)


def _electronic(item: Item, file_name: str, with_text: bool) -> etree._Element:
    parts = [E.格式信息(item.format or "unknown"), E.计算机文件名(file_name)]
    if file_name != item.file_name and item.file_name:
        parts.append(E.原始文件名(_short(item.file_name)))
    parts.append(E.计算机文件大小(str(item.size or 0), 单位="字节"))
    parts.append(E.数字摘要(item.sha256, 算法="SHA-256"))
    if with_text:
        parts.append(E.文本文件名(TEXT_NAME))
    return E.电子属性(*parts)


def _business_element(event: Business) -> etree._Element:
    parts = []
    if event.state:
        parts.append(E.业务状态(_short(event.state)))
    parts.append(E.业务行为(_short(event.action)))
    parts.append(E.行为时间(event.at.isoformat(timespec="seconds")))
    if event.basis:
        parts.append(E.行为依据(event.basis))
    parts.append(E.行为描述(event.description))
    parts.append(E.机构人员(E.机构人员名称(_short(event.actor_name)), 账号=_short(event.actor)))
    parts.append(E.事件哈希(event.hash))
    return E.业务实体(*parts, 序号=str(event.seq))


def _short(text: str) -> str:
    return _bounded(text, SHORT)


# ----------------------------------------------------------------------------- validating and reading

@cache
def schema() -> etree.XMLSchema:
    """The shipped schema (read from the package, never from the network)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(root: etree._Element) -> None:
    checker = schema()
    if not checker.validate(root):
        raise MetadataInvalid("; ".join(f"line {e.line}: {e.message}" for e in checker.error_log))


def read_metadata(path: Path) -> Metadata:
    """An 元数据.xml read back, validated first (``MetadataInvalid`` with the schema's messages,
    or the parser's, otherwise). No entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as error:
        raise MetadataInvalid(f"XML 格式错误：{error}") from error
    validate(root)

    def one(xpath: str) -> str | None:
        found = root.xpath(xpath, namespaces=_NS)
        return str(found[0]) if found else None

    return Metadata(
        archive_code=one("w:档号/@值") or "",
        fonds_code=one("w:档号/w:全宗号/text()") or "",
        year=int(one("w:档号/w:年度/text()") or 0),
        retention=one("w:档号/w:保管期限/text()") or "",
        retention_code=one("w:档号/w:保管期限/@代码") or "",
        unit_code=one("w:档号/w:机构或问题/@代码") or "",
        item_no=int(one("w:档号/w:件号/text()") or 0),
        reg_no=one("w:电子文件号/text()") or "",
        title=one("w:内容描述/w:题名/text()"),
        doc_number=one("w:内容描述/w:文件编号/text()"),
        issuer=one("w:内容描述/w:责任者/text()"),
        date=date.fromisoformat(one("w:内容描述/w:日期/text()") or ""),
        secrecy=one("w:内容描述/w:密级/text()"),
        pages=int(pages) if (pages := one("w:形式特征/w:页数/text()")) is not None else None,
        format=one("w:电子属性/w:格式信息/text()") or "",
        file_name=one("w:电子属性/w:计算机文件名/text()") or "",
        size=int(one("w:电子属性/w:计算机文件大小/text()") or 0),
        sha256=one("w:电子属性/w:数字摘要/text()") or "",
        text_file=one("w:电子属性/w:文本文件名/text()"),
        events=tuple((int(e.get("序号")), e.findtext(f"{{{NAMESPACE}}}业务行为") or "",
                      e.findtext(f"{{{NAMESPACE}}}事件哈希") or "")
                     for e in root.iterfind(f"{{{NAMESPACE}}}业务实体")))
