"""Which number a record gets: the next of its series, or the 发文字号 already printed on it.

A finished 发文 carries the number it was given when it was signed: it is registered under that
number, in the series whose format it matches, and no second number is issued. A draft whose
number has a blank sequence (「化学院函〔2026〕　号」) gets the next number of the series its
机关代字 names. The register shows the numbers a series skipped (``gaps``), for auditors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter

from sqlalchemy import Connection, select

from core.errors import WenshuError
from core.settings import Settings
from core.vocab import OUTGOING
from registry.models import Counter, Document


@dataclass(frozen=True)
class Printed:
    """A number as printed on the document, and where it belongs."""

    series: str
    year: int
    seq: int
    number: str


class NumberTaken(WenshuError):
    """A 发文 carries a number its series already gave to another record."""

    kind = "number_taken"

    def __init__(self, number: str, holder: str):
        super().__init__(f"发文字号重复：{number} 已登记为 {holder}。请核对纸面文号，"
                         "确属另一份文件的，请改正文号后重新放入发文目录。",
                         cause=f"{number} is registered as {holder}")
        self.number, self.holder = number, holder


def series_pattern(series_format: str, code: str) -> re.Pattern[str]:
    """A series' format as a pattern over its numbers: {year} four digits, {seq} digits."""
    parts = []
    for literal, name, _, _ in Formatter().parse(series_format):
        parts.append(re.escape(literal))
        if name == "year":
            parts.append(r"(?P<year>\d{4})")
        elif name == "seq":
            parts.append(r"0*(?P<seq>[1-9]\d*)")
        elif name == "code":
            parts.append(re.escape(code))
    return re.compile("".join(parts))


def printed_number(settings: Settings, direction: str, doc_number: str | None) -> Printed | None:
    """The series (of this direction) whose format the printed number matches."""
    if not doc_number:
        return None
    for name, series in settings.numbering.series.items():
        if series.direction != direction:
            continue
        found = series_pattern(series.format, settings.office.code).fullmatch(doc_number)
        if found:
            year, seq = int(found["year"]), int(found["seq"])
            return Printed(name, year, seq, series.number(year, seq, settings.office.code))
    return None


def draft_series(settings: Settings, draft: str | None, doc_type: str | None) -> str | None:
    """The 发文 series a draft belongs to: the one whose number begins as the draft's does
    (「化学院函〔2026〕」 → the 函 series); without a printed prefix, a 函 goes to a series whose
    numbers say 函, anything else to the default 发文 series."""
    outgoing = {name: series for name, series in settings.numbering.series.items() if series.direction == OUTGOING}
    if draft:
        head = _head(draft)
        for name, series in outgoing.items():
            if _head(series.number(2000, 1, settings.office.code)) == head:
                return name
        return None
    if doc_type == "函":
        for name, series in outgoing.items():
            if "函" in _head(series.number(2000, 1, settings.office.code)):
                return name
    return settings.numbering.default_outgoing


def _head(number: str) -> str:
    """What a number says before its year: the 机关代字 and the series word (化学院函)."""
    return re.split(r"[〔\[［(（【]", number, maxsplit=1)[0].strip()


def check_free(connection: Connection, printed: Printed) -> None:
    holder = connection.scalar(select(Document.reg_no).where(
        Document.series == printed.series, Document.year == printed.year, Document.seq == printed.seq))
    if holder is not None:
        raise NumberTaken(printed.number, holder)


def gaps(connection: Connection) -> list[tuple[str, int, list[int]]]:
    """(series, year, the sequence numbers never used below the highest one), per series and
    year that has any. A printed 发文字号 may leave such gaps; registration never does."""
    used: dict[tuple[str, int], set[int]] = {}
    for series, year, seq in connection.execute(select(Document.series, Document.year, Document.seq)):
        used.setdefault((series, year), set()).add(seq)
    highest = {(series, year): last for series, year, last in connection.execute(
        select(Counter.series, Counter.year, Counter.last_seq).where(Counter.series.not_like("档:%")))}
    found = []
    for key in sorted(set(used) | set(highest)):
        top = max(highest.get(key, 0), max(used.get(key, {0})))
        missing = [n for n in range(1, top + 1) if n not in used.get(key, set())]
        if missing:
            found.append((key[0], key[1], missing))
    return found

