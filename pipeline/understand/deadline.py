"""办理时限: the earliest date by which the college must act.

Forms: 「请于2026年12月10日前」, 「11月底前」 (the month's last day), 「年底前」, 「12月10日（星期四）前」 (no year: the 成文日期's, rolled into the
next year if it would fall before it), 「本月28日前」, 「下月5日前」, 「下周五前」,
「截止时间：2027年3月15日」, 「12月25日（星期五）下班前」, and a meeting the college is asked
to attend (「定于12月15日下午召开…请…准时参加」): its day. A date followed by 前 counts only when an
action surrounds it (rules [deadline] before/after), so 「12月31日前到期的项目」 or
「预计12月20日前全部完成」 are not deadlines. Without any date, 特急/特提/加急 give the
成文日期 (or the registration day) plus rules [deadline] urgency_days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.understand import dates
from pipeline.understand.rules import Rules

_WEEKDAYS = "一二三四五六日"
_WHEN = (rf"(?:(?P<y>(?:19|20)\d{{2}})\s*年\s*)?(?P<m>{dates.MONTH})\s*月\s*(?P<d>{dates.DAY})\s*[日号]"
         rf"|(?P<cn>{re.sub(r'[(][?]P<[a-z]+>', '(?:', dates.CN.pattern)})"
         rf"|(?P<rel>本|下)月\s*(?P<rd>{dates.DAY})\s*[日号]"
         rf"|(?P<wk>本|下)周\s*(?P<wd>[一二三四五六日天])")
MONTH_END = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?:(?P<m>1[0-2]|0?[1-9])\s*月|(?P<this>本)月|(?P<year_end>年))"
                       r"\s*(?:底|末)\s*(?:前|之前|以前)")
_WEEKDAY = r"(?:\s*[（(〈<]\s*(?:星期|周)(?P<bw>[一二三四五六日天])\s*[)）〉>])?"
_TIME = r"(?:\s*(?:上午|下午|中午|晚上)?\s*\d{1,2}\s*(?:[:：]\s*\d{2}|时|点)(?:\s*\d{1,2}\s*分)?)?"
BEFORE = re.compile(rf"(?<![\d年])(?:{_WHEN}){_WEEKDAY}{_TIME}\s*(?:下班)?\s*(?:前|之前|以前)")
CUTOFF = re.compile(rf"截\s*止\s*(?:时间|日期)?\s*(?:为|是|[:：])\s*(?:{_WHEN}){_WEEKDAY}")
CUTOFF_AFTER = re.compile(rf"(?<![\d年])(?:{_WHEN}){_WEEKDAY}{_TIME}\s*截止")


MEETING = re.compile(rf"定于\s*(?:{_WHEN})")


@dataclass(frozen=True)
class Deadline:
    value: date
    text: str
    weekday_mismatch: str | None = None


def _resolve(m: re.Match, base: date | None, roll: bool) -> date | None:
    if m.group("cn"):
        return dates.from_match(dates.CN.match(m.group("cn")))
    if m.group("m"):
        month, day = int(m.group("m")), int(m.group("d"))
        if m.group("y"):
            return dates.make(int(m.group("y")), month, day)
        if base is None:
            return None
        return dates.roll_forward(month, day, base) if roll else dates.nearest(month, day, base)
    if base is None:
        return None
    if m.group("rel"):
        year, month = base.year, base.month
        if m.group("rel") == "下":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dates.make(year, month, int(m.group("rd")))
    if m.group("wk"):
        weekday = _WEEKDAYS.index(m.group("wd").replace("天", "日"))
        monday = base - timedelta(days=base.weekday())
        if m.group("wk") == "下":
            monday += timedelta(days=7)
        return monday + timedelta(days=weekday)
    return None


def _month_end(m: re.Match, base: date | None, roll: bool) -> date | None:
    if m.group("year_end"):
        year = int(m.group("y")) if m.group("y") else (base.year if base else None)
        return date(year, 12, 31) if year else None
    if m.group("this"):
        if base is None:
            return None
        year, month = base.year, base.month
    else:
        month = int(m.group("m"))
        if m.group("y"):
            year = int(m.group("y"))
        elif base is None:
            return None
        else:
            year = base.year + (1 if month < base.month else 0) if roll else dates.nearest(month, 1, base).year
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def _clause(text: str, start: int, end: int) -> str:
    left = max((text.rfind(c, max(0, start - 40), start) for c in "\n。；;，,：:）"), default=-1)
    stops = [i for i in (text.find(c, end, end + 60) for c in "\n。；;") if i != -1]
    right = min(stops) if stops else min(len(text), end + 30)
    return _LIST_MARK.sub("", text[left + 1: right].strip())


_LIST_MARK = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\s*[.、．])\s*")


def _acted_on(body: str, m: re.Match, rules: Rules) -> bool:
    """A date followed by 前 is a deadline only with an action around it (rules [deadline])."""
    before, after = body[max(0, m.start() - 8): m.start()], body[m.end(): m.end() + 14]
    if rules.deadline_not_before_re.search(before) or rules.deadline_not_after_re.match(after):
        return False
    return bool(rules.deadline_before_re.search(before) or rules.deadline_after_re.search(after[:10]))


def _weekday_mismatch(m: re.Match, value: date) -> str | None:
    if m.group("bw") and _WEEKDAYS[value.weekday()] != m.group("bw").replace("天", "日"):
        return f"期限「{m.group(0)}」日期与星期不符（{value.isoformat()} 为星期{_WEEKDAYS[value.weekday()]}）"
    return None


def _dated(body: str, base: date | None, roll: bool, rules: Rules):
    """(date, clause, weekday mismatch) of each 「…前」, 「截止…」 and 「定于…」 deadline."""
    for pattern, needs_action in ((BEFORE, True), (CUTOFF, False), (CUTOFF_AFTER, False)):
        for m in pattern.finditer(body):
            if not needs_action or _acted_on(body, m, rules):
                value = _resolve(m, base, roll)
                yield value, _clause(body, m.start(), m.end()), value and _weekday_mismatch(m, value)
    for m in MONTH_END.finditer(body):
        if _acted_on(body, m, rules):
            yield _month_end(m, base, roll), _clause(body, m.start(), m.end()), None
    if rules.attendance_re.search(body):
        for m in MEETING.finditer(body):
            following = body[m.end(): m.end() + 60].split("。")[0]
            if rules.meeting_verb_re.search(following):
                yield _resolve(m, base, roll), _clause(body, m.start(), m.end() + len(following)), None


def find(body: str, base: date | None, rules: Rules, *, roll: bool = True) -> list[Deadline]:
    """Every deadline in ``body`` (flat text), earliest first.

    ``base`` gives a date printed without its year its year. With ``roll`` it is the document's
    own date: a deadline is the first such day on or after it, and a date before it is no
    deadline. Without, ``base`` is the day of receipt: the receipt's year (``dates.nearest``),
    and a deadline already past is kept, never moved a year on."""
    found = []
    for value, text, mismatch in _dated(body, base, roll, rules):
        if value is not None and not (roll and base is not None and value < base):
            found.append(Deadline(value, text, mismatch))
    return sorted(found, key=lambda d: d.value)


def from_urgency(urgency: str | None, base: date | None, rules: Rules) -> Deadline | None:
    if urgency is None or urgency not in rules.urgency_days or base is None:
        return None
    days = rules.urgency_days[urgency]
    text = f"「{urgency}」随到随办，当日办理" if days == 0 else f"「{urgency}」{days}日内办理"
    return Deadline(base + timedelta(days=days), text)
