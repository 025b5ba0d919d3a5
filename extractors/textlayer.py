"""Is a PDF page's text layer usable? (OCRmyPDF's per-page ``is_ocr_required``, for Chinese.)

A text layer is unusable when it is empty although the page has glyphs, when pdfminer reports
``(cid:N)`` (glyphs with no Unicode mapping), when it is full of control, private-use or
replacement characters (a font without a ToUnicode map), or when it is mojibake: a page of
Latin-1 letters and symbols where a Chinese page has Han characters.
"""

from __future__ import annotations

import re

_CID = re.compile(r"\(cid:\d+\)")
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd\ufffe\uffff]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN_EXT = re.compile(r"[\u00a0-\u024f\u02c0-\u02ff\ufb00-\ufb06]")

MAX_BAD_RATIO = 0.05
MIN_TEXT_PER_GLYPH = 0.5


def problem(text: str, glyphs: int | None = None) -> str | None:
    """Why the text layer cannot be used, or None when it can. ``glyphs`` is the number of
    characters the PDF engine found on the page, mapped or not."""
    # Cheap tests first, whole-text scans only when a trigger is present: this runs on every
    # PDF page.
    visible = len(text) - sum(text.count(ch) for ch in " \r\n\t\u3000")
    if visible == 0:
        return "no text layer" if not glyphs else f"{glyphs} glyphs but no text"
    if glyphs and visible < MIN_TEXT_PER_GLYPH * glyphs:
        return f"only {visible} characters for {glyphs} glyphs"
    if "(cid:" in text:
        return f"{len(_CID.findall(text))} (cid:N) glyphs without Unicode"
    if _BAD.search(text):
        bad = len(_BAD.findall(text))
        if bad > MAX_BAD_RATIO * visible:
            return f"{bad} of {visible} characters are control/private-use/replacement characters"
    if not _LATIN_EXT.search(text):
        return None
    latin_ext = len(_LATIN_EXT.findall(text))
    han = len(_HAN.findall(text))
    if latin_ext > 0.2 * visible and han < 0.2 * visible:
        return f"mojibake: {latin_ext} accented Latin/symbol characters, {han} Chinese"
    return None
