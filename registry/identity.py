"""One 公文, one registration: when is a file a 公文 the register already holds?

A 公文 is identified by its 发文机关 and its canonical 发文字号. The same 通知 arriving as a docx
and later as a scan is one 公文 (``same_document``); the same bytes again are one file
(``same_file``). A document without a 文号 is never merged on its title alone. Where the
number matches but the title clearly differs (a misprinted or reused number, or a 转发 notice
whose own number was read from the title it quotes), the file is registered and the clerk is
warned: which it is, is the clerk's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import Connection, select

from core.vocab import RecordStatus
from registry.models import Document

SAME_FILE, SAME_DOCUMENT = "same_file", "same_document"
# OCR misreads a character or two; another 公文 differs in its words.
SIMILAR = 0.8
_NOT_TEXT = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Match:
    reg_no: str
    same: bool  # False: the 机关 and 文号 match but the title clearly differs

    def warning(self, doc_number: str) -> str:
        return (f"发文字号 {doc_number} 与 {self.reg_no} 相同，但标题明显不同：请核对是否误印、重号，"
                "或为转发文件。")


def find(connection: Connection, *, issuer: str | None, doc_number: str | None,
         title: str | None) -> Match | None:
    """The registered record this 公文 is, or whose number it shares; None when there is none."""
    if not issuer or not doc_number:
        return None
    rows = connection.execute(select(Document.reg_no, Document.issuer, Document.title).where(
        Document.doc_number == doc_number, Document.status != RecordStatus.VOID).order_by(Document.id)).all()
    candidates = [(reg_no, other_title) for reg_no, other_issuer, other_title in rows
                  if _similar(issuer, other_issuer)]
    for reg_no, other_title in candidates:
        if same_title(title, other_title):
            return Match(reg_no, same=True)
    return Match(candidates[0][0], same=False) if candidates else None


def same_title(one: str | None, other: str | None) -> bool:
    """Titles of one 公文, as two readings of it give them (either may be missing)."""
    if not one or not other:
        return True
    if ("转发" in one) != ("转发" in other):
        return False
    return _similar(one, other)


def _similar(one: str | None, other: str | None) -> bool:
    a, b = _NOT_TEXT.sub("", one or ""), _NOT_TEXT.sub("", other or "")
    return a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR
