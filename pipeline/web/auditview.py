"""Audit events as people read them: the action's Chinese name and the details as short Chinese
lines ("标题：「旧」→「新」", "理由：…"), for the 审计 page and its exports. The row digest an
event carries is left out (it is for ``audit verify``, not for reading); other hashes are cut
short. A masked event (``registry.auditlog``) says only 「（涉密文件）」."""

from __future__ import annotations

import re
from typing import Any

from core.vocab import ROLES
from registry.auditlog import Entry
from registry.exports import FIELDS
from registry.queries import MASKED_TITLE
from pipeline.web.labels import ACTION_LABELS

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
    "what": {"csv": "登记簿 CSV", "xlsx": "登记簿 Excel", "audit.csv": "审计日志 CSV", "audit.xlsx": "审计日志 Excel"},
    "destination": {"web": "网页下载", "stdout": "命令行输出"},
}
HIDDEN = frozenset({"digest"})
_HASH = re.compile(r"^[0-9a-f]{64}$")


def action_name(action: str) -> str:
    return ACTION_LABELS.get(action, action)


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
