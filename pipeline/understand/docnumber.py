"""发文字号: find, canonicalise (机关代字〔年份〕序号号) and criticise.

The pattern is GONGWEN.md R1 widened for what scanners and typists produce: any bracket pair,
OCR's 「C」 or 「(」 for 〔 and 「j」 for 〕, a bracket read twice (〔〔2026〕) or a speck after it
(〔2026］·31号), full-width digits (already normalised), spaces,
「第」, zero padding and two-digit years. Only Chinese characters count as 机关代字: an OCR
line of Latin garbage is not a 代字, and a wrong number is worse than none.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from core.vocab import DOC_TYPE_ALIASES, DOC_TYPES

_OPEN = "〔[［(（【〈<{｛Cc"
_CLOSE = "〕]］)）】〉>}｝jJ」"
PATTERN = re.compile(
    rf"(?P<org>[\u4e00-\u9fff]{{1,16}}?)\s*(?P<open>[{re.escape(_OPEN)}])\s*(?:[{re.escape(_OPEN)}]\s*)?"
    rf"(?P<year>(?:19|20)\d{{2}}|\d{{2}})\s*(?P<close>[{re.escape(_CLOSE)}])\s*(?:[·•．.]\s*)?"
    rf"(?P<di>第|#)?\s*(?P<seq>\d{{1,5}})\s*(?P<hao>号)?")
# Words that run into a number cited in a sentence (根据东大教〔2026〕38号). Only words no 代字
# begins with are taken off a number standing alone; the single characters, which real 代字 do
# begin with (文旅发, 经信委, 和平区, 即墨), only off a number cited in running text.
_LEAD_WORDS = r"根据|依据|按照|参照|参见|关于|转发|印发"
_LEAD = re.compile(rf"^(?:{_LEAD_WORDS})+")
_LEAD_IN_TEXT = re.compile(rf"^(?:{_LEAD_WORDS}|见|经|及|和|与|以|据|文|号|的|即)+")
# The end of an organ's name (or of a 版头 「…文件」) glued before the 代字 on the 版头 line
# (「东湖大学教务处东大教发〔2026〕31号」): the 代字 starts after the last one.
_ORGAN_END = re.compile(r"大学|学院|学校|委员会|办公室|办公厅|政府|文件|处|厅|局|部|院")
# The end of a title glued before the 代字 on one line (a web page's 「…的批复 国函〔1998〕60号」, whose
# single space the text's normalisation removes): the 代字 starts after its 文种 word. Only words of
# two characters, or a 文种 after 的, so the 函 of 国办函 and the 令 of 政府令 stay in the 代字.
_TITLE_WORDS = sorted({*DOC_TYPES, *DOC_TYPE_ALIASES, "答复"}, key=len, reverse=True)
_TITLE_END_IN_ORG = re.compile("|".join([*(w for w in _TITLE_WORDS if len(w) >= 2),
                                         *(f"的{w}" for w in _TITLE_WORDS if len(w) == 1)]))
# A number whose sequence is left blank (a 发文稿纸, a draft): 化学院函〔2026〕　号, 化学院函〔　〕号
DRAFT = re.compile(r"(?P<org>[\u4e00-\u9fff]{1,16}?)\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{2})?\s*[〕\]］)）】]"
                   r"\s*(?:第\s*)?号")


@dataclass(frozen=True)
class DocNumber:
    canonical: str
    printed: str
    org: str
    year: int
    seq: int
    problems: tuple[str, ...]


def _organ_end(org: str) -> int:
    """Where an organ's name glued before a 代字 ends (0: none). The name is at least four
    characters and the 代字 after it at least two, so 化学院发 and 工信部联科 stay whole."""
    end = 0
    for m in _ORGAN_END.finditer(org):
        if m.start() >= (2 if len(m.group()) > 1 else 3) and len(org) - m.end() >= 2:
            end = m.end()
    return end


def _title_end(org: str) -> int:
    """Where a title's 文种 word glued before a 代字 ends (0: none); two characters at least
    stay for the 代字."""
    ends = [m.end() for m in _TITLE_END_IN_ORG.finditer(org) if len(org) - m.end() >= 2]
    return ends[-1] if ends else 0


def _org(m: re.Match, *, in_text: bool, org_from: int, in_head: bool) -> str:
    org = m.group("org")
    if org_from > m.start("org"):
        org = org[org_from - m.start("org"):]
    org = org[_title_end(org):]
    if in_head:
        org = org[_organ_end(org):]
    return (_LEAD_IN_TEXT if in_text else _LEAD).sub("", org)


def _parse(m: re.Match, *, own_line_end: bool, org_from: int = 0, in_text: bool = False,
           in_head: bool = False) -> DocNumber | None:
    org = _org(m, in_text=in_text, org_from=org_from, in_head=in_head)
    if not org:
        return None
    year_text, seq_text = m.group("year"), m.group("seq")
    short_year = len(year_text) == 2
    if m.group("open") in "Cc" and short_year:
        return None
    printed = m.group(0)[len(m.group("org")) - len(org):].strip()   # org ends the printed 代字
    guessed = None
    if not m.group("hao"):
        # Without 号 only the document's own number line is trusted, and tesseract reads 号
        # as a trailing 「5」: 「东大保 [2026] 115」 is 11号.
        if not own_line_end or short_year:
            return None
        gap = m.string[m.end("close"): m.start("seq")]
        if re.search(r"\s", gap) and m.group("open") != "〔" and len(seq_text) >= 2 and seq_text.endswith("5"):
            seq_text = seq_text[:-1]
            guessed = f"发文字号「{m.group(0).strip()}」末位「5」疑为「号」的识别错误，按{int(seq_text)}号登记"
    year = 2000 + int(year_text) if short_year else int(year_text)
    seq = int(seq_text)
    if seq == 0:
        return None
    problems = [guessed] if guessed else []
    if m.group("open") != "〔" or m.group("close") != "〕":
        problems.append(f"发文字号「{printed}」应使用六角括号〔〕标注年份")
    if short_year:
        problems.append(f"发文字号「{printed}」年份应标全称（{year_text} 应为 {year}）")
    if m.group("di"):
        problems.append(f"发文字号「{printed}」序号前不加「第」")
    if len(seq_text) > 1 and seq_text.startswith("0"):
        problems.append(f"发文字号「{printed}」序号不编虚位（{seq_text} 应为 {seq}）")
    return DocNumber(f"{org}〔{year}〕{seq}号", printed, org, year, seq, tuple(problems))


def own_number(line: str, *, in_head: bool = False) -> DocNumber | None:
    """The 发文字号 on its own line (possibly sharing it with 签发人); ``in_head``: a line of the
    版头, where an organ's name printed before the 代字 is not part of it."""
    for m in PATTERN.finditer(line):
        rest = line[m.end():]
        at_end = not rest.strip() or bool(re.match(r"\s{2,}|\s*签发人|\s*[A-Z]{2,}", rest))
        number = _parse(m, own_line_end=at_end, in_head=in_head)
        if number:
            return number
    return None


def draft(line: str) -> str | None:
    """The printed prefix, in 〔〕, of a 版头 发文字号 whose sequence is left blank (a 发文稿纸, a
    draft): 化学院函〔2026〕　号 -> 化学院函〔2026〕, 化学院函〔　〕号 -> 化学院函〔〕."""
    m = DRAFT.search(line)
    if not m:
        return None
    org = m.group("org")
    org = _LEAD.sub("", org[_organ_end(org):])
    return f"{org}〔{m.group('year') or ''}〕" if org else None


def find_all(text: str, line_starts: tuple[int, ...] = (0,)) -> list[tuple[int, DocNumber]]:
    """Every 发文字号 cited in running text, with its position; 号 is required here.

    ``text`` is the flat text of a document and ``line_starts`` where its lines begin: a
    代字 does not reach back over a line break (else 「…文件」 on the line above would be
    glued to it), but the year and number may wrap onto the next line.
    """
    found = []
    for m in PATTERN.finditer(text):
        bracket = m.start("open")
        index = bisect.bisect_right(line_starts, bracket) - 1
        line_start = line_starts[index] if index >= 0 else 0
        org_from = line_start if line_start < bracket else 0
        number = _parse(m, own_line_end=False, org_from=org_from, in_text=True)
        if number:
            found.append((m.start(), number))
    return found


def canonical(printed: str) -> str | None:
    """Canonical form of one printed number, e.g. 东大研（2026）第05号 -> 东大研〔2026〕5号."""
    number = own_number(printed.strip())
    return number.canonical if number else None
