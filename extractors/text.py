"""Plain text: UTF-8 (with or without BOM), UTF-16/32 with BOM, GB18030 (a superset of GBK and
GB2312, what Chinese Windows writes as "ANSI"), then charset-normalizer's best guess (Big5...).
Binary data is refused instead of being decoded into nonsense."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from extractors.cleanup import clean
from extractors.errors import Unsupported
from extractors.model import Extracted, Page

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, newline, carriage return and form feed never occur in
# real text; a few percent of them means the bytes are not text in that encoding.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MAX_CONTROL_RATIO = 0.01


def _plausible(decoded: str) -> bool:
    if not decoded:
        return True
    return len(_CONTROL.findall(decoded)) <= _MAX_CONTROL_RATIO * len(decoded)


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 shows NUL in every other byte; Chinese UTF-16 has none, so without
    a BOM only the first case is recognisable."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _try(data: bytes, encoding: str, final: bool) -> str | None:
    try:
        decoded = codecs.getincrementaldecoder(encoding)("strict").decode(data, final=final)
    except (UnicodeDecodeError, LookupError):
        return None
    return decoded if _plausible(decoded) else None


def decode(data: bytes, *, final: bool = True) -> tuple[str, str] | None:
    """(text, encoding), or None when the bytes are not text. ``final=False`` for a prefix
    that may end inside a multi-byte character."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            decoded = _try(data, encoding, final)
            return (decoded, encoding) if decoded is not None else None
    encoding = _utf16_without_bom(data)
    if encoding:
        decoded = _try(data, encoding, final)
        return (decoded, encoding) if decoded is not None else None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8", "gb18030"):
        decoded = _try(data, encoding, final)
        if decoded is not None:
            return decoded, encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536] if not final else data).best()
    if best is None:
        return None
    decoded = _try(data, best.encoding, final)
    return (decoded, best.encoding) if decoded is not None else None


def looks_like_text(head: bytes) -> bool:
    return decode(head, final=False) is not None


def extract(path: Path, settings, fmt: str = "txt") -> Extracted:
    # Only what can become the text kept (limits.max_text_chars) is read: no encoding takes more
    # than 4 bytes a character. A 200 MB text file is not read, decoded and cleaned whole.
    with path.open("rb") as handle:
        data = handle.read(4 * settings.limits.max_text_chars + 4)
        more = bool(handle.read(1))
    result = decode(data, final=not more)
    if result is None:
        raise Unsupported("文件内容不是可识别的文本（可能是损坏的文件或不支持的二进制格式）。"
                          "请确认文件能正常打开，另存为 PDF 或 Word 后再投递。",
                          cause=f"{path.name}: no text encoding decodes it without control characters")
    decoded, encoding = result
    return Extracted(format=fmt, pages=(Page(1, "txt", clean(decoded), source=encoding),))
