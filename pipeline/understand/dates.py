"""Dates in 公文: Arabic (2026年3月5日), Chinese numerals (二〇二六年三月五日), month-day only,
and, for the signature block only, the shapes tesseract turns 年/月/日 into."""

from __future__ import annotations

import re
from datetime import date

# 〇 as printed and as OCR reads it: ○, ◯, 零, O, o, 0, 口, Q
_ZEROS = "〇○◯零Oo0Ｏ口Q"
_CN = {**dict.fromkeys(_ZEROS, 0), "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# a year OCR lost its 〇 from (二二六) is read only when one 〇 put back gives one year in this range
PLAUSIBLE_YEARS = range(1949, 2100)

DAY = r"3[01]|[12]\d|0?[1-9]"
MONTH = r"1[0-2]|0?[1-9]"
AR = re.compile(rf"(?P<y>(?:19|20)\d{{2}})\s*年\s*(?P<m>{MONTH})\s*月\s*(?P<d>{DAY})\s*[日号]")
CN = re.compile(rf"(?P<y>[{_ZEROS}一二三四五六七八九]{{3,4}})\s*年\s*(?P<m>十[一二]?|[一二三四五六七八九])\s*月\s*"
                r"(?P<d>三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])\s*日")
# tesseract (chi_sim+eng) on a short right-aligned line: 年 -> 4/47/4F, 月 -> A/7/H, 日 -> H/B/0
OCR = re.compile(rf"(?P<y>20\d{{2}})\s*[人]?\s*(?:年|4F|47|4|F)\s*(?P<m>{MONTH})\s*(?:月|A|7|H|F)?\s*"
                 rf"(?P<d>{DAY})\s*(?:日|H|B|目|0)")
_OCR_ONE = re.compile(r"(?<=\d)[\]|lI](?=\s*[\d月])|(?<=[年\s])[\]|lI](?=\d)")
# the 日 ending a line lost under a seal: 「2026年3月9阳」, 「二〇二六年三月九阳」 (same length)
_LOST_DAY = re.compile(rf"(?P<keep>月\s*(?:{DAY}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*)"
                       r"[^\d\s日号一二三四五六七八九十前后起止至]$")
_OCR_ZERO = re.compile(r"(?<=\d)[Oo](?=\d)|(?<=\d\d)[Oo](?=\s*年)")     # 2O26年
# what OCR reads for a Chinese numeral of a year: 上, 工, 土 for 二 or 三; 一 as a dash (a lost 一
# or 〇 is put back by ``misread_years``)
MISREAD = {"上": "二三", "工": "二三", "土": "二三", "士": "二三", "—": "一", "－": "一", "-": "一"}
CN_MISREAD = re.compile(rf"(?P<y>[{_ZEROS}一二三四五六七八九{''.join(MISREAD)}]{{3,4}})\s*年\s*"
                        r"(?P<m>十[一二]?|[一二三四五六七八九])\s*月\s*"
                        r"(?P<d>三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])\s*日")
# ISO-like dates of web pages and forms: 2026-11-18, 2026/11/18, 2026.11.18
NUMERIC = re.compile(rf"(?<!\d)(?P<y>(?:19|20)\d{{2}})\s*(?P<sep>[-/.])\s*(?P<m>{MONTH})\s*(?P=sep)\s*(?P<d>{DAY})(?!\d)")


def cn_number(text: str) -> int:
    """十二 -> 12, 二十三 -> 23, 三十 -> 30, 五 -> 5."""
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN[tens] if tens else 1) * 10 + (_CN[units] if units else 0)
    return _CN[text]


def make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def cn_year(text: str) -> int | None:
    """二〇二六 -> 2026; 二二六 (OCR lost the 〇) -> 2026 when one 〇 put back anywhere gives
    exactly one year in PLAUSIBLE_YEARS."""
    if len(text) == 4:
        return int("".join(str(_CN[c]) for c in text))
    digits = "".join(str(_CN[c]) for c in text)
    years = {int(digits[:i] + "0" + digits[i:]) for i in range(len(digits) + 1)} & set(PLAUSIBLE_YEARS)
    return years.pop() if len(years) == 1 else None


def from_match(m: re.Match) -> date | None:
    y = m.group("y")
    if y[0] in _CN and not y.isdigit():
        year = cn_year(y)
        return make(year, cn_number(m.group("m")), cn_number(m.group("d"))) if year else None
    return make(int(y), int(m.group("m")), int(m.group("d")))


def misread_years(text: str, years: range) -> set[int]:
    """The years in ``years`` a Chinese-numeral year may be when OCR misread one numeral of it
    (二〇上六: 2026 or 2036) or lost one (九九八: 1998)."""
    bad = [i for i, c in enumerate(text) if c not in _CN]
    if len(bad) > 1 or (bad and len(text) != 4) or (not bad and len(text) != 3):
        return set()
    if bad:
        readings = {text[:bad[0]] + c + text[bad[0] + 1:] for c in MISREAD.get(text[bad[0]], "")}
    else:
        readings = {text[:i] + c + text[i:] for i in range(4) for c in "〇一"}
    return {int("".join(str(_CN[c]) for c in r)) for r in readings} & set(years)


def find_misread(line: str, years: range) -> tuple[int, int, date, str] | None:
    """(start, end, date, as printed) of a Chinese-numeral date in ``line`` whose year OCR
    misread in one numeral, when exactly one year in ``years`` results."""
    for m in CN_MISREAD.finditer(line):
        found = misread_years(m.group("y"), years)
        if len(found) == 1 and (value := make(found.pop(), cn_number(m.group("m")), cn_number(m.group("d")))):
            return m.start(), m.end(), value, m.group(0)
    return None


def find_dates(line: str, *, ocr: bool = False) -> list[tuple[int, int, date]]:
    """Full dates in a line as (start, end, date); with ``ocr`` the tolerant pattern too."""
    found = []
    for pattern in (AR, CN):
        for m in pattern.finditer(line):
            value = from_match(m)
            if value:
                found.append((m.start(), m.end(), value))
    if ocr:
        fixed = _LOST_DAY.sub(r"\g<keep>日", _OCR_ZERO.sub("0", _OCR_ONE.sub("1", line)))
        for m in (*OCR.finditer(fixed), *CN.finditer(fixed)):
            value = from_match(m)
            if value and not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), value))
    return sorted(found)


def roll_forward(month: int, day: int, base: date) -> date | None:
    """A date printed without its year: the year of ``base``, or the next one if that would
    put it before ``base`` (a deadline is never before the document was written)."""
    value = make(base.year, month, day)
    if value and value < base:
        value = make(base.year + 1, month, day)
    return value


def nearest(month: int, day: int, base: date) -> date | None:
    """A date printed without its year, read from the day of receipt: the year of ``base``, or
    the one before or after when that is nearer (received on 12月28日, 「1月10日前」 is next
    January's; on 1月4日, 「12月28日前」 last December's, already past). A past date stays past."""
    found = [value for year in (base.year - 1, base.year, base.year + 1) if (value := make(year, month, day))]
    return min(found, key=lambda value: abs((value - base).days), default=None)


def first_date(text: str) -> date | None:
    """The first full date in ``text``, written any way a form or a web page writes it."""
    found = find_dates(text) + [(m.start(), m.end(), v) for m in NUMERIC.finditer(text) if (v := from_match(m))]
    return min(found)[2] if found else None
