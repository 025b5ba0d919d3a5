"""The query syntax: quoted phrases, ``字段:值`` filters, a leading minus, and date values.

Full-width characters are accepted everywhere (the query is NFKC-normalised first), so
``文种：通知`` and ``“科研项目”`` work as typed on a Chinese keyboard.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from index.analysis import normalize
from index.errors import QueryError
from index.understand import find_dates, month_span

FIELD_ALIASES = {
    **dict.fromkeys(("文种", "类型", "种类", "doc_type", "type"), "doc_type"),
    **dict.fromkeys(("发文机关", "发文单位", "来文单位", "来文机关", "机关", "单位", "issuer"), "issuer"),
    **dict.fromkeys(("标题", "题名", "title"), "title"),
    **dict.fromkeys(("正文", "全文", "内容", "body", "text"), "body"),
    **dict.fromkeys(("文号", "发文字号", "来文字号", "doc_number"), "doc_number"),
    **dict.fromkeys(("收文号", "发文号", "登记号", "编号", "reg_no"), "reg_no"),
    **dict.fromkeys(("部门", "承办部门", "承办单位", "承办", "department"), "department"),
    **dict.fromkeys(("密级", "secrecy"), "secrecy"),
    **dict.fromkeys(("紧急程度", "缓急", "urgency"), "urgency"),
    **dict.fromkeys(("办理", "阅办", "办件类型", "route"), "route"),
    **dict.fromkeys(("收发", "方向", "收发文", "direction"), "direction"),
    **dict.fromkeys(("日期", "成文日期", "date"), "date"),
    **dict.fromkeys(("登记日期", "收文日期", "登记时间", "registered_at"), "registered_at"),
    **dict.fromkeys(("档号", "archive_code"), "archive_code"),
    **dict.fromkeys(("截止日期", "办理时限", "期限", "deadline"), "deadline"),
    **dict.fromkeys(("状态", "status"), "status"),
}
_EXAMPLES = {"doc_type": "通知", "issuer": "教务处", "title": "科研", "body": "经费", "doc_number": "东大教发〔2026〕31号",
             "reg_no": "收〔2026〕15号", "department": "教学办", "secrecy": "秘密", "urgency": "特急",
             "route": "办件", "direction": "收文", "date": "2026-01-01..2026-03-31",
             "registered_at": "2026-03", "archive_code": "0001-WS·2026-Y-BGS-0001", "deadline": "..2026-03-31",
             "status": "已作废"}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_CLOSERS = {"”", "」", "』"}


# --- syntax -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One element of the query as typed."""

    text: str
    field: str | None = None
    quoted: bool = False
    negated: bool = False


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    closers = {_QUOTES[text[start]], '"'}
    for end in range(start + 1, len(text)):
        if text[end] in closers:
            return text[start + 1:end], end + 1
    raise QueryError(f"引号不成对：{text[start:start + 20]}… 缺少结束的引号。请补上引号，或去掉多余的引号。")


# Boolean words as a search box elsewhere takes them: AND is what words already do, NOT is the
# leading minus; OR is refused with what to type instead, never read as words to find.
_AND, _NOT, _OR = "AND", "NOT", "OR"


def split_query(query: str) -> list[Part]:
    text = unicodedata.normalize("NFKC", query)
    parts: list[Part] = []
    i, n = 0, len(text)
    not_next = False
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        word, after = _read_word(text, i) if text[i] not in _QUOTES else ("", i)
        if word in (_AND, _NOT, _OR):
            if word == _OR:
                raise QueryError("不支持 OR：多个检索词默认同时满足。要找几种文种之一，直接写「通知 请示」；"
                                 "其他情况请分别检索。")
            not_next = not_next or word == _NOT
            i = after
            continue
        minus = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        negated, not_next = minus or not_next, False
        i += minus
        if text[i] in _QUOTES:
            value, i = _read_quoted(text, i)
            if value.strip():
                parts.append(Part(value, quoted=True, negated=negated))
            continue
        token, i = _read_word(text, i)
        name, colon, value = token.partition(":")
        fieldname = FIELD_ALIASES.get(name.strip().lower()) if colon else None
        if fieldname is None:
            parts.append(Part(token, negated=negated))
            continue
        value, quoted, i = _field_value(text, i, value)
        if not value.strip():
            raise QueryError(f"“{name}:”后面缺少要查找的内容，例如 {name}:{_EXAMPLES[fieldname]}")
        parts.append(Part(value.strip(), fieldname, quoted, negated))
    return parts


def _read_word(text: str, i: int) -> tuple[str, int]:
    """The unquoted word at ``i`` and where it ends; a closing quote inside it has no opener."""
    j = i
    while j < len(text) and not text[j].isspace() and text[j] not in _QUOTES:
        if text[j] in _CLOSERS:
            raise QueryError(f"引号不成对：“{text[i:j + 1]}”中的 {text[j]} 没有对应的开始引号。")
        j += 1
    return text[i:j], j


def _field_value(text: str, i: int, value: str) -> tuple[str, bool, int]:
    """(value, quoted, where it ends) of a ``字段:`` part whose word ends at ``i``: the text after
    the colon, else a quoted phrase right after it, else the next word."""
    n = len(text)
    if value:
        return value, False, i
    if i < n and text[i] in _QUOTES:
        value, i = _read_quoted(text, i)
        return value, True, i
    # 文种: 通知 (a space after the colon) still means 文种:通知.
    k = i
    while k < n and text[k].isspace():
        k += 1
    m = k
    while m < n and not text[m].isspace():
        m += 1
    following = text[k:m]
    if following and FIELD_ALIASES.get(following.partition(":")[0].lower()) is None \
            and following[0] not in _QUOTES:
        return following, False, m
    return value, False, i


# --- dates --------------------------------------------------------------------------------

_DAY = re.compile(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_YEAR = re.compile(r"(\d{4})\s*(?:年度?)?")
_RANGE = re.compile(r"\.\.|~|至|到|—")


def _bad_date(text: str) -> QueryError:
    return QueryError(f"无法识别的日期“{text}”：请写成 2026-03-31，或用 .. 表示范围，例如 日期:2026-01-01..2026-03-31")


def _one_date(text: str, today: date) -> tuple[date, date]:
    text = text.strip()
    try:
        if m := _DAY.fullmatch(text):
            y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
            day = date(int(y), int(mo), int(d))
            return day, day
        if m := _MONTH.fullmatch(text):
            return month_span(int(m[1]), int(m[2]))
        if m := _YEAR.fullmatch(text):
            return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    except ValueError:
        raise _bad_date(text) from None
    found = find_dates(normalize(text), today)
    if len(found) == 1 and found[0][0] == 0 and found[0][1] == len(text):
        return found[0][2]
    raise _bad_date(text)


def parse_date_value(value: str, today: date) -> tuple[date | None, date | None]:
    value = value.strip()
    if m := re.fullmatch(r"(>=|<=|>|<)\s*(.+)", value):
        first, last = _one_date(m[2], today)
        return {">=": (first, None), ">": (last, None), "<=": (None, last), "<": (None, first)}[m[1]]
    pieces = _RANGE.split(value, maxsplit=1)
    if len(pieces) == 2:
        start = _one_date(pieces[0], today)[0] if pieces[0].strip() else None
        end = _one_date(pieces[1], today)[1] if pieces[1].strip() else None
        if start is None and end is None:
            raise _bad_date(value)
        if start and end and start > end:
            raise QueryError(f"日期范围“{value}”的开始晚于结束。")
        return start, end
    return _one_date(value, today)


def as_date(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise QueryError(f"{name} 不是有效的日期：“{value}”，请写成 2026-03-31。") from None
