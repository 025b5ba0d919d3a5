"""How a clerk talks, turned into filters: 教务处的函, 去年12月的请示, 我们上报的报告, 特急 办件.

``understand_text`` takes one piece of bare query text (not quoted, not ``字段:值``) and
recognises, in this order: dates relative to ``today`` (去年, 上个月, 12月, 2026年3月; a date
followed by 登记/收到 is the registration date: 今天登记的, 上周收到的), a 发文字号's sequence
(31号文), issuers by any of their names (学校教务处, 教务处发的), 收文/发文 wording (我们上报 →
发文, 收到 → 收文), 待办 and 超期未办, then 文种, 办件/阅件, urgency and 密级 words. Whatever is
left is the text to search for. Quoting text in the query turns all of this off.

An issuer word stands for part of a 发文机关 (教务处, 科学技术厅) and matches every issuer that
contains it: the names are learned from the index, the office's own names come from settings,
and the caller may pass more aliases as data (the rules' known senders and short names; the
index does not read the rules itself). An abbreviation of a known name (科技厅 for 科学技术厅,
学工部 for 学生工作部) is recognised too.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import rjieba

from core.vocab import DOC_TYPE_ALIASES, DOC_TYPES, INCOMING, OUTGOING, ROUTES, SECRECY_LEVELS, URGENCY_WORDS
from index.analysis import HAN, normalize

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
# The last character of a body's name: a word ending otherwise is never taken for an abbreviation.
_ORGAN_END = frozenset("厅局处部委办院室会校所站司署心")
_ABBREVIATION_LENGTHS = range(6, 2, -1)  # longest first


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


def parent_body(name: str) -> str | None:
    """The university (or college) a unit belongs to: 东湖大学化学化工学院 → 东湖大学."""
    parent = _PARENT.match(name)
    return parent[1] if parent else None


def _is_abbreviation(short: str, full: str) -> bool:
    """学工部 for 学生工作部, 化学院 for 化学化工学院: same first and last character, in order."""
    if len(short) < 3 or short[0] != full[0] or short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


@dataclass(frozen=True)
class IssuerMatch:
    """An issuer word found in query text, and what part of a 发文机关 it stands for."""

    start: int
    end: int
    targets: frozenset[str]  # an issuer matches if its name contains one of these


@dataclass
class IssuerBook:
    """Every issuer the index knows, with the words clerks use for them.

    ``aliases`` is data from the caller: a word → the names (or parts of names) it stands for,
    e.g. the rules' known senders and short names (校党委 → 中共东湖大学委员会). ``university``
    is the office's parent body (学校教务处 is 东湖大学教务处); by default it is read from the
    office's first name."""

    issuers: Sequence[str]
    office_names: Sequence[str] = ()
    aliases: Mapping[str, Iterable[str]] = field(default_factory=dict)
    university: str | None = None

    def __post_init__(self):
        office = normalize(self.office_names[0]) if self.office_names else None
        if self.university is None and office:
            self.university = parent_body(office)
        self.university = normalize(self.university) if self.university else None
        self._names = sorted({normalize(n): n for n in self.issuers}.items())  # (normalised, as indexed)
        known = {normalized for normalized, _ in self._names} | ({office} if office else set())
        # word -> targets: an alias stands for itself (every issuer containing it) ...
        self.words: dict[str, set[str]] = {}
        for full in known:
            for alias in issuer_aliases(full):
                self.words.setdefault(alias, set()).add(alias)
        # ... the office's names for the office, and the caller's aliases for what they name.
        for name in self.office_names:
            for alias in issuer_aliases(normalize(name)):
                self.words.setdefault(alias, set()).add(office)
        for word, meant in self.aliases.items():
            targets = self.words.setdefault(normalize(word), {normalize(word)})
            targets.update(normalize(m) for m in ([meant] if isinstance(meant, str) else meant))
        # Parts of names an abbreviation may stand for, by their first and last character.
        self._parts: dict[tuple[str, str], set[str]] = {}
        for part in {*self.words, *(t for ts in self.words.values() for t in ts)}:
            if len(part) >= 4:
                self._parts.setdefault((part[0], part[-1]), set()).add(part)
        self._pattern = (re.compile("|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True)))
                         if self.words else None)

    # --- finding issuer words in text ---------------------------------------------------
    def find(self, text: str) -> list[IssuerMatch]:
        """Issuer words in ``text`` (normalised): known names and aliases, and abbreviations of
        them that start where a word starts (科技厅, 学工部)."""
        found = ([IssuerMatch(m.start(), m.end(), frozenset(self.words[m.group()]))
                  for m in self._pattern.finditer(text)] if self._pattern else [])
        taken = [(m.start, m.end) for m in found]
        starts = _word_starts(text)
        for end in range(3, len(text) + 1):
            if text[end - 1] not in _ORGAN_END:
                continue
            for length in _ABBREVIATION_LENGTHS:
                start = end - length
                if start < 0 or start not in starts or any(s < end and start < e for s, e in taken):
                    continue
                targets = self._expansions(text[start:end])
                if targets:
                    found.append(IssuerMatch(start, end, frozenset(targets)))
                    taken.append((start, end))
                    break
        return sorted(found, key=lambda m: m.start)

    def _expansions(self, short: str) -> set[str]:
        """The known names or parts ``short`` abbreviates; none if ``short`` is itself part of a
        name (研究院 is in 科学技术研究院: containment, not an abbreviation of 研究生院)."""
        if not re.fullmatch(rf"[{HAN}]+", short) or any(short in n for n, _ in self._names):
            return set()
        return {part for part in self._parts.get((short[0], short[-1]), ())
                if len(part) > len(short) and _is_abbreviation(short, part)}

    # --- from words to issuers ----------------------------------------------------------
    def names(self, targets: Iterable[str], *, within: str | None = None) -> list[str]:
        """The issuers (as indexed) whose name contains one of ``targets`` (and ``within``, the
        university of 学校教务处). None known: the targets themselves, which match nothing."""
        targets = {normalize(t) for t in targets}
        found = sorted(name for normalized, name in self._names
                       if any(t in normalized for t in targets) and (within is None or within in normalized))
        if found:
            return found
        if within:
            return sorted(t if t.startswith(within) else within + t for t in targets)
        return sorted(targets)

    def resolve(self, value: str) -> list[str]:
        """Issuers meant by a ``发文机关:`` value: a known word, part of a name, or an abbreviation
        (学工部); none if nothing known matches (the caller then matches the value as text)."""
        value = normalize(value)
        if value in self.words:
            return self.names(self.words[value])
        contained = sorted(name for normalized, name in self._names if value in normalized)
        if contained:
            return contained
        expansions = self._expansions(value)
        return self.names(expansions) if expansions else []


def _word_starts(text: str) -> set[int]:
    """Where rjieba's words begin, and every character that is not Han (cut-out text, digits)."""
    starts, position = {0, len(text)}, 0
    for token in rjieba.cut(text):
        starts.add(position)
        position += len(token)
    return starts


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
    date_range: tuple[date, date] | None = None        # 成文日期
    registered_range: tuple[date, date] | None = None  # 登记日期: 今天登记的, 上周收到的
    doc_number_seqs: list[int] = field(default_factory=list)  # 31号文
    pending: bool = False  # 待办: 办件, not void
    overdue: bool = False  # 超期未办: and the deadline is before today
    chunks: list[str] = field(default_factory=list)  # leftover text, each a contiguous run


_FOLLOWERS = ("的", "份", "里", "中", "内", "期间", "以来", "以后", "之后", "以前", "之前")
# After a date, the words that make it the registration date rather than the 成文日期.
_REGISTERED = re.compile(r"\s*(?:新|刚|刚刚|才)?(登记|收到|收文|来文|收的)")
# 31号文, 第31号文件 (not 3月31号: a day).
_SEQUENCE = re.compile(r"(?<![\d月年〕\])】])第?\s*(\d{1,6}|[零〇一二两三四五六七八九十]{1,3})\s*号文(?:件)?")
# 学校教务处, 本校的财务处: an issuer of the office's own university.
_SCHOOL = re.compile(r"(?:学校|本校|我校|全校)的?$|校$")
# 教务处发的, 教育厅下发的: the issuer issued it (not 发文 wording of ours).
_ISSUED = re.compile(r"(?:发来|下发|印发|发出|发布|转发|制发)的?|(?:发|来)的")
_OVERDUE = re.compile(r"(?:超期|逾期|过期)未(?:办结|办理|处理|完成|办)|已(?:超期|逾期)|超期的?")
_PENDING = re.compile(r"待办(?:理)?(?:事项|的)?|未办(?:结|理)?的?|未处理的?")


def _ends_a_phrase(rest: str, issuers: IssuerBook) -> bool:
    """A date is a filter when nothing but 的, a 文种/办件/urgency word or an issuer follows it
    (去年12月的请示, 2025年 纪要, 今年加急). Followed by other text it is part of a title:
    "2025年度教职工年度考核" was issued in 2026."""
    rest = rest.lstrip()
    if not rest or rest.startswith(_FOLLOWERS):
        return True
    words = (*DOC_TYPE_WORDS, *ROUTES, *_URGENCY_WORDS, *SECRECY_LEVELS, "涉密", "收到", "来文", "收文", "发文",
             "我们", "我院", "上报", "登记", "新登记", "刚", "待办", "超期")
    return rest.startswith(words) or _REGISTERED.match(rest) is not None \
        or any(m.start == 0 for m in issuers.find(rest))


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
    text = _take_sequence(text, result)
    text = _take_issuers(text, result, issuers)
    text = _take_direction(text, result)
    text = _take_pending(text, result)
    for piece in text.split("\x00"):
        _take_words(piece, result)
    return result


def _span(spans: list[tuple[date, date]]) -> tuple[date, date] | None:
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _take_dates(text: str, result: Understanding, issuers: IssuerBook, today: date) -> str:
    """Dates; one followed by 登记 or 收到 is when the record was registered (登记 is cut out
    with it, 收到 is left to say 收文)."""
    written, registered, cut = [], [], []
    for start, end, span in find_dates(text, today):
        if not _ends_a_phrase(text[end:], issuers):
            continue
        verb = _REGISTERED.match(text, end)
        (registered if verb else written).append(span)
        cut.append((start, verb.end() if verb and verb[1] == "登记" else end))
    result.date_range = _span(written)
    result.registered_range = _span(registered)
    return _cut_out(text, cut)


def _take_sequence(text: str, result: Understanding) -> str:
    """31号文: a 发文字号 whose sequence is 31, whatever its 代字 and year."""
    cut = []
    for match in _SEQUENCE.finditer(text):
        try:
            _add(result.doc_number_seqs, [cn_number(match[1])])
        except KeyError:  # 一百号文: not a number cn_number reads, leave it as text
            continue
        cut.append(match.span())
    return _cut_out(text, cut)


def _take_issuers(text: str, result: Understanding, issuers: IssuerBook) -> str:
    """Issuer words, with 学校 before them (the office's university) and 发的 after them."""
    cut = []
    for match in issuers.find(text):
        start, end, within = match.start, match.end, None
        school = _SCHOOL.search(text, 0, start)
        if school and issuers.university:
            start, within = school.start(), issuers.university
        issued = _ISSUED.match(text, end)
        if issued:
            end = issued.end()
        _add(result.issuers, issuers.names(match.targets, within=within))
        cut.append((start, end))
    return _cut_out(text, cut)


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


def _take_pending(text: str, result: Understanding) -> str:
    """待办 (办件 not void) and 超期未办 (and past their deadline)."""
    overdue = [m.span() for m in _OVERDUE.finditer(text)]
    text = _cut_out(text, overdue)
    pending = [m.span() for m in _PENDING.finditer(text)]
    result.overdue = bool(overdue)
    result.pending = bool(overdue or pending)
    return _cut_out(text, pending)


def _take_words(piece: str, result: Understanding) -> None:
    """Filter words and filler are taken out of ``piece``; each run of other words between them
    is one chunk of text to search for."""
    tokens = _split_kind([t for t in rjieba.cut(piece) if t.strip()])
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


_KIND_ENDING = re.compile(rf"^([{HAN}]{{2,}}?)({'|'.join(w for w in DOC_TYPE_WORDS if len(w) >= 2)})$")


def _split_kind(tokens: list[str]) -> list[str]:
    """rjieba keeps 考试通知 one word: its 文种 ending is split off, to be read as one."""
    if tokens and tokens[-1] not in DOC_TYPE_WORDS and (m := _KIND_ENDING.match(tokens[-1])):
        return [*tokens[:-1], m[1], m[2]]
    return tokens


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
    elif token in DOC_TYPE_WORDS and _names_the_kind(tokens, i):
        _add(result.doc_types, [DOC_TYPE_WORDS[token]])
    else:
        return False
    return True


def _names_the_kind(tokens: list[str], i: int) -> bool:
    """A 文种 word names the kind of document only where clerks put it: on its own (教务处函,
    2025年 纪要), after 的 (教务处的函), or a word of two characters or more ending the phrase
    after what the document is about (考试通知, 放假通知). In 请示报告制度, 请示报告 or 鄂教高函 it
    is text."""
    if len(tokens) == 1 or (i > 0 and tokens[i - 1] == "的"):
        return True
    return (i == len(tokens) - 1 and i > 0 and len(tokens[i]) >= 2 and tokens[i - 1] not in DOC_TYPE_WORDS
            and re.search(rf"[{HAN}]{{2}}$", tokens[i - 1]) is not None)


def _is_filler(token: str, chunk: list[str]) -> bool:
    """Filler words and punctuation; a single filler character only where a phrase starts."""
    return (token in _FILLER_WORDS or not re.search(r"[^\W_]", token)
            or (token in _LEADING_FILLER and not chunk))
