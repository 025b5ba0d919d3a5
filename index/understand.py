"""How a clerk talks, turned into filters: 教务处的函, 去年12月的请示, 我们上报的报告, 特急 办件.

``understand_text`` takes one piece of bare query text (not quoted, not ``字段:值``) and
recognises, in this order: dates relative to ``today`` (去年, 上个月, 12月, 2026年3月),
收文/发文 wording (我们上报 → 发文, 收到 → 收文), issuers by any of their names (learned from the
index plus the office's own names from settings), then 文种, 办件/阅件, urgency and 密级 words.
Whatever is left is the text to search for. Quoting text in the query turns all of this off.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import rjieba

from core.vocab import DOC_TYPE_ALIASES, DOC_TYPES, INCOMING, OUTGOING, ROUTES, SECRECY_LEVELS, URGENCY_WORDS
from index.analysis import normalize

# Every word that names a 文种, to its register value.
DOC_TYPE_WORDS = {**{t: t for t in DOC_TYPES}, **DOC_TYPE_ALIASES}
# 紧急 asks for every urgency word, 急件 included (as it always has).
_URGENCY_WORDS = {**{u: [u] for u in URGENCY_WORDS}, "紧急": list(URGENCY_WORDS)}
# Filler a clerk types around what they want. Multi-character fillers and 的/了 separate text;
# single characters are dropped only where a phrase starts (帮我找…, 查…), because elsewhere
# they are often the end of a word jieba does not know (碳中和 is cut 碳中/和).
_FILLER_WORDS = frozenset(
    "关于 有关 相关 那个 这个 那份 这份 一个 一份 那些 这些 所有 全部 找找 查查 查找 查询 搜索 看看 一下 "
    "帮我 帮忙 我要 我想 想要 文件 公文 发来 发来的 下发 下发的 的 了".split())
_LEADING_FILLER = frozenset("找 查 搜 看 请 帮 我 要 想 给 和 与 及 或 跟 那 这 把 有 在 是 个 份 篇".split())
_RECEIVE = re.compile(r"上级来文|来文|来函|收到的?|收文")
_WE = r"(?:我们学院|我们|我院|本院|咱们|我方)"
# 发 alone is too common (东大教发, 发展) and 报送/印发 are everyday body words, so they count
# only after 我们/我院.
_SEND = re.compile(rf"{_WE}(?:上报|呈报|报出|发出|发文|报送|印发|发)?的?|(?:上报|呈报|报出|发出)的?|发文")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十]{1,3})"


def cn_number(text: str) -> int:
    """12 or 十二 -> 12 (small numbers only, as in months and 近三个月)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


# --- dates --------------------------------------------------------------------------------

def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


_RELATIVE_YEAR = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_PART_OF_YEAR = r"(上半年|下半年|第?[一二三四1-4]季度|年初|年底|年末|全年|年度)?"


def _year_part(year: int, part: str | None) -> tuple[date, date]:
    if part in (None, "", "全年", "年度"):
        return date(year, 1, 1), date(year, 12, 31)
    if part == "上半年":
        return date(year, 1, 1), date(year, 6, 30)
    if part == "下半年":
        return date(year, 7, 1), date(year, 12, 31)
    if part == "年初":
        return date(year, 1, 1), date(year, 3, 31)
    if part in ("年底", "年末"):
        return date(year, 10, 1), date(year, 12, 31)
    quarter = cn_number(part.strip("第季度"))
    return month_span(year, quarter * 3 - 2)[0], month_span(year, quarter * 3)[1]


def _recent(month: int, day: int, today: date) -> int:
    """The year of the latest month/day that is not after today (12月 in March = last December)."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _span_ending_today(amount: int, unit: str, today: date) -> tuple[date, date]:
    if unit in ("天", "日"):
        return today - timedelta(days=amount - 1), today
    if unit in ("周", "星期", "个星期"):
        return today - timedelta(weeks=amount) + timedelta(days=1), today
    if unit in ("月", "个月"):
        year, month = _shift_month(today, -amount)
        last = calendar.monthrange(year, month)[1]
        return date(year, month, min(today.day, last)) + timedelta(days=1), today
    return date(today.year - amount, today.month, min(today.day, 28)) + timedelta(days=1), today


_DATE_RULES: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*[日号]?"),
     lambda m, t: (date(int(m[1]), int(m[2]), int(m[3])),) * 2),
    (re.compile(rf"(\d{{4}})\s*年\s*({_NUM})\s*月份?"),
     lambda m, t: month_span(int(m[1]), cn_number(m[2]))),
    (re.compile(rf"(今年|本年|去年|上年|前年|明年)\s*({_NUM})\s*月份?"),
     lambda m, t: month_span(t.year + _RELATIVE_YEAR[m[1]], cn_number(m[2]))),
    (re.compile(rf"(\d{{4}})\s*年{_PART_OF_YEAR}"),
     lambda m, t: _year_part(int(m[1]), m[2])),
    (re.compile(rf"(今年|本年|去年|上年|前年|明年){_PART_OF_YEAR}"),
     lambda m, t: _year_part(t.year + _RELATIVE_YEAR[m[1]], m[2])),
    (re.compile(r"(上半年|下半年)"), lambda m, t: _year_part(t.year, m[1])),
    (re.compile(r"上上个?月"), lambda m, t: month_span(*_shift_month(t, -2))),
    (re.compile(r"上个?月"), lambda m, t: month_span(*_shift_month(t, -1))),
    (re.compile(r"本月|这个月|当月"), lambda m, t: month_span(t.year, t.month)),
    (re.compile(r"下个?月"), lambda m, t: month_span(*_shift_month(t, 1))),
    (re.compile(rf"(?:最近|近)\s*({_NUM})\s*(天|日|周|个?星期|个?月|年)"),
     lambda m, t: _span_ending_today(cn_number(m[1]), m[2], t)),
    (re.compile(r"(?:最近|近)(一周|一个月|一年)"),
     lambda m, t: _span_ending_today(1, {"一周": "周", "一个月": "月", "一年": "年"}[m[1]], t)),
    (re.compile(r"今天|今日"), lambda m, t: (t, t)),
    (re.compile(r"昨天|昨日"), lambda m, t: (t - timedelta(days=1),) * 2),
    (re.compile(r"前天"), lambda m, t: (t - timedelta(days=2),) * 2),
    (re.compile(r"本周|这周|这个星期|本星期"),
     lambda m, t: (t - timedelta(days=t.weekday()), t - timedelta(days=t.weekday()) + timedelta(days=6))),
    (re.compile(r"上周|上个星期|上星期"),
     lambda m, t: (t - timedelta(days=t.weekday() + 7), t - timedelta(days=t.weekday() + 1))),
    (re.compile(rf"({_NUM})\s*月份?(?!\s*[日号])"),
     lambda m, t: month_span(_recent(cn_number(m[1]), 1, t), cn_number(m[1]))),
]


def find_dates(text: str, today: date) -> list[tuple[int, int, tuple[date, date]]]:
    """Date expressions in ``text``: (start, end, (first day, last day))."""
    found: list[tuple[int, int, tuple[date, date]]] = []
    for pattern, to_range in _DATE_RULES:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in found):
                continue
            try:
                span = to_range(match, today)
            except (ValueError, KeyError):
                continue  # 2026年13月, 三十五月: not a date after all, leave it as text
            found.append((match.start(), match.end(), span))
    return sorted(found)


# --- issuers ------------------------------------------------------------------------------

_PARENT = re.compile(r"^(.{2,12}?(?:大学|学院|学校))(.{2,})$")
_GOVERNMENT = re.compile(r"^(.{2,4}?)(省|市|自治区)(.{2,})$")


def issuer_aliases(name: str) -> set[str]:
    """Names a clerk uses for an issuer: 东湖大学教务处 → 教务处; 湖北省教育厅 → 省教育厅, 教育厅."""
    aliases = {name}
    parent = _PARENT.match(name)
    if parent and len(parent[2]) >= 3:
        aliases.add(parent[2])
    government = _GOVERNMENT.match(name)
    if government:
        aliases.add(government[2] + government[3])
        if len(government[3]) >= 3:
            aliases.add(government[3])
    return aliases


def _is_abbreviation(short: str, full: str) -> bool:
    """学工部 for 学生工作部, 化学院 for 化学化工学院: same first and last character, in order."""
    if len(short) < 3 or short[0] != full[0] or short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


@dataclass
class IssuerBook:
    """Every issuer the index knows, with the names clerks use for them."""

    issuers: Sequence[str]
    office_names: Sequence[str] = ()
    aliases: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self):
        office = self.office_names[0] if self.office_names else None
        known = set(self.issuers) | ({office} if office else set())
        for full in known:
            for alias in issuer_aliases(full):
                self.aliases.setdefault(normalize(alias), set()).add(full)
        for name in self.office_names:
            self.aliases.setdefault(normalize(name), set()).add(office)
            for alias in issuer_aliases(name):
                self.aliases.setdefault(normalize(alias), set()).add(office)
        self._pattern = (re.compile("|".join(re.escape(a) for a in sorted(self.aliases, key=len, reverse=True)))
                         if self.aliases else None)

    def find(self, text: str) -> list[tuple[int, int, set[str]]]:
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self.aliases[m.group()]) for m in self._pattern.finditer(text)]

    def resolve(self, value: str) -> list[str]:
        """Issuers meant by a ``发文机关:`` value: a known name, part of one, or an abbreviation."""
        value = normalize(value)
        if value in self.aliases:
            return sorted(self.aliases[value])
        every = set(self.issuers) | {name for names in self.aliases.values() for name in names}
        found = sorted(name for name in every if value in normalize(name))
        if found:
            return found
        return sorted(name for name in every
                      if any(_is_abbreviation(value, normalize(alias)) for alias in issuer_aliases(name)))


# --- the whole thing ----------------------------------------------------------------------

@dataclass
class Understanding:
    doc_types: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    urgencies: list[str] = field(default_factory=list)
    secrecy: list[str] = field(default_factory=list)
    secret: bool = False
    date_range: tuple[date, date] | None = None
    chunks: list[str] = field(default_factory=list)  # leftover text, each a contiguous run


_FOLLOWERS = ("的", "份", "里", "中", "内", "期间", "以来", "以后", "之后", "以前", "之前")


def _ends_a_phrase(rest: str, issuers: IssuerBook) -> bool:
    """A date is a filter when nothing but 的, a 文种/办件/urgency word or an issuer follows it
    (去年12月的请示, 2025年 纪要, 今年加急). Followed by other text it is part of a title:
    "2025年度教职工年度考核" was issued in 2026."""
    rest = rest.lstrip()
    if not rest or rest.startswith(_FOLLOWERS):
        return True
    words = (*DOC_TYPE_WORDS, *ROUTES, *_URGENCY_WORDS, *SECRECY_LEVELS, "涉密", "收到", "来文", "收文", "发文",
             "我们", "我院", "上报")
    return rest.startswith(words) or any(start == 0 for start, _, _ in issuers.find(rest))


def _add(values: list[str], new: Iterable[str]) -> None:
    for value in new:
        if value not in values:
            values.append(value)


def _cut_out(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = "\x00"
    return "".join(chars)


def understand_text(text: str, *, issuers: IssuerBook, today: date) -> Understanding:
    """Filters recognised in a piece of bare query text, and the text left to search for. Each
    step cuts out what it recognised, so a later step never reads it again."""
    result = Understanding()
    text = normalize(text)
    text = _take_dates(text, result, issuers, today)
    text = _take_direction(text, result)
    text = _take_issuers(text, result, issuers)
    for piece in text.split("\x00"):
        _take_words(piece, result)
    return result


def _take_dates(text: str, result: Understanding, issuers: IssuerBook, today: date) -> str:
    dates = [(start, end, span) for start, end, span in find_dates(text, today)
             if _ends_a_phrase(text[end:], issuers)]
    if dates:
        result.date_range = (min(s[0] for _, _, s in dates), max(s[1] for _, _, s in dates))
    return _cut_out(text, ((start, end) for start, end, _ in dates))


def _take_direction(text: str, result: Understanding) -> str:
    """收文 or 发文 wording; receiving wins when both are there (我们收到的来文)."""
    received = [m.span() for m in _RECEIVE.finditer(text)]
    if "来函" in text:
        _add(result.doc_types, [DOC_TYPE_WORDS["来函"]])
    text = _cut_out(text, received)
    sent = [m.span() for m in _SEND.finditer(text)]
    text = _cut_out(text, sent)
    if received:
        result.directions = [INCOMING]
    elif sent:
        result.directions = [OUTGOING]
    return text


def _take_issuers(text: str, result: Understanding, issuers: IssuerBook) -> str:
    found = issuers.find(text)
    for _, _, names in found:
        _add(result.issuers, sorted(names))
    return _cut_out(text, ((s, e) for s, e, _ in found))


def _take_words(piece: str, result: Understanding) -> None:
    """Filter words and filler are taken out of ``piece``; each run of other words between them
    is one chunk of text to search for."""
    tokens = [t for t in rjieba.cut(piece) if t.strip()]
    chunk: list[str] = []
    for i, token in enumerate(tokens):
        if _take_filter_word(tokens, i, result) or _is_filler(token, chunk):
            if chunk:
                result.chunks.append("".join(chunk))
                chunk = []
        else:
            chunk.append(token)
    if chunk:
        result.chunks.append("".join(chunk))


def _take_filter_word(tokens: list[str], i: int, result: Understanding) -> bool:
    """Whether ``tokens[i]`` names a route, urgency, 密级 or 文种 (added to ``result`` if so)."""
    token = tokens[i]
    if token in ROUTES:
        _add(result.routes, [token])
    elif token in _URGENCY_WORDS:
        _add(result.urgencies, _URGENCY_WORDS[token])
    elif token in SECRECY_LEVELS:
        _add(result.secrecy, [token])
    elif token == "涉密":
        result.secret = True
    elif token in DOC_TYPE_WORDS and (len(tokens) == 1 or (i > 0 and tokens[i - 1] == "的")):
        # A 文种 word names the kind of document only where clerks put it: on its own
        # (教务处函, 2025年 纪要) or after 的 (教务处的函). In 请示报告制度 or 鄂教高函 it is text.
        _add(result.doc_types, [DOC_TYPE_WORDS[token]])
    else:
        return False
    return True


def _is_filler(token: str, chunk: list[str]) -> bool:
    """Filler words and punctuation; a single filler character only where a phrase starts."""
    return (token in _FILLER_WORDS or not re.search(r"[^\W_]", token)
            or (token in _LEADING_FILLER and not chunk))
