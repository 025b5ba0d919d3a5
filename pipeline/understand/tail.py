"""The end of a 公文: 附件说明, 署名, 成文日期, 附注, 抄送, 印发机关和印发日期.

成文日期 is the date on a line of its own (or after the 署名 on the same line) in the signature
block: not a date inside a sentence, not the 印发 date, not a date in 附件 tables. OCR glues
lines together (「2026年11月5日抄送：…」, 「2026年9月15日(联系人：…)」) and tesseract turns
年/月/日 into letters on short lines, so the tolerant date pattern is used here and only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from pipeline.understand import dates
from pipeline.understand.head import cjk_ratio, split_names
from pipeline.understand.title import is_organ

ATTACHMENT = re.compile(r"^附\s*件\s*\d{0,2}\s*[：:]\s*(?:\d+\s*[.．、]\s*)?(.+)$")
ATTACHMENT_MORE = re.compile(r"^\d+\s*[.．、]\s*(\S.*)$")
CONTACT = re.compile(r"[（(]\s*(联系人\s*[:：][^（）()]{2,80})[）)]?")
CONTACT_LOOSE = re.compile(r"(联系人\s*[:：]\s*[^。；\n]{2,60})")
CC = re.compile(r"^(?:抄\s*送|分\s*送)\s*[:：]\s*(.+?)[。.]?$")
MAIN_TO = re.compile(r"^主\s*送\s*[:：]\s*(.+?)[。.]?$")
PRINTED = re.compile(r"^\s*印\s*发")
# a 决议's or 纪要's 题注 「（…会议通过）」, 「（…会议审定）」, its bracket lost to OCR or not
ADOPTED = re.compile(r"^[（(].*(?:通过|审定|审议|批准|议定)[）)]?$")
# a history note under a regulation's title: 「（2003年5月9日国务院令第376号发布　根据…修订）」; its dates
# are the regulation's, not the document's
HISTORY_NOTE = re.compile(r"^[（(][^（）()]*?(?:发布|公布|施行|修订|修正|废止)")
# what a seal printed over the date line leaves after it in OCR text: 「2026年3月9日期」, 「…日印」
_SEAL_NOISE = re.compile(r"^\s*[^\s\d，。；：:,;、（(至到起前后止以内上下中晚早]{1,2}\s*$")
_SENTENCE = re.compile(r"[，。；：:,;、]")
# a date in running text that a line break ended (「《…规定》已经2026年11月20日」 over 「…会议通过」):
# a 署名 quotes no title and does not end in a word that leads into a date
_RUNNING = re.compile(r"[《》“”\"]|(?:已经|经|于|在|自|从|截至|截止|至|到|为)\s*$")
_SUFFIX_OK = re.compile(r"^\s*$|^\s*[（(]\s*(?:联系人|此件|此页|附注)|^\s*(?:抄\s*送|分\s*送|主\s*送)")
_ORGAN_LINE = re.compile(r"^[^\d，。：:；;、,.;《》]{2,40}$")
_SENTENCE_END = re.compile(r"[。！？!?]\s*")
SIGNING_UNITS_MAX = 4
# what a seal leaves between the signing units: 「（印章）」, 「[公章]」, 「(盖章)」
SEAL_LINE = re.compile(r"^[（(\[【]?\s*(?:印章|公章|盖章|签章|签名盖章|章)\s*[）)\]】]?$")
# a date line the page lost 年, 月 and 日 from: 「2025114」, 「20251104」
_DIGITS_DATE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<md>\d{3,4})$")
# what may follow the 成文日期: 附注, 版记, an attachment page, nothing
_AFTER_SIGNATURE = re.compile(r"^[（(]|^(?:抄\s*送|分\s*送|主\s*送|附\s*件\s*\d{0,2}$)|印\s*发$")


@dataclass(frozen=True)
class Tail:
    date: date | None = None
    date_line: int | None = None
    date_kind: str | None = None        # 署名, 纪要, 通过
    date_misread: str | None = None     # the 成文日期 as printed, when OCR misread a numeral of its year
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


def read_tail(lines: tuple[str, ...], body_start: int, meeting_date_line: int | None, *,
              signed_first: bool = False, misread_years: range | None = None) -> Tail:
    """``signed_first``: the signature comes before the rest of the text (a 令 and the regulation
    it promulgates), so its date is the first date line. ``misread_years`` (OCR text only): the
    years a date line whose year OCR misread in one numeral may be read as, when none is read."""
    total = len(lines)
    scan = _scan_dates(lines, body_start)
    if signed_first:
        del scan.candidates[1:]
    line_no, start, value, kind = _pick_date(lines, scan, meeting_date_line)
    misread = None
    if line_no is None and misread_years and (found := _misread_date_line(lines, body_start, misread_years)):
        line_no, start, value, misread = found
        kind = "署名"
    signature, signed_from = _signature(lines, line_no, start, body_start) if kind == "署名" else (None, None)
    end_of_body = line_no if line_no is not None else total
    if signature and signed_from < line_no:
        end_of_body = signed_from          # the 署名 lines above the date are not body text
    attachments, first_attachment = _attachments(lines, body_start)
    if first_attachment is not None:
        end_of_body = min(end_of_body, first_attachment)
    contact = _contact(lines, line_no, body_start)
    return Tail(date=value, date_line=line_no, date_kind=kind, date_misread=misread, signature=signature,
                attachments=attachments, contact=contact,
                cc=_first_names(lines, body_start, CC), main_to=_first_names(lines, body_start, MAIN_TO),
                printed_by=scan.printed_by, printed_date=scan.printed_date, end_of_body=end_of_body)


@dataclass
class _DateScan:
    candidates: list[tuple[int, int, date]] = field(default_factory=list)   # (line, start, date)
    adopted: tuple[int, date] | None = None     # the first 「（…通过）」 line and its date
    printed_date: date | None = None
    printed_by: str | None = None
    body_start: int = 0


def _scan_dates(lines: tuple[str, ...], body_start: int) -> _DateScan:
    """Every date below the title that may be the 成文日期, the 通过 date, and the 印发 date."""
    total = len(lines)
    scan = _DateScan(body_start=body_start)
    for i in range(body_start, total):
        line = lines[i]
        if (note := _adopted(lines, i)) and (d := dates.find_dates(note, ocr=True)):
            scan.adopted = scan.adopted or (i, d[0][2])
            continue
        if HISTORY_NOTE.match(line):
            continue
        for start, end, value in dates.find_dates(line, ocr=True):
            prefix, suffix = line[:start], line[end:]
            if PRINTED.match(suffix) or _printed_like(prefix, i, total, body_start):
                if scan.printed_date is None:
                    scan.printed_date = value
                    by = prefix.strip()
                    scan.printed_by = by if by and cjk_ratio(by) >= 0.7 else None
                continue
            if ((_SENTENCE.search(prefix) or _RUNNING.search(prefix) or len(prefix.strip()) > 24)
                    and not _signed_after_text(prefix, suffix)):
                continue
            if not (_SUFFIX_OK.match(suffix) or _SEAL_NOISE.match(suffix) or _date_follows(suffix)):
                continue
            scan.candidates.append((i, start, value))
    return scan


def _date_follows(suffix: str) -> bool:
    """Another date after the date on its line, OCR having glued two lines (「2026年11月20日
    东湖大学教务处 2026年11月21日印发」): not a range (至, —), not a date later in a sentence
    (「2024年3月1日省人民政府常务会议通过，…自2024年5月1日起施行」)."""
    found = dates.find_dates(suffix, ocr=True)
    return bool(found) and not re.match(r"\s*[至到—\-~～]", suffix) and not _SENTENCE.search(suffix[:found[0][0]])


def _signed_after_text(prefix: str, suffix: str) -> bool:
    """A signature and date glued after the last sentence of a line (a page that flattened the
    document onto one line: 「…度过节日假期。 国务院办公厅 2022年12月8日」): the words before the
    date name an organ, not the start of the next sentence (「…宣传组。各组要于2026年12月20」)."""
    parts = _SENTENCE_END.split(prefix)
    unit = parts[-1].strip()
    return (not suffix.strip() and len(parts) > 1 and 2 <= len(unit) <= 24 and not _SENTENCE.search(unit)
            and cjk_ratio(unit) >= 0.7 and is_organ(unit))


def _adopted(lines: tuple[str, ...], i: int) -> str | None:
    """The 题注 「（2026年4月2日…会议通过）」 or 「（…审定）」 starting at line ``i``, over one or two lines."""
    line = lines[i]
    if ADOPTED.match(line):
        return line
    if line.startswith(("（", "(")) and not re.search(r"[）)]", line) and i + 1 < len(lines):
        joined = line + lines[i + 1]
        return joined if ADOPTED.match(joined) else None
    return None


def _pick_date(lines: tuple[str, ...], scan: _DateScan, meeting_date_line: int | None
               ) -> tuple[int | None, int, date | None, str | None]:
    """(line, start, 成文日期, kind): a signature-block date, else a 纪要's, else a 通过 date."""
    total = len(lines)
    if scan.candidates:
        # the first date-only line followed by 附注, 版记, an attachment page or the end; a
        # forwarded document or a table appended as 附件 carries dates of its own
        line_no, start, value = next(
            (c for c in scan.candidates if c[0] + 1 >= total or _AFTER_SIGNATURE.search(lines[c[0] + 1])),
            scan.candidates[-1])
        return line_no, start, value, "署名"
    if meeting_date_line is not None and (d := dates.find_dates(lines[meeting_date_line])):
        return meeting_date_line, d[0][0], d[0][2], "纪要"
    if scan.adopted:
        (line_no, value) = scan.adopted
        return line_no, 0, value, "通过"
    if (digits := _digits_date_line(lines, scan.body_start)) is not None:
        return digits[0], 0, digits[1], "署名"
    return None, 0, None, None


def _digits_date_line(lines: tuple[str, ...], body_start: int) -> tuple[int, date | None] | None:
    """(line, date) of a date line whose 年, 月 and 日 the page lost (「2025114」), among the last
    lines: it still ends the signature block. Its date is the one reading of the digits that is
    a day (20251104; 2025131 is 1月31日), else unknown (2025114: 1月14日 or 11月4日)."""
    for i in range(len(lines) - 1, max(body_start, len(lines) - 4) - 1, -1):
        if m := _DIGITS_DATE.match(lines[i].strip()):
            year, md = int(m.group("y")), m.group("md")
            days = {d for cut in (len(md) - 2, len(md) - 1)     # month of one or two digits, day after it
                    if 1 <= cut <= 2 and (d := dates.make(year, int(md[:cut]), int(md[cut:])))}
            return i, days.pop() if len(days) == 1 else None
    return None


def _misread_date_line(lines: tuple[str, ...], body_start: int, years: range
                       ) -> tuple[int, int, date, str] | None:
    """(line, start, date, as printed) of the last signature or date line whose Chinese-numeral
    date OCR misread one numeral of the year of (「二〇上六年九月二十六日」): the date alone, or
    after a short 署名, with nothing after it but what a seal leaves or a 附注."""
    for i in range(len(lines) - 1, body_start - 1, -1):
        found = dates.find_misread(lines[i], years)
        if not found:
            continue
        prefix, suffix = lines[i][:found[0]], lines[i][found[1]:]
        if (not _SENTENCE.search(prefix) and len(prefix.strip()) <= 24
                and (_SUFFIX_OK.match(suffix) or _SEAL_NOISE.match(suffix))):
            return i, found[0], found[2], found[3]
    return None


def _signature(lines: tuple[str, ...], line_no: int, start: int, body_start: int) -> tuple[str | None, int]:
    """署名 and its first line: before the date on its line (after the last sentence, when a page
    flattened the document onto one line), else the signing units on the lines above, all of
    them in order, joined with 、 (「党政办公室」 over 「后勤服务保障部」): a seal's mark between them
    (「（印章）」) is skipped, and so is the date line of each unit that signs over its own date.
    Units each with the date on its line (「资产管理处　2026年9月26日」) are all of them too."""
    before = _SENTENCE_END.split(lines[line_no][:start])[-1].strip()
    before = re.sub(r"^[^\u4e00-\u9fff]+", "", before)
    if len(before) >= 2 and cjk_ratio(before) >= 0.7:
        dated, i = [before], line_no - 1
        while i >= body_start and len(dated) < SIGNING_UNITS_MAX and (unit := _dated_unit(lines[i])):
            dated.insert(0, unit)
            i -= 1
        return "、".join(dated), i + 1
    units: list[str] = []
    top = i = line_no - 1
    while i >= body_start and len(units) < SIGNING_UNITS_MAX:
        if SEAL_LINE.match(lines[i]) or (units and _date_alone(lines[i])):
            i -= 1      # a seal's mark between the units, or the date line of the unit below
            continue
        if not (unit := _signing_unit(lines[i], first=not units)):
            break
        units.insert(0, unit)
        top = i = i - 1
    return ("、".join(units) or None), top + 1


def _dated_unit(line: str) -> str | None:
    """The organ of a line that is an organ's name and a date (「东湖大学保卫处  2026年9月26日」)."""
    found = dates.find_dates(line, ocr=True)
    if len(found) != 1 or line[found[0][1]:].strip():
        return None
    name = line[:found[0][0]].strip()
    return name if _ORGAN_LINE.match(name) and is_organ(name) else None


def _date_alone(line: str) -> bool:
    found = dates.find_dates(line, ocr=True)
    return len(found) == 1 and not (line[:found[0][0]] + line[found[0][1]:]).strip()


def _signing_unit(line: str, *, first: bool) -> str | None:
    """A line of the 署名: the line nearest the date is a short Chinese name, stray marks around it
    dropped (a unit the organ list does not know); a line above it only an organ's name alone
    (never the end of a sentence: 「…报党委组织部。」)."""
    name = re.sub(r"^[^\u4e00-\u9fff]+|[^\u4e00-\u9fff）)]+$", "", line)
    if not _ORGAN_LINE.match(name) or cjk_ratio(name) < 0.7 or name.startswith("附件"):
        return None
    return name if first or (name == line.strip() and is_organ(name)) else None


def _attachments(lines: tuple[str, ...], body_start: int) -> tuple[tuple[str, ...], int | None]:
    """附件说明 (the first 「附件：」 line and the numbered lines under it), and its line."""
    for i in range(body_start, len(lines)):
        if m := ATTACHMENT.match(lines[i]):
            attachments = [m.group(1).strip()]
            for nxt in lines[i + 1:]:
                more = ATTACHMENT_MORE.match(nxt)
                if not more:
                    break
                attachments.append(more.group(1).strip())
            return tuple(attachments), i
    return (), None


def _first_names(lines: tuple[str, ...], body_start: int, pattern: re.Pattern) -> tuple[str, ...]:
    """The names on the first line below ``body_start`` that ``pattern`` matches (抄送, 主送)."""
    for line in lines[body_start:]:
        if m := pattern.match(line):
            return split_names(m.group(1))
    return ()


def _contact(lines: tuple[str, ...], line_no: int | None, body_start: int) -> str | None:
    """附注's 联系人, in brackets from the 成文日期 on, else anywhere below the title."""
    text_after = "\n".join(lines[line_no:] if line_no is not None else lines[body_start:])
    contact = CONTACT.search(text_after) or CONTACT_LOOSE.search("\n".join(lines[body_start:]))
    return contact.group(1).strip() if contact else None
