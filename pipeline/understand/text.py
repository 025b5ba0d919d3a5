"""Text normalisation shared by every reader: one pass, then lines and a flat body string.

Full-width digits, letters and spaces become ASCII (GONGWEN.md §2 says NFKC, but NFKC also
rewrites 「…」 and other punctuation we want to keep, so only the ranges that matter are
mapped). Tesseract's single spaces between Chinese characters are removed; runs of two or more
spaces are layout (a 印发 line, a 签发人 on the 发文字号 line) and are kept, and so is a
full-width space between two words. Page numbers
(「— 3 —」) and form feeds go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
# a tab separates table cells (a docx 版头 table: 「东湖大学教务处<TAB>东大教发〔2026〕31号」): it is a
# layout gap, two spaces, never glued away like OCR's single spaces
_FULLWIDTH.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None, 0x09: "  "})

CJK = r"\u3400-\u9fff"
_CJK_GAP = re.compile(rf"(?<=[{CJK}]) (?=[{CJK}])")
# A full-width space between two words of two characters or more is a typesetter's separator,
# a layout gap like a tab: two organs signing on one line (「国务院办公厅　中央军委办公厅」), a post
# and a name (「省长　张三」). Between single characters it is letter-spacing (「东　湖　大　学」)
# and goes like any single space.
_WORD_GAP = re.compile(rf"(?<=[{CJK}]{{2}})\u3000(?=[{CJK}]{{2}})")
_PAGE_NO = re.compile(r"^\s*[—–\-－一]\s*\d{1,3}\s*[—–\-－一]\s*")
_PAGE_LINE = re.compile(r"^\s*[—–\-－一]\s*\d{1,3}\s*[—–\-－一]\s*$")


@dataclass(frozen=True)
class Doc:
    lines: tuple[str, ...]   # non-empty, stripped, normalised lines
    flat: str                # all lines joined without separators (wrapped sentences rejoin)
    offsets: tuple[int, ...]  # start of each line in ``flat``


def normalize_chars(text: str) -> str:
    return text.translate(_FULLWIDTH)


def prepare(text: str) -> Doc:
    text = normalize_chars(_WORD_GAP.sub("  ", text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")))
    lines: list[str] = []
    for raw in text.split("\n"):
        if _PAGE_LINE.match(raw):
            continue
        line = _CJK_GAP.sub("", raw.strip())
        line = _PAGE_NO.sub("", line) if re.match(r"^\s*[—–\-－]\s*\d{1,3}\s*[—–\-－]\s*\S", line) else line
        if line:
            lines.append(line)
    return from_lines(lines)


def from_lines(lines) -> Doc:
    """A ``Doc`` of lines already normalised (``prepare``'s, some taken out)."""
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    return Doc(tuple(lines), "".join(lines), tuple(offsets))


_LINE_END = re.compile(r"[。；;！？!?：:）)]$")
SHORT_LINE = 16


def flow(lines) -> str:
    """Body text for reading sentences: a wrapped line is glued to the next one (so a date split
    by the wrap, 「12月3」+「1日前」, is whole again); a line that ends a sentence, or a short
    heading such as 「三、材料报送」, keeps its line break."""
    parts = []
    for line in lines:
        parts.append(line)
        parts.append("\n" if _LINE_END.search(line) or len(line) < SHORT_LINE else "")
    return "".join(parts)


_TITLE_PUNCT = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})


def canonical_title(title: str, *, from_ocr: bool = False) -> str:
    """The title as printed, without the spaces of its layout. A text layer says what the paper
    says, half-width brackets included (「…管理规定(试行)」); OCR returns ASCII brackets and
    colons for the Chinese ones titles are set in, so an OCR'd title gets them back."""
    title = re.sub(r"\s+(?=[^A-Za-z0-9])|(?<=[^A-Za-z0-9])\s+", "", title.strip())
    return title.translate(_TITLE_PUNCT) if from_ocr else title
