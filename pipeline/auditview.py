"""Audit events as people read them: the action's Chinese name and the details as short Chinese
lines ("标题：「旧」→「新」", "理由：…"), and an event as a row of the audit log's CSV and Excel,
for the web 审计 page and its exports and for ``wenshu audit log`` and ``audit export``. The row
digest an event carries is left out (it is for ``audit verify``, not for reading); other hashes
are cut short. A masked event (``registry.auditlog``) says only 「（涉密文件）」."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import ROLES
from registry.audit import Action, canonical_json
from registry.auditlog import Entry
from registry.exports import FIELDS
from registry.queries import MASKED_TITLE

# Every audit action's Chinese name, as the 审计 page, a record's history and the CLI name it.
# Keyed by the code; ``ACTION_LABELS`` holds exactly the members of ``registry.audit.Action``
# (tests/pipeline/test_audit_cli.py checks that each has a name here).
NAMES: dict[str, str] = {
    "registered": "登记", "routed": "分办", "filed": "编档号（旧版）", "indexed": "索引", "corrected": "更正",
    "voided": "作废", "quarantined": "隔离", "duplicate": "重复文件", "exported": "导出", "linked": "关联",
    "discarded": "删除隔离文件", "keyed": "启用审计密钥", "triggers_repaired": "恢复保护触发器",
    "user_added": "添加用户", "password_changed": "修改密码", "user_disabled": "停用用户",
    "token_issued": "签发令牌", "user_changed": "修改用户", "logged_in": "登录", "logged_out": "退出",
    "login_failed": "登录失败", "viewed": "查看原件", "uploaded": "上传", "handled": "办理",
    "supervised": "确认督办",
    # the archive's (docs/archive.md)
    "archived": "归档", "classified": "分类", "archive_corrected": "档案更正", "reviewed": "提示已核",
}
ACTION_LABELS: dict[str, str] = {action: NAMES.get(action.value, action.value) for action in Action}

# The 登记簿's names of the record's fields (what a correction names), then the details' own keys.
FIELD_NAMES: dict[str, str] = dict(FIELDS)
# In the order they are shown; keys not named here follow, as stored.
DETAIL_NAMES: dict[str, str] = {
    "user": "用户", "display_name": "姓名", "roles": "角色", "clearance": "密级权限", "changed": "变更",
    "what": "导出内容", "filters": "条件", "count": "条数", "destination": "去向",
    "series": "编号序列", "year": "年度", "seq": "序号", "file_name": "文件名", "kind": "类别",
    "allocated": "新分配发文号", "printed": "按印发字号登记", "as_new": "另行登记的理由", "origin": "来自",
    "route": "阅办", "department": "承办部门", "deadline": "办理时限", "why": "分办依据",
    "archive_code": "档号", "retention": "保管期限", "refiled_from": "原档号", "version": "索引版本",
    "answered_by": "答复文件", "answers": "所答复", "not_linked": "未关联",
    "reason": "理由", "cause": "详因", "withheld": "已隐去", "quarantined_to": "隔离到",
    "keyed_from": "密钥封存起始事件", "restored": "恢复", "sessions_ended": "结束会话", "tokens_revoked": "吊销令牌",
    "address": "地址", "session": "会话", "sha256": "SHA-256",
    "date_from": "起", "date_to": "止", "direction": "收发", "doc_type": "文种", "record": "登记号",
    "actor": "操作人", "action": "操作",
}
# Values that are codes, by the key they stand under.
VALUE_NAMES: dict[str, dict[str, str]] = {
    "kind": {"same_file": "同一文件", "same_document": "同一公文"},
    "what": {"csv": "登记簿 CSV", "xlsx": "登记簿 Excel", "audit.csv": "审计日志 CSV", "audit.xlsx": "审计日志 Excel",
             "archive.package": "归档数据包", "archive.catalogue": "归档文件目录与备考表"},
    "destination": {"web": "网页下载", "stdout": "命令行输出"},
}
HIDDEN = frozenset({"digest"})
_HASH = re.compile(r"^[0-9a-f]{64}$")


def action_name(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def action_code(given: str) -> str:
    """The action a person typed, by its code (``corrected``) or its Chinese name (更正)."""
    given = given.strip()
    if given in ACTION_LABELS:
        return given
    codes = [code for code, name in ACTION_LABELS.items() if name == given]
    if len(codes) == 1:
        return str(codes[0])
    if codes:
        raise InvalidValue(f"操作「{given}」有多个含义：{'、'.join(str(code) for code in codes)}，请写代码",
                           fix=f"Name the action by its code: {', '.join(str(code) for code in codes)}.")
    shown = "、".join(f"{name}（{code}）" for code, name in ACTION_LABELS.items())
    raise InvalidValue(f"操作「{given}」无效，可选：{shown}",
                       fix="Name the action in Chinese (更正) or by its code (corrected).")


def details_lines(entry: Entry) -> list[str]:
    """The event's details as lines of text (autoescaped by the template, as all text is)."""
    if entry.masked:
        return [MASKED_TITLE]
    details = dict(entry.details)
    lines = []
    if entry.action == "corrected" and "field" in details:
        field = details.pop("field")
        old, new = details.pop("old", None), details.pop("new", None)
        lines.append(f"{FIELD_NAMES.get(field, field)}：{_quoted(old)} → {_quoted(new)}")
    for key, value in sorted(details.items(), key=_shown_order):
        if key in HIDDEN:
            continue
        lines.append(f"{DETAIL_NAMES.get(key, key)}：{_value(key, value)}")
    return lines


_ORDER = {key: n for n, key in enumerate(DETAIL_NAMES)}


def _shown_order(item: tuple[str, Any]) -> tuple[int, str]:
    return _ORDER.get(item[0], len(_ORDER)), item[0]


def details_text(entry: Entry) -> str:
    return "；".join(details_lines(entry))


def _quoted(value: Any) -> str:
    return "（空）" if value in (None, "") else f"「{_value('', value)}」"


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in VALUE_NAMES and isinstance(value, str):
        return VALUE_NAMES[key].get(value, value)
    if key == "roles" and isinstance(value, list):
        return "、".join(ROLES.get(role, role) for role in value)
    if key == "action" and isinstance(value, str):
        return action_name(value)
    if isinstance(value, str) and _HASH.match(value):
        return value[:12] + "…"
    if isinstance(value, dict):
        if not value:
            return "全部" if key == "filters" else "—"
        if set(value) == {"old", "new"}:
            return f"{_quoted(value['old'])} → {_quoted(value['new'])}"
        return "，".join(f"{DETAIL_NAMES.get(k, FIELD_NAMES.get(k, k))} {_value(k, v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_value(key, item) for item in value) or "—"
    return str(value)


# The audit log's CSV and Excel columns: first as people read it, then as it is stored and hashed
# (the code, the UTC time, the details' JSON and the chain's hashes), for a check by hand.
AUDIT_HEADINGS = ("序号", "时间", "操作人", "操作", "登记号", "详情", "操作代码", "时间（UTC，原值）",
                  "详情（JSON）", "前一哈希", "哈希")


def local_moment(entry: Entry, settings: Settings) -> datetime:
    """When the event happened, in the office's time zone, to the second, without a zone (as
    Excel keeps a time)."""
    return entry.moment.astimezone(settings.zone).replace(tzinfo=None, microsecond=0)


def audit_row(entry: Entry, settings: Settings) -> list[Any]:
    """The event as a row under ``AUDIT_HEADINGS``; the time is a ``datetime`` (``registry.exports``
    writes it as text in a CSV, as a date-time cell in Excel)."""
    raw = "" if entry.masked else canonical_json(entry.details)
    return [entry.seq, local_moment(entry, settings), entry.actor, action_name(entry.action), entry.record or "",
            details_text(entry), entry.action, entry.at, raw, entry.prev_hash, entry.hash]
