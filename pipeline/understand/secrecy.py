"""份号 and 密级和保密期限 (GB/T 9704 §7.2.1-7.2.2), in every way a page prints them.

The standard puts 份号 on line 1 and 「机密★1年」 on line 2, top left. Pages also print them on
one line (「000123　机密★1年」, a docx table row 「000123 | 机密★1年」), after the 发文机关 line,
at the end of a 版头 line (the 1999 layout's top right), in a page header, with the period in
Chinese numerals (「机密★一年」), 长期 or 启用前, a label (「密级：机密」), or the mark alone. A 涉密
document whose mark is missed has its body indexed and printed, so when the head of a page
holds a 密级 word that is not a clean mark (「机密★5牛」, 「机密文件」) the document is taken as 涉密
and the checks say why; a clean mark line further down (a page header of page 2) counts too.
Words in a sentence or a title (「做好保密工作」, 「严守国家秘密。」, 「关于加强秘密载体管理的通知」)
are never a mark.

``read_marks`` takes the mark lines (and marks at the end of a line) out of the head, so that
the 版头, 发文字号 and title are read as if the marks were where the standard puts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocab import SECRECY_LEVELS, URGENCY_WORDS
from pipeline.understand.text import Doc, from_lines
from pipeline.understand.title import is_organ, title_end

TYPOS = {"绝秘": "绝密", "机秘": "机密"}            # OCR and typists' misspellings (GONGWEN.md §2)
_LEVEL = "|".join((*SECRECY_LEVELS, *TYPOS))
_CN = "一二两三四五六七八九十"
_PERIOD = (rf"(?:(?P<n>\d{{1,2}}|[{_CN}]{{1,3}})\s*(?P<unit>年|个月)|(?P<long>长期)|(?P<before>启用前))")
# a level, a separator (★, or whatever OCR made of it: 「机密妇5年」) and a period, all optional but the level
_SECRECY = rf"(?:密级[:：]?)?(?P<level>{_LEVEL})(?:[★☆✩*＊]|[^\d\s{_CN}])?(?:{_PERIOD})?"
_COPY = r"(?:份号[:：]?)?(?P<copy>\d{6})"
_URGENCY = rf"(?:紧急程度[:：]?)?(?P<urgency>{'|'.join(URGENCY_WORDS)})"
# a whole line of marks, spaces removed: 份号, 密级, 紧急程度 in that order, each optional
MARK_LINE = re.compile(rf"^(?:{_COPY})?(?:{_SECRECY})?(?:{_URGENCY})?$")
LEVEL_WORD = re.compile(rf"{_LEVEL}|涉密")

HEAD_LINES = 12          # the head of page 1, at most: where marks are looked for and taken out
COPY_LINES = 4           # a 份号 alone is one only in the first lines
AMBIGUOUS_MAX = 24       # a longer line with a 密级 word is text, not a garbled mark
_SENTENCE = re.compile(r"[。，；;,！？!?]|关于|《|^[一二三四五六七八九十]+、")
_OPENING = re.compile(r"^[\s【\[［(（〔]*(?:密级\s*[:：]?\s*)?")
_NUMBER = re.compile(r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]")
NO_LEVEL = "秘密"        # the level a 涉密 word without one is registered under (the lowest)


@dataclass(frozen=True)
class Marks:
    copy_no: str | None = None
    secrecy: str | None = None
    secrecy_period: str | None = None
    urgency: str | None = None
    notes: tuple[str, ...] = ()     # 初审 checks: a mark not where or not as the standard prints it


def _period(m: re.Match) -> str | None:
    if m.group("n"):
        n = m.group("n")
        return f"{int(n) if n.isdigit() else n}{m.group('unit')}"
    return "长期" if m.group("long") else ("启用前" if m.group("before") else None)


def _level(m: re.Match) -> str:
    return TYPOS.get(m.group("level"), m.group("level"))


def _mark_line(line: str, index: int) -> re.Match | None:
    """The marks a whole line holds: a 密级, or a 份号 in the first lines (with or without
    紧急程度 after them)."""
    m = MARK_LINE.match(re.sub(r"\s", "", line))
    if not m or not (m.group("level") or m.group("copy")):
        return None
    return m if m.group("level") or index < COPY_LINES else None


def _mark_at_edge(line: str) -> tuple[re.Match, str] | None:
    """A 密级 printed before or after a 版头 or 发文字号 on its line, apart from it by a space
    (「东湖大学保卫处文件　　机密★1年」): the mark, and the line without it. Never on a sentence."""
    tokens = line.split()
    for size in (3, 2, 1):
        if len(tokens) <= size:
            continue
        for edge, rest in ((tokens[-size:], tokens[:-size]), (tokens[:size], tokens[size:])):
            m = MARK_LINE.match("".join(edge))
            rest_line = "  ".join(rest)
            if m and m.group("level") and not _SENTENCE.search(rest_line):
                return m, rest_line
    return None


def _ambiguous(line: str, end: re.Pattern) -> str | None:
    """A line of the head that starts with a 密级 word but is no clean mark, and no title, organ
    or sentence (「机密★5牛」, 「机密文件」): its level (秘密 for a bare 涉密)."""
    word = LEVEL_WORD.match(_OPENING.sub("", line))
    if (not word or len(line) > AMBIGUOUS_MAX or _SENTENCE.search(line) or _NUMBER.search(line)
            or end.search(line) or is_organ(line)):
        return None
    return TYPOS.get(word.group(0), NO_LEVEL if word.group(0) == "涉密" else word.group(0))


def _head_end(lines: list[str]) -> int:
    """Where the head ends: the 主送 line or the first sentence, within ``HEAD_LINES``."""
    for i, line in enumerate(lines[:HEAD_LINES]):
        if "。" in line or line.endswith(("：", ":")):
            return i
    return min(len(lines), HEAD_LINES)


def read_marks(doc: Doc, aliases: tuple[str, ...] = ()) -> tuple[Marks, Doc]:
    """The document's 份号, 密级, 保密期限 (and a 紧急程度 printed on a mark's line), and the
    document without the lines (or line ends) that held them."""
    end = title_end(tuple(aliases)) if aliases else title_end()
    found: dict[str, str] = {}
    notes: list[str] = []
    lines = list(doc.lines)
    kept: list[str] = []
    unclear: list[tuple[str, str]] = []     # (line, level) of 密级 words that are no clean mark

    def take(m: re.Match) -> None:
        if m.group("level"):
            found.setdefault("secrecy", _level(m))
            if period := _period(m):
                found.setdefault("secrecy_period", period)
        for name in ("copy", "urgency"):
            if m.group(name):
                found.setdefault(name, {"急件": "加急"}.get(m.group(name), m.group(name)))

    head_end = _head_end(lines)
    for i, line in enumerate(lines):
        if i >= head_end:
            kept.extend(lines[i:])
            break
        if m := _mark_line(line, i):
            take(m)
            continue
        if edge := _mark_at_edge(line):
            take(edge[0])
            kept.append(edge[1])
            continue
        if level := _ambiguous(line, end):
            unclear.append((line, level))
        kept.append(line)
    if "secrecy" not in found and unclear:
        line, found["secrecy"] = unclear[0]
        notes.append(f"版头「{line}」疑为密级标志，未能确认，按{found['secrecy']}处理（正文不进入检索索引），请核对纸面")
    if "secrecy" not in found:
        for n, line in enumerate(lines[head_end:], head_end + 1):
            if (m := MARK_LINE.match(re.sub(r"\s", "", line))) and m.group("level") and not m.group("copy"):
                take(m)
                notes.append(f"第{n}行有密级标志「{line}」而版头没有，按{found['secrecy']}处理，请核对纸面")
                break
    marks = Marks(copy_no=found.get("copy"), secrecy=found.get("secrecy"),
                  secrecy_period=found.get("secrecy_period"), urgency=found.get("urgency"), notes=tuple(notes))
    return marks, (doc if len(kept) == len(lines) and kept == lines else from_lines(kept))
