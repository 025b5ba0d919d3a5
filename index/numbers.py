"""One spelling for 发文字号, 收文号 and 档号, whatever brackets or digits were typed.

GB/T 9704 wants 机关代字〔年份〕序号号 (六角括号, no 第, no padding), but clerks, scanners and
other offices write [2026], (2026), 【2026】, full-width digits, 第31号 or 031号. All of them
reduce to the same key, which is what the index stores and what a query is turned into.
"""

from __future__ import annotations

import re
import unicodedata

from index.analysis import HAN

_OPEN = re.escape("〔[［(（【〈<{｛〖")
_CLOSE = re.escape("〕]］)）】〉>}｝〗")
# GONGWEN.md R1, anchored: the whole value is one number.
DOC_NUMBER = re.compile(
    rf"(?P<org>[{HAN}A-Za-z]{{1,16}}?)\s*[{_OPEN}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE}]"
    rf"\s*第?\s*(?P<seq>\d{{1,6}})\s*号")
# The sequence of a number that is not in the R1 form (令 第12号, 东大教发2026-31号): the last
# run of digits before 号.
_LAST_SEQUENCE = re.compile(r"(\d{1,6})\s*号(?!.*\d)")
_ARCHIVE_DOT = str.maketrans({".": "·", "•": "·", "・": "·", "‧": "·", "∙": "·", "⋅": "·"})


def canonical_number(value: str) -> str | None:
    """``东大教发〔2026〕31号`` for any bracket/digit/第 variant of it; None if it is not one."""
    match = DOC_NUMBER.fullmatch(unicodedata.normalize("NFKC", value).strip())
    if match is None:
        return None
    return f"{match['org'].lower()}〔{match['year']}〕{int(match['seq'])}号"


def sequence_number(value: str | None) -> int | None:
    """The 序号 of a 发文字号 (31 in 东大教发〔2026〕31号, 第031号 or 令 第31号), for 「31号文」."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    match = DOC_NUMBER.fullmatch(text) or _LAST_SEQUENCE.search(text)
    return int(match["seq"] if "seq" in match.re.groupindex else match[1]) if match else None


def number_key(value: str) -> str:
    """The exact-match key of a 发文字号 or 收文号 (numbers like 2026-0015 are kept as typed)."""
    canonical = canonical_number(value)
    if canonical is not None:
        return canonical
    return "".join(unicodedata.normalize("NFKC", value).lower().split())


def archive_key(value: str) -> str:
    """档号 with look-alike separators turned into the 间隔号 DA/T 22 prescribes."""
    return "".join(unicodedata.normalize("NFKC", value).translate(_ARCHIVE_DOT).lower().split())
