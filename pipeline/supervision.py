"""督办 from meeting minutes: the 议定事项 of a 纪要 that assign work — 「由…负责」, 「由…牵头」,
「请…牵头」, 「要求…于…前完成」, 「…要于…前提交」 — are proposed as 督办 items (主办 as written,
时限, the decision's text); the clerk confirms the ones to track, and each becomes a handling of
route 督办 (item 1..n) tracked like a 办件 (``registry/handling_supervision.py``).

Proposals are read from the stored text each time: nothing is written until the clerk confirms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import SUPERVISION
from pipeline.understand.dates import DAY, MONTH, find_dates, roll_forward
from registry import handling, handling_supervision, queries, users
from registry.audit import as_utc

# A decision's heading: 一、 二、 (一) （二） 1. 2、 at the start of a line.
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[、.．])")
_WHO = r"(?P<who>[^，。；：！？\s由请要求于]{2,30}?)"
_WHEN = rf"(?P<when>(?:(?:19|20)\d{{2}}\s*年\s*)?(?:{MONTH})\s*月\s*(?:{DAY})\s*[日号])"
# The assignment patterns, most specific first; each names 主办 as ``who``, maybe a date ``when``.
PATTERNS = (
    re.compile(rf"要求{_WHO}(?:要|须|必须|应)?于{_WHEN}(?:之)?前"),
    re.compile(rf"(?:^|[，；。])\s*{_WHO}(?:要|须|必须|应)于{_WHEN}(?:之)?前"),
    re.compile(rf"由{_WHO}(?:负责|牵头)"),
    re.compile(rf"请{_WHO}(?:牵头|负责)"),
)
_MONTH_DAY = re.compile(rf"(?P<m>{MONTH})\s*月\s*(?P<d>{DAY})\s*[日号]")
_JOIN = re.compile(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])")  # a line wrapped inside a sentence


@dataclass(frozen=True)
class Proposal:
    number: int            # 1..n in the order of the text
    lead: str              # the unit or person named, as written
    deadline: date | None
    text: str              # the decision: its heading and the sentence that assigns the work
    confirmed: bool = False  # already a 督办 item of this record

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "lead": self.lead,
                "deadline": self.deadline.isoformat() if self.deadline else None, "text": self.text,
                "confirmed": self.confirmed}


def propose(text: str, written: date | None) -> list[Proposal]:
    """The 督办 proposals in a 纪要's ``text``; dates without a year are read after ``written``
    (its 成文日期)."""
    found: list[Proposal] = []
    for heading, body in _decisions(text):
        for sentence in _sentences(body):
            for pattern in PATTERNS:
                match = pattern.search(sentence)
                if match is None:
                    continue
                lead = _clean(match.group("who"))
                if not lead:
                    continue
                when = _date(sentence, written)
                subject = f"{heading}：{sentence}" if heading else sentence
                found.append(Proposal(len(found) + 1, lead, when, subject))
                break
    return found


def _decisions(text: str) -> list[tuple[str | None, str]]:
    """(heading, body) of each numbered decision; the whole text when nothing is numbered."""
    parts: list[tuple[str | None, list[str]]] = []
    for line in text.replace("\r", "").split("\n"):
        heading = _HEADING.match(line)
        if heading:
            title = line[heading.end():].strip()
            short = title if len(title) <= 30 and not title.endswith("。") else None
            parts.append((short, [] if short else [title]))
        elif parts:
            parts[-1][1].append(line)
    if not parts:
        return [(None, text)]
    return [(heading, "\n".join(lines)) for heading, lines in parts]


def _sentences(body: str) -> list[str]:
    joined = _JOIN.sub("", body.strip())
    joined = re.sub(r"\n+", "", joined)
    return [part.strip() + "。" for part in re.split(r"。", joined) if part.strip()]


def _clean(who: str) -> str:
    who = re.sub(r"^(?:会议|学院要求|会议要求|同时|并|另)", "", who.strip())
    return who.strip("，、 ")


def _date(sentence: str, written: date | None) -> date | None:
    full = find_dates(sentence)
    if full:
        return full[0][2]
    match = _MONTH_DAY.search(sentence)
    if match and written:
        return roll_forward(int(match.group("m")), int(match.group("d")), written)
    return None


def proposals(engine: Engine, settings: Settings, reg_no: str) -> list[Proposal]:
    """The 督办 proposals of a registered record (a 纪要), marking those already confirmed."""
    document = queries.get(engine, reg_no)
    written = document.date or as_utc(document.registered_at).astimezone(settings.zone).date()
    confirmed = {item.subject for item in handling.items(engine, document.reg_no) if item.route == SUPERVISION}
    return [Proposal(p.number, p.lead, p.deadline, p.text, p.text in confirmed)
            for p in propose(document.text or "", written)]


def confirm(engine: Engine, settings: Settings, reg_no: str, numbers: Sequence[int], actor: str) -> list[handling.Handling]:
    """The clerk confirms the proposals ``numbers``: each becomes a 督办 item (承办中, its 主办 and
    时限 as proposed). A number already confirmed, or not proposed, is an error; nothing is written."""
    found = proposals(engine, settings, reg_no)
    by_number = {proposal.number: proposal for proposal in found}
    unknown = [n for n in numbers if n not in by_number]
    if unknown or not numbers:
        raise InvalidValue(f"没有第 {'、'.join(map(str, unknown)) or '？'} 条督办建议（共 {len(found)} 条）",
                           fix=f"Run `wenshu supervise {reg_no}` to see the numbered proposals.")
    again = [n for n in numbers if by_number[n].confirmed]
    if again:
        raise InvalidValue(f"第 {'、'.join(map(str, again))} 条已确认为督办事项", fix="Leave it out.")
    account = users.get_account(engine, actor)
    chosen = [by_number[n] for n in dict.fromkeys(numbers)]
    return handling_supervision.confirm_items(
        engine, queries.resolve(engine, reg_no), [(p.text, p.lead, p.deadline) for p in chosen], account)
