"""The 标题 in the head of a 公文: where it is, over how many lines, and the 文种 word it ends with.

A printed 公文 (GB/T 9704) puts its 版头, then the 发文字号, then the title. A web page or a
gazette prints the title first, over one to four lines, with the 发文字号 under it, and no 版头:
there a first line that is an organ's name alone (「国务院办公厅」 over 「关于…的函」), a 转发
line (「X办公厅转发Y」), two organs (「X、Y」) or a line ending in 文件 is the title's own first
line. A title may also share its line with the 发文字号 (「…的批复 国函〔1998〕60号」,
「京政办发〔2016〕26号《…的通知》」, 「X发〔2022〕5号（…纪要）」), be quoted in 《》, end with a
bracketed note (「会议纪要（第四次）」), or run past 60 characters on one line (a 转发 title with a
nested 《…》).
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.vocab import DOC_TYPES
from pipeline.understand.docnumber import DocNumber

TITLE_MAX = 60          # a line of a title over several lines
LONG_TITLE_MAX = 150    # a title on one line of its own
TITLE_LOOKAHEAD = 12    # lines from the top of the page a title may end on
# The aliases a title ends with when the caller has no rules (rules.toml [doc_types] aliases).
DEFAULT_ALIASES = ("复函", "令", "答复")

NOT_TITLE = re.compile(r"[：:。；;，]|[\[【(（〔]\s*20\d{2}\s*[\]】)）〕j]\s*[第#]?\d"
                       r"|(?:(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z]).*){2}"   # OCR garbage: 「PRK ASCE」
                       r"|^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\s*[.、．])")
_LONG_NOT_TITLE = re.compile(r"[,，。；;：:！？!?]")     # a line past TITLE_MAX is a sentence if it has these
HEADER_SUFFIX = re.compile(r"(文件|明传电报|电报)$")
ORGAN = re.compile(r"(大学|学院|系|处|部|厅|局|委员会|办公室|研究院|研究生院|中心|工会|政府|委|办|所|院|会|室|署|组|团|社|馆)$")
ISSUE_NO = re.compile(r"^(?:〔\d{4}〕)?第\s*\d{1,4}\s*期$|^\d{4}\s*年第\s*\d{1,4}\s*期$")
_TITLE_VERB = re.compile(r"关于|转发|批转|印发")
_FORWARD_LINE = re.compile(r"^\S{2,}?转发\S*$")       # 「X转发Y」, 「X转发」
_SENTENCE_MARK = re.compile(r"[，。；,;]")


@lru_cache(maxsize=16)
def title_end(aliases: tuple[str, ...] = DEFAULT_ALIASES) -> re.Pattern:
    """A title's last 文种 word (the 15 and the aliases), optionally followed by a bracketed
    note: 「…的通知」, 「…会议纪要（第四次）」."""
    words = sorted({*DOC_TYPES, *aliases}, key=len, reverse=True)
    return re.compile(rf"({'|'.join(map(re.escape, words))})(?:\s*[（(][^（）()]{{1,12}}[）)])?$")


def unquote(text: str) -> str:
    """《title》 -> title, when the first 《 closes at the very end."""
    if not (text.startswith("《") and text.endswith("》")):
        return text
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "《") - (c == "》")
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


def is_organ(name: str) -> bool:
    """An organ's name alone: 「国务院办公厅」, 「东湖大学教务处」 (not 「…关于…」)."""
    return bool(ORGAN.search(name)) and "关于" not in name


_ORGAN_BEFORE_WHEN = re.compile(rf"^(?P<organ>\S{{1,30}}?{ORGAN.pattern[:-1]})"
                                r"(?=(?:19|20)\d{2}\s*年|第\s*[一二三四五六七八九十\d]|[一二三四五六七八九十]+届)")


def organ_before_when(title: str | None) -> str | None:
    """The organ a title without 关于 opens with, before the year or session it names
    (「东湖大学研究生院2026年第4次…会议纪要」: 东湖大学研究生院)."""
    m = _ORGAN_BEFORE_WHEN.match(title or "")
    return m.group("organ") if m and "关于" not in m.group("organ") else None


def title_like(line: str, *, header_ok: bool = False) -> bool:
    """A line that may be part of a title; a 「…文件」 line only with ``header_ok``."""
    return (len(line) <= TITLE_MAX and not NOT_TITLE.search(line)
            and (header_ok or not HEADER_SUFFIX.search(line)))


def ending(line: str, end: re.Pattern) -> str | None:
    """The 文种 word of a line that can end a title (quoted in 《》 or not), else None."""
    text = unquote(line)
    if NOT_TITLE.search(text) or HEADER_SUFFIX.search(text) or len(text) > LONG_TITLE_MAX:
        return None
    if len(text) > TITLE_MAX and _LONG_NOT_TITLE.search(text):
        return None
    m = end.search(text)
    return m.group(1) if m else None


def find_title(lines: tuple[str, ...], start: int, number_line: int | None, end: re.Pattern
               ) -> tuple[int, int] | None:
    """(first line, last line) of the first title in the head: the first line that ends with a
    文种 word, joined with up to three title lines above it."""
    for last in range(start, min(len(lines), start + TITLE_LOOKAHEAD)):
        if last == number_line or not (ending(lines[last], end) or _wrapped_ending(lines, last, number_line, end)):
            continue
        last = _goes_on(lines, last, number_line, end)
        above_number = number_line is not None and number_line > last
        first = last
        while first - 1 >= start and last - first < 3 and _continues(lines, start, first, number_line, above_number):
            first -= 1
        return first, last
    return None


def _wrapped_ending(lines: tuple[str, ...], last: int, number_line: int | None, end: re.Pattern) -> bool:
    """A line of one or two characters that completes the 文种 word of the title line above it
    (「…大赛的通」 over 「知」: OCR wrapped the last character)."""
    above = last - 1
    return (len(lines[last]) <= 2 and above >= 0 and above != number_line
            and title_like(lines[above]) and ending(lines[above] + lines[last], end) is not None)


def _goes_on(lines: tuple[str, ...], last: int, number_line: int | None, end: re.Pattern) -> int:
    """The title's last line, when a line break fell after a 文种 word inside it (「…防震减灾工作
    意见」 over 「的通知」)."""
    for _ in range(2):
        nxt = last + 1
        if nxt >= len(lines) or nxt == number_line or not lines[nxt].startswith("的") or not ending(lines[nxt], end):
            break
        last = nxt
    return last


def _continues(lines: tuple[str, ...], start: int, first: int, number_line: int | None,
               above_number: bool) -> bool:
    """Whether the line above ``first`` is the title's too. Over a title that starts with 关于,
    an organ's name alone is the 版头 of a printed 公文, but the title's first line on a page
    that opens with the title and prints the 发文字号 under it (with a line above it, it is the
    page's issuer line under the page's own title); an organ's name over 「X关于…」 never is."""
    above, below = lines[first - 1], lines[first]
    if first - 1 == number_line or ISSUE_NO.match(above):
        return False
    header_ok = bool(_TITLE_VERB.search(above)) or (above_number and not is_organ(HEADER_SUFFIX.sub("", above)))
    if not title_like(above, header_ok=header_ok):
        return False
    if _FORWARD_LINE.match(above) and below.startswith("关于"):
        return True         # 「X转发Y」 or 「X转发」 over 「关于…」: a 转发 title over two lines
    if number_line is not None and first - 1 > number_line:
        return True         # under the 发文字号 the 版头 is over: 「X、Y」 over 「关于…」 is the title's
    if not is_organ(above):
        return True
    if below.startswith("关于"):
        return above_number and first - 1 == start
    return "关于" not in below


def number_title(line: str, number: DocNumber, end: re.Pattern) -> str | None:
    """The title printed on the 发文字号's own line, before it (「…的批复 国函〔1998〕60号」,
    「…的通知(岳办发〔2017〕2号)」) or after it (「京政办发〔2016〕26号《…的通知》」,
    「X发〔2022〕5号（…纪要）」), when the other side holds no sentence."""
    at = line.find(number.printed)
    if at < 0:
        return None
    before = line[:at].strip().rstrip("(（").strip()
    after = line[at + len(number.printed):].strip()
    if after[:1] in ("(", "（") and after[-1:] in (")", "）"):
        after = after[1:-1].strip()
    for text, other in ((before, after), (after, before)):
        if text and ending(text, end) and not _SENTENCE_MARK.search(other):
            return unquote(text)
    return None
