"""A text that is no 公文 (文种 其他): a sign-in sheet, an invoice or a sales list, a press release,
an agenda, a 简报. It has no 版头 or signature block, but the page usually says what it is, who
is behind it and on what day; each is read on its own, so one that is missing or unreadable
takes nothing else with it.

- title: the first heading-like line among the first four (short, mostly Chinese, not a
  「名称：值」 field, not a table row), after a unit's name printed alone above it, with the
  shorter line it runs on into when the page wrapped it;
- issuer: a field that names the unit (来源, 主办单位, 发布单位, 销售方/销货单位 …, or 名称 under
  销售方信息), else the seller printed alone above a sales heading (「销售清单」, 「发票」), else the unit of a dateline (「化学化工学院办公室编    2026年12月28日」), else a
  known body (ours or a listed sender) the title starts with;
- date: a date field (日期, 时间, 开票日期, 发布时间 …), else a dateline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.understand import dates
from pipeline.understand.head import cjk_ratio
from pipeline.understand.rules import Rules
from pipeline.understand.senders import known_names, plausible

TITLE_MAX = 60
# a field's value ends at two spaces, punctuation, the line's end or the next field glued to it
# (「来源：化学化工学院发布时间：2026年10月13日」)
_NEXT_FIELD = r"(?:发布时间|发布日期|日期|时间|作者|编辑|供稿|审核|浏览|点击)\s*[:：]"
_VALUE = rf"\s*[:：]\s*(?P<value>\S(?:.*?\S)?)(?=\s{{2,}}|\s*$|[，,；;）)]|{_NEXT_FIELD})"
ISSUER_FIELD = re.compile(r"(?:来\s*源|主办单位|主办方|主\s*办|发布单位|组织单位|编印单位|销售方名称|销售方|销售单位|"
                          r"销货单位|供货单位|卖\s*方)" + _VALUE)
SELLER_BLOCK = re.compile(r"^(?:销售方|销货方|卖方)(?:信息)?\s*$")
NAME_FIELD = re.compile(r"^名\s*称" + _VALUE)
DATE_FIELD = re.compile(r"(?:开票日期|发布时间|发布日期|销售日期|填表日期|制表日期|签到时间|会议时间|日\s*期|时\s*间)"
                        r"\s*[:：]\s*(?P<value>.+)$")
# the heading of a sales list or an invoice: the unit printed alone above it is the seller
SALES_HEADING = re.compile(r"(?:销售|送货|发货|出库|供货)(?:清单|单)|发票|收据|报价单|结算单")
_FIELD = re.compile(r"^[^：:]{1,8}[：:]")
_COLUMNS = re.compile(r"\S\s{2,}\S")          # a table row, cells apart: 「序号  品名  数量」
_DATELINE_UNIT = re.compile(r"^(?P<unit>[^\d，。：:；;、]{2,40}?)\s*(?:编印|编|主办|印发|制)?\s*$")
EDGE_LINES = 4   # a dateline is among the first or the last lines


@dataclass(frozen=True)
class Other:
    title: str | None = None
    issuer: str | None = None
    date: date | None = None


def read_other(lines: tuple[str, ...], rules: Rules) -> Other:
    title, seller = _title(lines)
    return Other(title=title, issuer=_issuer(lines, title, rules, seller), date=_date(lines))


def _heading_like(line: str) -> bool:
    return (len(line) <= TITLE_MAX and not _FIELD.match(line) and not _COLUMNS.search(line)
            and cjk_ratio(line) >= 0.5)


def _title(lines: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(title, seller): the first heading-like line; a unit's name alone over a heading
    (「某某科技有限公司」 over 「2026年秋季学期签到表」) is joined to it, except over a sales
    heading (「销售清单」, 「增值税普通发票」), whose unit is the seller and not the title's."""
    for i, line in enumerate(lines[:EDGE_LINES]):
        if _heading_like(line):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if plausible(line) and _heading_like(following) and not dates.find_dates(following):
                return (following, line) if SALES_HEADING.search(following) else (line + following, None)
            if _wrapped(line, following):
                return line + following, None
            return line, None
    return None, None


# a heading this long that runs on into a shorter line was wrapped by the page, not ended
WRAPPED_FROM = 18


def _wrapped(line: str, following: str) -> bool:
    """「东湖大学化学化工学院举办2026年研究生学术交」 over 「流月开幕式」: one heading over two lines."""
    return (len(line) >= WRAPPED_FROM and len(following) < len(line) and _heading_like(following)
            and not re.search(r"[，。；;,]", following) and not dates.find_dates(following))


def _datelines(lines: tuple[str, ...]):
    """(unit or None, date) of each line that is a date alone or a unit and a date."""
    edge = (*lines[:EDGE_LINES], *lines[max(EDGE_LINES, len(lines) - EDGE_LINES):])
    for line in edge:
        found = dates.find_dates(line)
        if not found or line[found[-1][1]:].strip():
            continue
        prefix = line[: found[-1][0]].strip()
        unit = _DATELINE_UNIT.match(prefix)
        if not prefix or (unit and cjk_ratio(prefix) >= 0.7):
            yield (unit.group("unit") if unit else None), found[-1][2]


def _field_issuer(lines: tuple[str, ...]) -> str | None:
    for i, line in enumerate(lines):
        if m := ISSUER_FIELD.search(line):
            return m.group("value")
        if SELLER_BLOCK.match(line) and i + 1 < len(lines) and (m := NAME_FIELD.match(lines[i + 1])):
            return m.group("value")
    return None


def _title_issuer(title: str | None, rules: Rules) -> str | None:
    """A known body (ours or a listed sender) the title starts with, the longest."""
    names = sorted(known_names(rules), key=len, reverse=True)
    return next((name for name in names if title and title.startswith(name) and len(title) > len(name)), None)


def _issuer(lines: tuple[str, ...], title: str | None, rules: Rules, seller: str | None = None) -> str | None:
    found = _field_issuer(lines) or seller
    if found is None:
        found = next((unit for unit, _ in _datelines(lines) if unit and plausible(unit)), None)
    return found or _title_issuer(title, rules)


def _date(lines: tuple[str, ...]) -> date | None:
    for line in lines:
        if (m := DATE_FIELD.search(line)) and (value := dates.first_date(m.group("value"))):
            return value
    return next((value for _, value in _datelines(lines)), None)
