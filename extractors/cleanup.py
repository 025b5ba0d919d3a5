"""Chinese text clean-up shared by every extraction path (GONGWEN.md §2): one pure function.

What it does, and why:
- Full-width ASCII letters and digits (and the ideographic space) become ASCII, because
  发文字号 and dates are matched with ASCII regexes. Plain NFKC would also turn the CJK
  punctuation of 公文 (，。：；（）) into ASCII, so NFKC is applied only to those characters,
  plus the Kangxi/compatibility ideographs some PDF producers map glyphs to (⽂ → 文).
  〔〕, ★, 〇 and CJK punctuation stay exactly as printed.
- A single space between two CJK characters is removed: OCR engines put one between every Han
  character, and padded names (王　明) are written that way. A wider gap is layout (发文字号 and
  签发人 on one line, 印发机关 and 印发日期) and becomes one tab, the same separator as between
  table cells; readers that know a gap is wide (PDF, OFD and OCR positions) write a tab too.
  Tabs are never merged: an empty table cell stays visible. The result is idempotent.
- ○/零/O/0 inside a Chinese-numeral year become 〇 (二○二六年 → 二〇二六年), never elsewhere.
- Page-number lines (— 3 —, -3-, 第3页) are dropped; line breaks are kept, runs of blank lines
  become one.
"""

from __future__ import annotations

import re
import unicodedata

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
_CJK = f"[{_HAN}{_CJK_PUNCT}]"


def _width_table() -> dict[int, str]:
    table = {0x3000: " "}
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
        for cp in range(lo, hi + 1):
            table[cp] = chr(cp - 0xFEE0)
    # Kangxi radicals, CJK radicals supplement and compatibility ideographs: NFKC maps them to
    # the unified ideograph a reader expects (some PDF fonts' ToUnicode maps use them).
    for lo, hi in ((0x2E80, 0x2EF3), (0x2F00, 0x2FD5), (0xF900, 0xFAFF)):
        for cp in range(lo, hi + 1):
            mapped = unicodedata.normalize("NFKC", chr(cp))
            if mapped != chr(cp):
                table[cp] = mapped
    table.update({0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x200B: "", 0xFEFF: "",
                  0x00AD: ""})
    return table


_WIDTH = _width_table()
_NEEDS_WIDTH = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_WIDTH)) + "]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<={_CJK}) (?={_CJK})")
WIDE_GAP = "\t"  # what a reader writes for a layout gap (see above)
_SPACES = re.compile(r" {2,}")
_LINE_EDGES = re.compile(r"^[ \t]+|[ \t]+$", re.M)
_BLANK_LINES = re.compile(r"\n{3,}")
_ZERO_LIKE = "〇○◯零Oo0０"
_NUMERALS = "一二三四五六七八九"
_PAGE_NUMBER = re.compile(
    r"[—–\-－一―_~·.]+ ?\d{1,4} ?[—–\-－一―_~·.]+"
    r"|第 ?\d{1,4} ?页(?: ?[，,/（(]? ?共 ?\d{1,4} ?页[）)]?)?"
    r"|\d{1,4} ?/ ?\d{1,4}")


def _fix_years(text: str) -> str:
    """二○二六年 -> 二〇二六年: the four characters before a 年, when they are Chinese numerals
    with zero look-alikes among them (and not part of a longer run of numerals)."""
    out, last = [], 0
    at = text.find("年")
    while at != -1:
        start = at
        while start > 0 and at - start < 4 and text[start - 1] in _ZERO_LIKE + _NUMERALS:
            start -= 1
        digits = text[start:at]
        if (len(digits) == 4 and (start == 0 or text[start - 1] not in _ZERO_LIKE + _NUMERALS + "十")
                and any(ch in _NUMERALS for ch in digits) and any(ch in _ZERO_LIKE for ch in digits)):
            out.append(text[last:start])
            out.append("".join("〇" if ch in _ZERO_LIKE else ch for ch in digits))
            last = at
        at = text.find("年", at + 1)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _drop_page_numbers(text: str) -> str:
    lines = text.split("\n")
    kept = [line for line in lines if len(line) > 24 or not _PAGE_NUMBER.fullmatch(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


def clean(text: str) -> str:
    """Normalise extracted text; idempotent (clean(clean(x)) == clean(x)).

    Each step runs only when its trigger character is present: this is called once per PDF
    page, where pdfium itself takes a third of a millisecond."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text or "\v" in text:
        text = text.replace("\f", "\n").replace("\v", "\n")
    if _NEEDS_WIDTH.search(text):
        text = text.translate(_WIDTH)
    if " " in text:
        text = _SPACE_BETWEEN_CJK.sub("", text)
        if "  " in text:
            text = _SPACES.sub(WIDE_GAP, text)
    if " " in text or "\t" in text:
        text = _LINE_EDGES.sub("", text)
    if "年" in text:
        text = _fix_years(text)
    text = _drop_page_numbers(text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n")


# --- OCR only -----------------------------------------------------------------------------
# An OCR engine cannot tell a full-width comma from an ASCII one, or 〔 from [; a 公文 prints
# the full-width forms next to Chinese, so that is what OCR text gets. Never applied to text
# layers, which keep the characters the author typed (a malformed 发文字号 stays visible).
_OCR_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT_NEAR_HAN = re.compile(f"(?<=[{_HAN}])\\s?([,:;?!])|([,:;?!])\\s?(?=[{_HAN}])")
_PAREN_NEAR_HAN = re.compile(f"[(（]\\s?([{_HAN}][^()（）\\n]{{0,30}}?)\\s?[)）]")
_YEAR_BRACKETS = re.compile(r"[\[［【〔(（]\s?((?:19|20)\d{2})\s?[\]］】〕)）](?=\s?第?\s?\d{1,5}\s?[号期])")


def ocr_punctuation(text: str) -> str:
    """Full-width punctuation next to Chinese, 〔〕 around the year of a 发文字号."""
    text = _YEAR_BRACKETS.sub(r"〔\1〕", text)
    text = _PAREN_NEAR_HAN.sub(r"（\1）", text)
    return _PUNCT_NEAR_HAN.sub(lambda m: _OCR_PUNCT[m.group(1) or m.group(2)], text)
