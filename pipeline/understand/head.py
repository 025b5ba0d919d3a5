"""The 版头 and the title: 紧急程度, 发文机关标志, 发文字号, 签发人, 标题, 主送.

GB/T 9704-2012 (GONGWEN.md §2) puts them in this order from the top of page 1; a 纪要 has its
name, 期号 and an organ/date line instead; a 函 has its number right-aligned under the header;
a 决议 or 公报 may start with its title. Everything here works on normalised lines, without the
份号 and 密级 (``secrecy.read_marks`` took them out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocab import URGENCY_WORDS
from pipeline.understand import dates, docnumber
from pipeline.understand.docnumber import DocNumber
from pipeline.understand.ling import Ling, find_ling, organ_above
from pipeline.understand.title import (DEFAULT_ALIASES, HEADER_SUFFIX, ISSUE_NO, find_title, is_organ,
                                       number_title, title_end, title_like, unquote)

URGENCY = re.compile(rf"^(?:紧急程度\s*[:：]\s*)?({'|'.join(URGENCY_WORDS)})$")

SIGNER = re.compile(r"签\s*发\s*人\s*[:：]\s*([\u4e00-\u9fff·]{2,4}(?:(?:\s+|[、，,])[\u4e00-\u9fff·]{2,4})*)")
CJK_RATIO_MIN = 0.7
# a 发文字号 whose 代字 OCR could not read: 「AKA (2026) 58号」
GARBLED_NUMBER = re.compile(r"^[^\u4e00-\u9fff\s]{1,12}\s*[〔\[［(（【〈<{｛]\s*(?P<year>20\d{2})\s*[〕\]］)）】〉>}｝jJ」]"
                            r"\s*(?P<di>[第#])?\s*(?P<seq>\d{1,5})\s*(?P<hao>号)?\s*$")


@dataclass(frozen=True)
class Head:
    urgency: str | None = None
    header: tuple[str, ...] = ()          # 发文机关标志 lines, 「文件」 removed
    number: DocNumber | None = None
    number_line: int | None = None
    number_hint: tuple[int, int, str] | None = None   # (year, seq, printed) of an unreadable number
    number_draft: str | None = None       # 化学院函〔2026〕: a number printed with its sequence blank
    signer: str | None = None
    title: str | None = None
    title_lines: tuple[int, int] | None = None
    title_word: str | None = None         # the 文种 word the title ends with
    meeting_organ: str | None = None      # 纪要: the organ on the organ/date line
    meeting_date_line: int | None = None
    recipients: tuple[str, ...] = ()
    body_start: int = 0
    organ_line: str | None = None         # an organ's name alone elsewhere in the head (a page's issuer line)


def cjk_ratio(text: str) -> float:
    text = re.sub(r"\s", "", text)
    return sum("\u3400" <= c <= "\u9fff" for c in text) / len(text) if text else 0.0


def split_names(text: str) -> tuple[str, ...]:
    parts = re.split(r"[、，,；;]\s*", text.strip().rstrip("。.：:"))
    return tuple(p.strip() for p in parts if p.strip())


def _marks(lines: tuple[str, ...]) -> tuple[dict, int]:
    """紧急程度 lines at the top (份号 and 密级 were taken out by ``secrecy.read_marks``)."""
    found: dict = {}
    i = 0
    while i < min(len(lines), 6) and (m := URGENCY.match(lines[i].replace(" ", ""))):
        found.setdefault("urgency", {"急件": "加急"}.get(m.group(1), m.group(1)))
        i += 1
    return found, i


def _find_number(lines: tuple[str, ...], start: int, end: re.Pattern) -> tuple[DocNumber | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        if number := _number_on(lines[i], end):
            return number, i
    return None, None


def _number_on(line: str, end: re.Pattern) -> DocNumber | None:
    """The 发文字号 of a head line. A long line, or one with sentence marks or a 《, holds the
    document's own number only when the number starts it (a page that flattened the document:
    「国办发明电〔2022〕16号各省、…」) or shares the line with the title."""
    number = docnumber.own_number(line, in_head=True)
    if number is None or (len(line) <= 80 and not any(c in line for c in "。，《")):
        return number
    return number if line.startswith(number.printed) or number_title(line, number, end) else None


def _find_garbled_number(lines: tuple[str, ...], start: int) -> tuple[tuple[int, int, str] | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        if m := GARBLED_NUMBER.match(lines[i]):
            seq = m.group("seq")
            if not m.group("hao") and len(seq) >= 2 and seq.endswith("5"):
                seq = seq[:-1]      # tesseract's 「5」 for 号 (see docnumber._parse)
            if int(seq):
                return (int(m.group("year")), int(seq), lines[i].strip()), i
    return None, None


def _find_any_number(lines: tuple[str, ...], start: int, end: re.Pattern
                     ) -> tuple[DocNumber | None, int | None, tuple[int, int, str] | None]:
    """(发文字号, its line, None), or for a number whose 代字 OCR lost (None, its line, hint)."""
    number, number_line = _find_number(lines, start, end)
    hint = None
    if number is None:
        hint, number_line = _find_garbled_number(lines, start)
    return number, number_line, hint


def _find_draft(lines: tuple[str, ...], start: int) -> tuple[str | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        if not any(c in lines[i] for c in "。，《") and (prefix := docnumber.draft(lines[i])):
            return prefix, i
    return None, None


def _title_span(lines: tuple[str, ...], start: int, number_line: int | None, end: re.Pattern
                ) -> tuple[int, int] | None:
    span = find_title(lines, start, number_line, end)
    if span and number_line is not None and span[0] <= number_line < span[1]:
        span = (number_line + 1, span[1])   # the title starts below a 发文字号 it seemed to hold
    return span


def _header(lines: tuple[str, ...]) -> tuple[str, ...]:
    """发文机关标志 lines, 「文件」 removed; a 签发人 line, a line holding a 发文字号 or a sentence,
    or non-Chinese noise is not one."""
    header = []
    for line in lines:
        name = HEADER_SUFFIX.sub("", line).strip()
        if (len(name) >= 2 and cjk_ratio(name) >= CJK_RATIO_MIN and not SIGNER.search(name)
                and not re.search(r"[《》，。：:；;,]", name) and not docnumber.PATTERN.search(name)):
            header.append(name)
    return tuple(header)


def organ_first(header: tuple[str, ...]) -> str | None:
    """The 发文机关 a header names: its first organ's name (a page's own title line printed above
    it is not), with the organs stacked under it in a joint 版头 (「X」 over 「Y文件」: 「X、Y」),
    else its first line."""
    first = next((i for i, line in enumerate(header) if is_organ(line)), None)
    if first is None:
        return header[0] if header else None
    organs = []
    for line in header[first:]:
        if not is_organ(line):
            break
        organs.append(line)
    return "、".join(organs)


def _signer(lines: tuple[str, ...], number_line: int | None, title_start: int) -> str | None:
    """签发人, on the 发文字号 line or next to it (without a number, above the title); names
    joined with 、."""
    around = (lines[max(0, number_line - 1): number_line + 2] if number_line is not None
              else lines[:title_start])
    for line in around:
        if m := SIGNER.search(line):
            return "、".join(re.split(r"\s+|[、，,]", m.group(1)))
    return None


def _title(lines: tuple[str, ...], start: int, number: DocNumber | None, number_line: int | None,
           end: re.Pattern) -> tuple[tuple[int, int] | None, str | None, str | None]:
    """(its lines, the title, the 文种 word it ends with): the first title in the head, unless the
    发文字号's line holds one and the title found does not follow that line."""
    span = _title_span(lines, start, number_line, end)
    beside = number_title(lines[number_line], number, end) if number and number_line is not None else None
    if beside and (not span or span[0] != number_line + 1):
        return (number_line, number_line), beside, end.search(beside).group(1)
    if not span:
        return None, None, None
    text = unquote("".join(lines[span[0]: span[1] + 1]))
    return span, text, end.search(text).group(1)


def _organ_line(lines: tuple[str, ...], start: int, stop: int, skip: tuple[int, int] | None) -> str | None:
    """An organ's name printed alone in the head outside the title and 版头 (a page's issuer line
    between its title and the 发文字号)."""
    for i in range(start, min(stop, len(lines))):
        if (skip is None or not skip[0] <= i <= skip[1]) and is_organ(lines[i]) and title_like(lines[i]):
            return lines[i]
    return None


def _meeting_line(lines: tuple[str, ...], after: int, number_line: int | None
                  ) -> tuple[str | None, int | None, int]:
    """A 纪要's organ/date line within the three lines below its title, skipping its 期号 and
    发文字号: (organ, the line, the first line after them)."""
    meeting_organ = meeting_line = None
    i = after
    while i < min(len(lines), after + 3):
        line = lines[i]
        found = dates.find_dates(line)
        if ISSUE_NO.match(line.replace(" ", "")) or i == number_line:
            i += 1
            continue
        if found and found[0][1] >= len(line.rstrip()) - 1:
            organ = line[: found[0][0]].strip()
            if not organ or (cjk_ratio(organ) >= CJK_RATIO_MIN and not re.search(r"[，。：:]", organ)):
                meeting_organ, meeting_line = organ or None, i
                i += 1
                continue
        break
    return meeting_organ, meeting_line, i


def _recipients(lines: tuple[str, ...], i: int) -> tuple[tuple[str, ...], int]:
    """主送 (a short line ending in a colon) at line ``i``, and where the body starts."""
    if i < len(lines):
        line = lines[i]
        if line.endswith(("：", ":")) and "。" not in line and len(line) <= 80:
            return split_names(line), i + 1
    return (), i


def read_head(lines: tuple[str, ...], aliases: tuple[str, ...] = DEFAULT_ALIASES) -> Head:
    """The head of a 公文; ``aliases`` are the title words besides the 15 文种 (rules.toml
    [doc_types] aliases)."""
    end = title_end(tuple(aliases))
    marks, start = _marks(lines)
    if ling := find_ling(lines, start):
        return _ling_head(lines, marks, start, ling)
    number, number_line, hint = _find_any_number(lines, start, end)
    draft = None
    if number_line is None:
        draft, number_line = _find_draft(lines, start)
    span, title, title_word = _title(lines, start, number, number_line, end)
    title_start = span[0] if span else (number_line + 1 if number_line is not None else start)
    header_end = number_line if number_line is not None and number_line < title_start else title_start
    # after the title: 纪要 期号 and organ/date line, the 发文字号 of a 纪要, then 主送
    meeting_organ, meeting_line, below = _meeting_line(lines, span[1] + 1 if span else title_start, number_line)
    recipients, body_start = _recipients(lines, below)
    head_end = max(body_start, number_line + 1 if number_line is not None else 0)
    return Head(urgency=marks.get("urgency"), header=_header(lines[start:header_end]), number=number,
                number_line=number_line, number_hint=hint, number_draft=draft,
                signer=_signer(lines, number_line, title_start),
                title=title, title_lines=span, title_word=title_word, meeting_organ=meeting_organ,
                meeting_date_line=meeting_line, recipients=recipients, body_start=body_start,
                organ_line=_organ_line(lines, header_end, head_end, span))


def _ling_head(lines: tuple[str, ...], marks: dict, start: int, ling: Ling) -> Head:
    """The head of a 令: its organ, 令号 and the regulation it promulgates."""
    organ = ling.organ or organ_above(lines, start, ling.line)
    return Head(urgency=marks.get("urgency"), header=(organ,) if organ else (), number=ling.number,
                number_line=ling.last, title=ling.title, title_lines=(ling.line, ling.last), title_word="令",
                body_start=ling.last + 1)
