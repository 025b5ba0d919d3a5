"""The end of a 公文: 附件说明, 署名, 成文日期, 附注, 抄送, 印发机关和印发日期.

成文日期 is the date on a line of its own (or after the 署名 on the same line) in the signature
block: not a date inside a sentence, not the 印发 date, not a date in 附件 tables. OCR glues
lines together (「2026年11月5日抄送：…」, 「2026年9月15日(联系人：…)」) and tesseract turns
年/月/日 into letters on short lines, so the tolerant date pattern is used here and only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.understand import dates
from pipeline.understand.head import cjk_ratio, split_names

ATTACHMENT = re.compile(r"^附\s*件\s*\d{0,2}\s*[：:]\s*(?:\d+\s*[.．、]\s*)?(.+)$")
ATTACHMENT_MORE = re.compile(r"^\d+\s*[.．、]\s*(\S.*)$")
CONTACT = re.compile(r"[（(]\s*(联系人\s*[:：][^（）()]{2,80})[）)]?")
CONTACT_LOOSE = re.compile(r"(联系人\s*[:：]\s*[^。；\n]{2,60})")
CC = re.compile(r"^(?:抄\s*送|分\s*送)\s*[:：]\s*(.+?)[。.]?$")
MAIN_TO = re.compile(r"^主\s*送\s*[:：]\s*(.+?)[。.]?$")
PRINTED = re.compile(r"^\s*印\s*发")
ADOPTED = re.compile(r"^[（(].*通过[）)]$")
_SENTENCE = re.compile(r"[，。；：:,;、]")
_SUFFIX_OK = re.compile(r"^\s*$|^\s*[（(]\s*(?:联系人|此件|此页|附注)|^\s*(?:抄\s*送|分\s*送|主\s*送)")
_ORGAN_LINE = re.compile(r"^[^\d，。：:；;、]{2,40}$")
# what may follow the 成文日期: 附注, 版记, an attachment page, nothing
_AFTER_SIGNATURE = re.compile(r"^[（(]|^(?:抄\s*送|分\s*送|主\s*送|附\s*件\s*\d{0,2}$)|印\s*发$")


@dataclass(frozen=True)
class Tail:
    date: date | None = None
    date_line: int | None = None
    date_kind: str | None = None        # 署名, 纪要, 通过
    signature: str | None = None
    attachments: tuple[str, ...] = ()
    contact: str | None = None
    cc: tuple[str, ...] = ()
    main_to: tuple[str, ...] = ()
    printed_by: str | None = None
    printed_date: date | None = None
    end_of_body: int = 0                # first line index after the body


def _printed_like(prefix: str, index: int, total: int, body_start: int) -> bool:
    """「东湖大学教务处      2026年11月21日印发」 with 印发 lost to OCR: organ, a wide gap,
    the date, on one of the last lines."""  # noqa: D401
    return bool(re.search(r"\S\s{3,}$", prefix)) and index >= total - 3 and index > body_start


def read_tail(lines: tuple[str, ...], body_start: int, meeting_date_line: int | None) -> Tail:
    total = len(lines)
    found: dict = {}
    candidates: list[tuple[int, int, date]] = []        # (line, start, date)
    adopted = None
    for i in range(body_start, total):
        line = lines[i]
        if ADOPTED.match(line) and (d := dates.find_dates(line)):
            adopted = adopted or (i, d[0][2])
            continue
        for start, end, value in dates.find_dates(line, ocr=True):
            prefix, suffix = line[:start], line[end:]
            if PRINTED.match(suffix) or _printed_like(prefix, i, total, body_start):
                if "printed_date" not in found:
                    found["printed_date"] = value
                    by = prefix.strip()
                    found["printed_by"] = by if by and cjk_ratio(by) >= 0.7 else None
                continue
            if _SENTENCE.search(prefix) or len(prefix.strip()) > 24:
                continue
            if not (_SUFFIX_OK.match(suffix)
                    or (dates.find_dates(suffix, ocr=True) and not re.match(r"\s*[至到—\-~～]", suffix))):
                continue
            candidates.append((i, start, value))
    kind = None
    if candidates:
        # the first date-only line followed by 附注, 版记, an attachment page or the end; a
        # forwarded document or a table appended as 附件 carries dates of its own
        line_no, start, value = next(
            (c for c in candidates if c[0] + 1 >= total or _AFTER_SIGNATURE.search(lines[c[0] + 1])),
            candidates[-1])
        kind = "署名"
    elif meeting_date_line is not None and (d := dates.find_dates(lines[meeting_date_line])):
        line_no, start, value = meeting_date_line, d[0][0], d[0][2]
        kind = "纪要"
    elif adopted:
        (line_no, value), start = adopted, 0
        kind = "通过"
    else:
        line_no, start, value = None, 0, None

    signature = None
    if kind == "署名":
        before = lines[line_no][:start].strip()
        before = re.sub(r"^[^\u4e00-\u9fff]+", "", before)
        if len(before) >= 2 and cjk_ratio(before) >= 0.7:
            signature = before
        elif line_no > body_start:
            above = re.sub(r"^[^\u4e00-\u9fff]+|[^\u4e00-\u9fff）)]+$", "", lines[line_no - 1])
            if _ORGAN_LINE.match(above) and cjk_ratio(above) >= 0.7 and not above.startswith("附件"):
                signature = above

    attachments: list[str] = []
    end_of_body = line_no if line_no is not None else total
    if kind == "署名" and signature and not lines[line_no][:start].strip():
        end_of_body = line_no - 1
    for i in range(body_start, total):
        line = lines[i]
        if not attachments and (m := ATTACHMENT.match(line)):
            attachments.append(m.group(1).strip())
            end_of_body = min(end_of_body, i)
            for nxt in lines[i + 1:]:
                more = ATTACHMENT_MORE.match(nxt)
                if not more:
                    break
                attachments.append(more.group(1).strip())
        if (m := CC.match(line)) and "cc" not in found:
            found["cc"] = split_names(m.group(1))
        if (m := MAIN_TO.match(line)) and "main_to" not in found:
            found["main_to"] = split_names(m.group(1))
    text_after = "\n".join(lines[line_no:] if line_no is not None else lines[body_start:])
    contact = CONTACT.search(text_after) or CONTACT_LOOSE.search("\n".join(lines[body_start:]))
    return Tail(date=value, date_line=line_no, date_kind=kind, signature=signature,
                attachments=tuple(attachments), contact=contact.group(1).strip() if contact else None,
                cc=found.get("cc", ()), main_to=found.get("main_to", ()),
                printed_by=found.get("printed_by"), printed_date=found.get("printed_date"),
                end_of_body=end_of_body)
