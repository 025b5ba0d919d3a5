"""The 版头 and the title: 份号, 密级, 紧急程度, 发文机关标志, 发文字号, 签发人, 标题, 主送.

GB/T 9704-2012 (GONGWEN.md §2) puts them in this order from the top of page 1; a 纪要 has its
name, 期号 and an organ/date line instead; a 函 has its number right-aligned under the header;
a 决议 or 公报 may start with its title. Everything here works on normalised lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocab import DOC_TYPE_ALIASES, DOC_TYPES, SECRECY_LEVELS, URGENCY_WORDS
from pipeline.understand import dates, docnumber
from pipeline.understand.docnumber import DocNumber

_SECRECY_TYPOS = {"绝秘": "绝密", "机秘": "机密"}
COPY_NO = re.compile(r"^(?:份号\s*[:：]?\s*)?(\d{6})$")
SECRECY = re.compile(rf"^(?:密级\s*[:：]\s*)?({'|'.join((*SECRECY_LEVELS, *_SECRECY_TYPOS))})\s*(?:[★☆*＊]|[^\d\s])?\s*"
                     r"(?:(\d{1,2})\s*(年|个月)|(长期))?$")
URGENCY = re.compile(rf"^(?:紧急程度\s*[:：]\s*)?({'|'.join(URGENCY_WORDS)})$")

# The aliases a title may end with: …的复函 is a 函, a 令 a 命令. 公函, 来函 and 会议纪要 are what
# people call a document, not how its title ends, so they are not title words.
_TITLE_ALIASES = ("复函", "令")
assert set(_TITLE_ALIASES) <= set(DOC_TYPE_ALIASES)
# An alias that ends with its 文种 (复函, 函) goes just before it, the others after every 文种: the
# order the alternation has always had.
TYPE_WORDS: tuple[str, ...] = (
    *(word for kind in DOC_TYPES for word in (*(a for a in _TITLE_ALIASES if a.endswith(kind)), kind)),
    *(a for a in _TITLE_ALIASES if not a.endswith(DOC_TYPES)))
TITLE_END = re.compile(rf"({'|'.join(TYPE_WORDS)})$")
_NOT_TITLE = re.compile(r"[：:。；;，]|[\[【(（〔]\s*20\d{2}\s*[\]】)）〕j]\s*[第#]?\d"
                        r"|(?:(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z]).*){2}"   # OCR garbage: 「PRK ASCE」
                        r"|^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\s*[.、．])")
_HEADER_SUFFIX = re.compile(r"(文件|明传电报|电报)$")
_ORGAN = re.compile(r"(大学|学院|系|处|部|厅|局|委员会|办公室|研究院|研究生院|中心|工会|政府|委|办|所)$")
_ISSUE_NO = re.compile(r"^(?:〔\d{4}〕)?第\s*\d{1,4}\s*期$|^\d{4}\s*年第\s*\d{1,4}\s*期$")
SIGNER = re.compile(r"签\s*发\s*人\s*[:：]\s*([\u4e00-\u9fff·]{2,4}(?:(?:\s+|[、，,])[\u4e00-\u9fff·]{2,4})*)")
CJK_RATIO_MIN = 0.7
# a 发文字号 whose 代字 OCR could not read: 「AKA (2026) 58号」
GARBLED_NUMBER = re.compile(r"^[^\u4e00-\u9fff\s]{1,12}\s*[〔\[［(（【〈<{｛]\s*(?P<year>20\d{2})\s*[〕\]］)）】〉>}｝jJ」]"
                            r"\s*(?P<di>[第#])?\s*(?P<seq>\d{1,5})\s*(?P<hao>号)?\s*$")


@dataclass(frozen=True)
class Head:
    copy_no: str | None = None
    secrecy: str | None = None
    secrecy_period: str | None = None
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


def cjk_ratio(text: str) -> float:
    text = re.sub(r"\s", "", text)
    return sum("\u3400" <= c <= "\u9fff" for c in text) / len(text) if text else 0.0


def split_names(text: str) -> tuple[str, ...]:
    parts = re.split(r"[、，,；;]\s*", text.strip().rstrip("。.：:"))
    return tuple(p.strip() for p in parts if p.strip())


def _marks(lines: tuple[str, ...]) -> tuple[dict, int]:
    found: dict = {}
    i = 0
    while i < min(len(lines), 6):
        line = lines[i].replace(" ", "")
        if m := COPY_NO.match(line):
            found.setdefault("copy_no", m.group(1))
        elif m := SECRECY.match(line):
            found.setdefault("secrecy", _SECRECY_TYPOS.get(m.group(1), m.group(1)))
            if m.group(2):
                found.setdefault("secrecy_period", f"{int(m.group(2))}{m.group(3)}")
            elif m.group(4):
                found.setdefault("secrecy_period", "长期")
        elif m := URGENCY.match(line):
            found.setdefault("urgency", {"急件": "加急"}.get(m.group(1), m.group(1)))
        else:
            break
        i += 1
    return found, i


def _title_like(line: str) -> bool:
    return len(line) <= 60 and not _NOT_TITLE.search(line) and not _HEADER_SUFFIX.search(line)


def _find_number(lines: tuple[str, ...], start: int) -> tuple[DocNumber | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        line = lines[i]
        if len(line) > 80 or any(c in line for c in "。，《"):
            continue
        number = docnumber.own_number(line, in_head=True)
        if number:
            return number, i
    return None, None


def _find_garbled_number(lines: tuple[str, ...], start: int) -> tuple[tuple[int, int, str] | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        if m := GARBLED_NUMBER.match(lines[i]):
            seq = m.group("seq")
            if not m.group("hao") and len(seq) >= 2 and seq.endswith("5"):
                seq = seq[:-1]      # tesseract's 「5」 for 号 (see docnumber._parse)
            if int(seq):
                return (int(m.group("year")), int(seq), lines[i].strip()), i
    return None, None


def _find_title(lines: tuple[str, ...], start: int, number_line: int | None) -> tuple[int, int] | None:
    for end in range(start, min(len(lines), start + 12)):
        line = lines[end]
        if end == number_line or not _title_like(line) or not TITLE_END.search(line):
            continue
        first = end
        while first - 1 >= start and end - first < 3:
            above = lines[first - 1]
            if first - 1 == number_line or not _title_like(above) or _ISSUE_NO.match(above):
                break
            # an organ's name alone over a title that starts with 关于 is the 版头, not the title
            if _ORGAN.search(above) and "关于" not in above and lines[first].startswith("关于"):
                break
            first -= 1
        return first, end
    return None


def _find_any_number(lines: tuple[str, ...], start: int
                     ) -> tuple[DocNumber | None, int | None, tuple[int, int, str] | None]:
    """(发文字号, its line, None), or for a number whose 代字 OCR lost (None, its line, hint)."""
    number, number_line = _find_number(lines, start)
    hint = None
    if number is None:
        hint, number_line = _find_garbled_number(lines, start)
    return number, number_line, hint


def _find_draft(lines: tuple[str, ...], start: int) -> tuple[str | None, int | None]:
    for i in range(start, min(len(lines), start + 9)):
        if not any(c in lines[i] for c in "。，《") and (prefix := docnumber.draft(lines[i])):
            return prefix, i
    return None, None


def _title_span(lines: tuple[str, ...], start: int, number_line: int | None) -> tuple[int, int] | None:
    span = _find_title(lines, start, number_line)
    if span and number_line is not None and span[0] <= number_line < span[1]:
        span = (number_line + 1, span[1])   # the title starts below a 发文字号 it seemed to hold
    return span


def _header(lines: tuple[str, ...]) -> tuple[str, ...]:
    """发文机关标志 lines, 「文件」 removed; a 签发人 line or non-Chinese noise is not one."""
    header = []
    for line in lines:
        name = _HEADER_SUFFIX.sub("", line).strip()
        if len(name) >= 2 and cjk_ratio(name) >= CJK_RATIO_MIN and not SIGNER.search(name):
            header.append(name)
    return tuple(header)


def _signer(lines: tuple[str, ...], number_line: int | None, title_start: int) -> str | None:
    """签发人, on the 发文字号 line or next to it (without a number, above the title); names
    joined with 、."""
    around = (lines[max(0, number_line - 1): number_line + 2] if number_line is not None
              else lines[:title_start])
    for line in around:
        if m := SIGNER.search(line):
            return "、".join(re.split(r"\s+|[、，,]", m.group(1)))
    return None


def _title(lines: tuple[str, ...], span: tuple[int, int] | None) -> tuple[str | None, str | None]:
    """The title's text and the 文种 word it ends with."""
    if not span:
        return None, None
    return "".join(lines[span[0]: span[1] + 1]), TITLE_END.search(lines[span[1]]).group(1)


def _meeting_line(lines: tuple[str, ...], after: int, number_line: int | None
                  ) -> tuple[str | None, int | None, int]:
    """A 纪要's organ/date line within the three lines below its title, skipping its 期号 and
    发文字号: (organ, the line, the first line after them)."""
    meeting_organ = meeting_line = None
    i = after
    while i < min(len(lines), after + 3):
        line = lines[i]
        found = dates.find_dates(line)
        if _ISSUE_NO.match(line.replace(" ", "")) or i == number_line:
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


def read_head(lines: tuple[str, ...]) -> Head:
    marks, start = _marks(lines)
    number, number_line, hint = _find_any_number(lines, start)
    draft = None
    if number_line is None:
        draft, number_line = _find_draft(lines, start)
    span = _title_span(lines, start, number_line)
    title_start = span[0] if span else (number_line + 1 if number_line is not None else start)
    header_end = number_line if number_line is not None and number_line < title_start else title_start
    title, title_word = _title(lines, span)
    # after the title: 纪要 期号 and organ/date line, the 发文字号 of a 纪要, then 主送
    meeting_organ, meeting_line, below = _meeting_line(lines, span[1] + 1 if span else title_start, number_line)
    recipients, body_start = _recipients(lines, below)
    return Head(copy_no=marks.get("copy_no"), secrecy=marks.get("secrecy"),
                secrecy_period=marks.get("secrecy_period"), urgency=marks.get("urgency"),
                header=_header(lines[start:header_end]), number=number, number_line=number_line,
                number_hint=hint, number_draft=draft, signer=_signer(lines, number_line, title_start),
                title=title, title_lines=span, title_word=title_word, meeting_organ=meeting_organ,
                meeting_date_line=meeting_line, recipients=recipients, body_start=body_start)
