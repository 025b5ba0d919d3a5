"""Is a PDF page's text layer usable? (OCRmyPDF's per-page ``is_ocr_required``, for Chinese.)

A text layer is unusable when it is empty although the page has glyphs, when pdfminer reports
``(cid:N)`` (glyphs with no Unicode mapping), when it is full of control, private-use or
replacement characters (a font without a ToUnicode map), when it is mojibake: a page of
Latin-1 letters and symbols where a Chinese page has Han characters, or when it is not language
at all: ASCII symbol soup such as 「"7+%-」, what pdfium gives for a TrueType or CID font with no
Unicode mapping whose glyph codes fall in the printable ASCII range (see ``_not_language``).

The verdict says whether the glyphs are there but *unmapped* (every case above except an empty
or too short text): then no other text reader can be trusted with the page either. pdfminer,
for one, maps such glyphs through the embedded font's own tables and can return fluent but
wrong Chinese for a subset font, so such a page goes to OCR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CID = re.compile(r"\(cid:\d+\)")
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd\ufffe\uffff]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN_EXT = re.compile(r"[\u00a0-\u024f\u02c0-\u02ff\ufb00-\ufb06]")

MAX_BAD_RATIO = 0.05
MIN_TEXT_PER_GLYPH = 0.5


@dataclass(frozen=True)
class Problem:
    reason: str
    unmapped: bool = True  # glyphs read without a Unicode mapping (False: text missing)

    def __str__(self) -> str:
        return self.reason


def problem(text: str, glyphs: int | None = None) -> Problem | None:
    """Why the text layer cannot be used, or None when it can. ``glyphs`` is the number of
    characters the PDF engine found on the page, mapped or not."""
    # Cheap tests first, whole-text scans only when a trigger is present: this runs on every
    # PDF page.
    visible = len(text) - sum(text.count(ch) for ch in " \r\n\t\u3000")
    if visible == 0:
        return Problem("no text layer" if not glyphs else f"{glyphs} glyphs but no text", unmapped=False)
    if glyphs and visible < MIN_TEXT_PER_GLYPH * glyphs:
        return Problem(f"only {visible} characters for {glyphs} glyphs", unmapped=False)
    if "(cid:" in text:
        return Problem(f"{len(_CID.findall(text))} (cid:N) glyphs without Unicode")
    if _BAD.search(text):
        bad = len(_BAD.findall(text))
        if bad > MAX_BAD_RATIO * visible:
            return Problem(f"{bad} of {visible} characters are control/private-use/replacement characters")
    if _LATIN_EXT.search(text):
        latin_ext = len(_LATIN_EXT.findall(text))
        han = len(_HAN.findall(text))
        if latin_ext > 0.2 * visible and han < 0.2 * visible:
            return Problem(f"mojibake: {latin_ext} accented Latin/symbol characters, {han} Chinese")
    # Symbol soup is ASCII; a Chinese page is mostly not, and skips the token scan.
    ascii_visible = len(text.encode("ascii", "ignore")) - sum(text.count(ch) for ch in " \r\n\t")
    if ascii_visible >= 0.5 * visible:
        return _not_language(text)
    return None


# --- Is it language? ------------------------------------------------------------------------
# A font with no Unicode mapping makes pdfium return its glyph codes as characters. Codes below
# 32 are control characters (caught above); codes 33-126 are ASCII punctuation, digits and
# letters in no order: 「"7+%-」. Real text, even a table of figures or a page of web addresses,
# is made of Chinese, numbers and words; soup is not. Each whitespace-separated token counts:
# - whole, as language: a token with a Chinese character, or a number (12.5%, 2026-03-09,
#   ¥1,234.00, (3), 10:30); a number counting up (3456) counts for neither;
# - otherwise run by run. Letters: a run that looks typed (lower, UPPER, Capitalised or
#   camelCase, with a vowel unless short) is language; a run whose case flips at random (qZ,
#   KqZmB) or that counts up the alphabet (hijk) is noise; single letters and long runs without
#   a vowel (lxml) count for neither, as digits do. Punctuation: at the token's edges
#   ("quoted", (see), end.) and in short joins between letters and digits (e-mail, U.S.A.,
#   GB/T, don't, https://) it counts for neither; anywhere else it is noise, and it makes the
#   runs of one or two characters beside it noise too (2i)A0`AZ);
# - for neither: a run of one repeated character (----, ...., ____: rules and leaders) and
#   non-ASCII symbols (•, →, —). Letters outside ASCII (é, ß, Cyrillic) are language.
# The page is not language when noise outweighs language (and there are at least 3 characters
# of noise).
_EDGE_OPEN = "\"'`([{<«“‘"
_EDGE_CLOSE = "\"'`)]}>»”’.,;:!?"
_RUNS = re.compile(r"([^\W\d_]+)|(\d+)|([^\w\s]+|_+)")
_JOIN = set("-'’.@_/&:?=#%~+")
_NUMBER = re.compile(r"[-+±~≈<>$¥€£#№]?\d[\d.,:/\-–~]*[%‰°]?")
_TYPED = re.compile(r"[a-z]+|[A-Z]+|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*")
_VOWELS = re.compile(r"[aeiouyAEIOUY]")
MIN_NOISE = 3


def _counting(run: str) -> bool:
    """3456, hijk: glyphs numbered in the order they are first used read as the code points
    counting up, and no word or figure does that for four characters."""
    return len(run) >= 4 and all(ord(b) - ord(a) == 1 for a, b in zip(run, run[1:]))


def _letters_kind(letters: str) -> str:
    """A run of two or more letters: "language" when a person could have typed it, "noise" when
    its case flips at random (qZ, KqZmB), "" when it might be an abbreviation (lxml, tqdm)."""
    if not letters.isascii():
        return "language"
    if not _TYPED.fullmatch(letters):
        return "noise"
    if len(letters) <= 3 or (letters.isupper() and len(letters) <= 5) or _VOWELS.search(letters):
        return "language"
    return ""


def _score(token: str) -> tuple[int, int]:
    """(language, noise) characters of one token (see above)."""
    if _HAN.search(token):
        return len(token), 0
    core = token.lstrip(_EDGE_OPEN).rstrip(_EDGE_CLOSE)
    if not core:  # only edge punctuation: a rule (----) is neither, a stray mark is noise
        return (0, 0) if len(token) >= 3 and len(set(token)) == 1 else (0, len(token))
    if len(core) >= 3 and len(set(core)) == 1:
        return 0, 0
    if not core.isascii() and not any(ch.isalnum() for ch in core):
        return 0, 0
    if _NUMBER.fullmatch(core):
        return (0, 0) if _counting(core) else (len(core), 0)
    runs = _RUNS.findall(core)
    sizes = [len(letters or digits or marks) for letters, digits, marks in runs]
    kinds = [""] * len(runs)  # per run: "language", "noise" or "" (neither)
    for k, (letters, _digits, marks) in enumerate(runs):
        if letters and len(letters) > 1:
            kinds[k] = "noise" if _counting(letters) else _letters_kind(letters)
        elif marks:
            inside = 0 < k < len(runs) - 1
            if not (inside and len(marks) <= 3 and all(ch in _JOIN for ch in marks)):
                kinds[k] = "noise"
    for k, (_letters, _digits, marks) in enumerate(runs):
        if marks and kinds[k] == "noise" and 0 < k < len(runs) - 1:
            for near in (k - 1, k + 1):  # 2i)A0`AZ: short runs beside an odd mark are soup too
                if sizes[near] <= 2:
                    kinds[near] = "noise"
    language = sum(size for size, kind in zip(sizes, kinds) if kind == "language")
    noise = sum(size for size, kind in zip(sizes, kinds) if kind == "noise")
    return language, noise


def _not_language(text: str) -> Problem | None:
    language = noise = 0
    for token in text.split():
        lang, bad = _score(token)
        language += lang
        noise += bad
    if noise >= MIN_NOISE and noise > language:
        return Problem(f"not language: {noise} characters of symbols or stray letters, {language} of "
                       "words, numbers or Chinese")
    return None
