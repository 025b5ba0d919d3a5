"""The 令 layout (命令, GB/T 9704 §10.2): 「X令」 and its 令号 「第N号」 instead of 版头 and
发文字号, a sentence that promulgates a regulation, the signing leader (「总理　X」) and the
date under it.

- 发文机关: the organ of the header (中华人民共和国国务院令 -> 中华人民共和国国务院); a 令号 with
  a 代字 and a year (「政府令〔2010〕第15号」) names no organ, and the organ's name printed alone
  above it stands in;
- 发文字号: the 令号 as printed (第227号, 九届第37号, 政府令〔2010〕第15号): a 令号 carries 「第」;
- 标题: the regulation it promulgates, 《…》 in its first sentence, else the title printed above
  the header;
- the signing leader is the 签发人; the date under the signature is the 成文日期 (the tail reads it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.understand.docnumber import DocNumber
from pipeline.understand.title import TITLE_LOOKAHEAD, is_organ, title_like

_NUMERAL = r"[\d一二三四五六七八九十百零〇]+"
_NO = rf"(?:〔\d{{4}}〕\s*|[一二三四五六七八九十]+届\s*)?第\s*{_NUMERAL}\s*号"
HEADER = re.compile(rf"^(?P<organ>[\u4e00-\u9fff]{{2,30}}?)令\s*(?:[(（]\s*(?P<no>{_NO})\s*[)）]|(?P<bare>{_NO}))?$")
NUMBER_LINE = re.compile(rf"^[(（]?\s*(?P<no>{_NO})\s*[)）]?$")
_QUOTED = re.compile(r"《([^《》]{2,60})》")
# what the title of a promulgated regulation ends with
REGULATION = re.compile(r"(?:条例|规定|办法|细则|规则|决定|规程|准则|章程|法)$")
_BELOW = 8      # lines under the 令号 the regulation's title may be printed on


@dataclass(frozen=True)
class Ling:
    line: int                 # the 「X令」 line
    last: int                 # the line of its 令号 (the same line, or the next)
    organ: str | None         # None when the 令号 is a 代字's (政府令〔2010〕第15号)
    number: DocNumber
    title: str | None


def find_ling(lines: tuple[str, ...], start: int) -> Ling | None:
    """The 令 header among the first lines, with its 令号 on its line or the next."""
    for i in range(start, min(len(lines), start + TITLE_LOOKAHEAD)):
        m = HEADER.match(lines[i])
        if not m or "关于" in m.group("organ"):
            continue
        no, last = m.group("no") or m.group("bare"), i
        if not no and i + 1 < len(lines) and (n := NUMBER_LINE.match(lines[i + 1])):
            no, last = n.group("no"), i + 1
        if no:
            return _ling(lines, i, last, m.group("organ"), re.sub(r"\s", "", no))
    return None


def _ling(lines: tuple[str, ...], line: int, last: int, organ: str, no: str) -> Ling:
    year = re.match(r"〔(\d{4})〕", no)
    printed = f"{organ}令{no}" if year else no
    seq = re.search(r"第(\d+)号", no)
    number = DocNumber(printed, printed, f"{organ}令" if year else "", int(year.group(1)) if year else 0,
                       int(seq.group(1)) if seq else 0, ())
    return Ling(line, last, None if year else organ, number, _title(lines, line, last))


def _title(lines: tuple[str, ...], line: int, last: int) -> str | None:
    """The regulation promulgated: 《…》 in the first sentence after the 令号, else its title
    printed right above the header, else the first one printed under the 令号."""
    following = "".join(lines[last + 1: last + 4]).split("。")[0]
    if m := _QUOTED.search(following):
        return m.group(1)
    below = lines[last + 1: last + 1 + _BELOW]
    return next((x for x in (lines[line - 1] if line > 0 else "", *below) if _regulation(x)), None)


def _regulation(line: str) -> bool:
    return bool(line) and title_like(line) and not is_organ(line) and bool(REGULATION.search(line))


def organ_above(lines: tuple[str, ...], start: int, line: int) -> str | None:
    """An organ's name printed alone above the header (a 令号 naming none)."""
    return next((x for x in lines[start:line] if is_organ(x) and title_like(x)), None)


def signer(signature: str | None, posts: tuple[str, ...]) -> str | None:
    """The leader's name after the post in the signature: 「总理李鹏」 -> 李鹏, 「中华人民共和国主席
    江泽民」 -> 江泽民; a post with no name (「省长」) gives None."""
    if not signature:
        return None
    for post in sorted(posts, key=len, reverse=True):
        if post in signature:
            name = signature.rsplit(post, 1)[1].strip()
            return name if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", name) else None
    return None
