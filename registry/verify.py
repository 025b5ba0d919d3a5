"""What ``wenshu audit verify`` proves, check by check (docs/security.md says the same for auditors):

1. The chain: events are numbered 1..n without a hole, each names the hash of the one before,
   and each hash recomputes: HMAC-SHA256 under the audit key from the key's first event on, so
   the chain cannot be recomputed by whoever can only write the database. The key file and the
   database agree from which event on the chain is keyed.
2. The head: the chain ends where ``chain_head`` says it does (a cut-off tail shows; a tail cut
   off *and* the head moved back is caught only by an auditor's checkpoint, 5).
3. The register: every document has its ``registered`` event and its newest event's digest of
   the row; every ``registered`` event still has its document (a deleted row is named).
4. The numbers: replaying the registrations in order, each number taken from a series is the
   one after the last (a printed 发文字号 may jump ahead, and says so in its event), and each
   series' counter stands where the replay ends (a raised counter would make the next number
   leave a gap; it is named before it does).
5. The checkpoints given: each was sealed with this registry's key, and the log still holds its
   event with the same hash: the log was neither cut back past it nor rewritten before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit import GENESIS_HASH, Action, event_hash, record_digest
from registry.auditkey import AuditKey
from registry.checkpoints import Checkpoint
from registry.models import AuditEvent, ChainHead, Counter, Document

ARCHIVE_COUNTER_PREFIX = "档:"   # 件号 counters of the archive (filing.py), not registration series


@dataclass(frozen=True)
class Break:
    seq: int | None       # the first event that does not verify (None: the problem is not one event)
    record: str | None
    problem: str

    @property
    def where(self) -> str:
        return f"第 {self.seq} 条事件" if self.seq is not None else (f"记录 {self.record}" if self.record else "审计日志")


@dataclass
class _Registration:
    record: str
    series: str
    year: int
    seq: int
    printed: bool | None    # None: an event written before events said (decided by the row's direction)


@dataclass
class _Walk:
    end_seq: int = 0
    end_hash: str = GENESIS_HASH
    registrations: list[_Registration] = field(default_factory=list)
    last_digest: dict[str, str] = field(default_factory=dict)
    hashes_wanted: dict[int, str] = field(default_factory=dict)   # checkpoint seq -> hash found


def verify(session: Session, key: AuditKey | None, checkpoints: Iterable[Checkpoint] = (),
           batch: int = 5000) -> list[Break]:
    """Every problem found, first break first; an empty list means the log is intact."""
    head = session.get(ChainHead, 1)
    if problem := _key_problem(head, key):
        return [problem]
    checkpoints = list(checkpoints)
    walk = _Walk(hashes_wanted={0: GENESIS_HASH, **{c.seq: "" for c in checkpoints if c.seq}})
    problems = _walk_chain(session, key, walk, batch)
    if problems:
        return problems
    if head.last_seq != walk.end_seq or head.last_hash != walk.end_hash:
        problems.append(Break(walk.end_seq or None, None,
                              f"审计日志止于第 {walk.end_seq} 条，而链头记载为第 {head.last_seq} 条：日志末尾被截去"))
    problems += _register_problems(session, walk)
    problems += _number_problems(session, walk)
    problems += _item_problems(session)
    problems += [p for c in checkpoints if (p := _checkpoint_problem(c, key, walk))]
    return problems


def _key_problem(head: ChainHead, key: AuditKey | None) -> Break | None:
    if head.keyed_from is not None and key is None:
        return Break(head.keyed_from, None, f"缺少审计密钥：第 {head.keyed_from} 条起的事件以密钥封存，无法校验")
    if key is not None and head.keyed_from != key.keyed_from:
        return Break(None, None, f"密钥文件记载审计链自第 {key.keyed_from} 条起以密钥封存，数据库记载为"
                                 f"{'未封存' if head.keyed_from is None else f'第 {head.keyed_from} 条'}：两者之一被改动，"
                                 "或密钥不属于这个登记簿")
    return None


def _walk_chain(session: Session, key: AuditKey | None, walk: _Walk, batch: int) -> list[Break]:
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in _events_in_order(session, batch):
        if event.seq != expected_seq:
            what = "缺失" if event.seq > expected_seq else "重复或次序错乱"
            return [Break(event.seq, event.record, f"此处应为第 {expected_seq} 条事件，却是第 {event.seq} 条：事件{what}")]
        if event.prev_hash != expected_prev:
            return [Break(event.seq, event.record, "前一事件的哈希不符：之前的事件被删除、改动或插入")]
        recomputed = event_hash(event.seq, event.at, event.actor, event.action, event.record,
                                event.details, event.prev_hash, key)
        if recomputed != event.hash:
            return [Break(event.seq, event.record, "内容与其哈希不符：事件被改动或伪造")]
        _note(event, walk)
        expected_prev, expected_seq = event.hash, event.seq + 1
    walk.end_seq, walk.end_hash = expected_seq - 1, expected_prev
    return []


def _note(event: AuditEvent, walk: _Walk) -> None:
    if event.seq in walk.hashes_wanted:
        walk.hashes_wanted[event.seq] = event.hash
    if not event.record:
        return
    details = json.loads(event.details)
    if digest := details.get("digest"):
        walk.last_digest[event.record] = digest
    if event.action == Action.REGISTERED and "seq" in details:
        printed = True if details.get("printed") else (False if details.get("allocated") else None)
        walk.registrations.append(_Registration(event.record, details["series"], details["year"],
                                                details["seq"], printed))


def _register_problems(session: Session, walk: _Walk) -> list[Break]:
    problems = []
    registered = {r.record for r in walk.registrations}
    present = set()
    for document in session.scalars(select(Document).order_by(Document.id)):
        present.add(document.reg_no)
        if document.reg_no not in registered:
            problems.append(Break(None, document.reg_no, "登记簿中有此记录，但审计日志中没有它的登记事件"))
        elif walk.last_digest.get(document.reg_no) != record_digest(document):
            problems.append(Break(None, document.reg_no, "记录与其最新审计事件不符：在 wenshu 之外被改动"))
    session.expunge_all()
    for record in sorted(registered - present):
        problems.append(Break(None, record, "审计日志记载了此记录的登记，但登记簿中已没有它：记录被删除"))
    return problems


def _number_problems(session: Session, walk: _Walk) -> list[Break]:
    """Replay each series' counter over the registrations, in the order they happened."""
    outgoing = _directions(session, [r.record for r in walk.registrations if r.printed is None])
    counters: dict[tuple[str, int], int] = {}
    problems = []
    for r in walk.registrations:
        key = (r.series, r.year)
        last = counters.get(key, 0)
        printed = r.printed if r.printed is not None else outgoing.get(r.record, False)
        if not printed and r.seq != last + 1:
            problems.append(Break(None, r.record, f"「{r.series}」{r.year} 年本应发第 {last + 1} 号，却发了第 {r.seq} 号："
                                                  f"{_span(last + 1, r.seq - 1)}被跳过，计数器被改动"))
        counters[key] = max(last, r.seq)
    stored = {(c.series, c.year): c.last_seq for c in session.scalars(select(Counter))
              if not c.series.startswith(ARCHIVE_COUNTER_PREFIX)}
    for key in sorted(set(stored) | set(counters)):
        replayed, found = counters.get(key, 0), stored.get(key, 0)
        if found != replayed:
            problems.append(Break(None, None, f"「{key[0]}」{key[1]} 年的计数器为 {found}，按登记应为 {replayed}："
                                              + (f"下一个号将跳过{_span(replayed + 1, found)}" if found > replayed
                                                 else "下一个号将与已登记的号重复")))
    return problems


def _item_problems(session: Session) -> list[Break]:
    """Each filed category's 件号 run 1..n without a gap, and each 档号 ends with its 件号."""
    problems = []
    numbers: dict[str, list[int]] = {}
    rows = session.execute(select(Document.reg_no, Document.archive_code, Document.item_no)
                           .where(Document.item_no.is_not(None)).order_by(Document.id))
    for reg_no, code, item_no in rows:
        category, _, tail = (code or "").rpartition("-")
        if tail != f"{item_no:04d}":
            problems.append(Break(None, reg_no, f"档号「{code}」与其件号 {item_no} 不符"))
            continue
        numbers.setdefault(category, []).append(item_no)
    for category, found in sorted(numbers.items()):  # archive_code is unique: no 件号 twice
        if missing := sorted(set(range(1, max(found) + 1)) - set(found)):
            problems.append(Break(None, None, f"类别 {category} 的件号缺 {'、'.join(map(str, missing))}：记录被删除或改动"))
    return problems


def _directions(session: Session, records: list[str]) -> dict[str, bool]:
    """Events written before registrations said how their number was found: a 发文 that did
    not take a number from the series kept the one printed on it."""
    if not records:
        return {}
    rows = session.execute(select(Document.reg_no, Document.direction).where(Document.reg_no.in_(records)))
    return {reg_no: direction == "发文" for reg_no, direction in rows}


def _span(first: int, last: int) -> str:
    return f"第 {first} 号" if first == last else f"第 {first} 至 {last} 号"


def _checkpoint_problem(checkpoint: Checkpoint, key: AuditKey | None, walk: _Walk) -> Break | None:
    if key is None or not checkpoint.sealed_by(key):
        return Break(checkpoint.seq, None, "检查点的校验码不符：它不是用本登记簿的审计密钥签发的，或已被改动")
    if checkpoint.seq > walk.end_seq:
        return Break(checkpoint.seq, None, f"检查点记载的第 {checkpoint.seq} 条事件已不在日志中："
                                           f"日志被截回到第 {walk.end_seq} 条")
    if walk.hashes_wanted.get(checkpoint.seq) != checkpoint.hash:
        return Break(checkpoint.seq, None, f"第 {checkpoint.seq} 条事件与检查点不符：检查点之前的日志被改写")
    return None


def _events_in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > after)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()
