"""``understand(text, settings)``: a 公文's text in, its elements and the office's decisions out.

The recipe: normalise -> 版头 and title -> signature block and 版记 -> then the ``STEPS``: 文种 ->
发文机关 -> own number -> cited numbers -> title -> business area -> dates and deadlines ->
阅件/办件 -> 保管期限 -> 初审 checks. Pure: no I/O except the (cached) rules file when ``rules``
is not given.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from core.settings import Settings
from core.vocab import ACTION_ITEM, OTHER_TYPE, is_secret
from pipeline.understand import checks as initial_review
from pipeline.understand import classify, deadline, docnumber, form, senders, withhold
from pipeline.understand.deadline import Deadline
from pipeline.understand.docnumber import DocNumber
from pipeline.understand.doctype import detect
from pipeline.understand.head import Head, cjk_ratio, organ_first, read_head
from pipeline.understand.ling import signer as ling_signer
from pipeline.understand.title import HEADER_SUFFIX, is_organ, organ_before_when
from pipeline.understand.model import Understanding
from pipeline.understand.other import Other, read_other
from pipeline.understand.rules import Rules, load_rules
from pipeline.understand.secrecy import Marks, read_marks
from pipeline.understand.tail import Tail, read_tail
from pipeline.understand.text import Doc, canonical_title, flow, prepare


OVERDUE = "收文时已逾期"     # the deadline had passed on the day of receipt
MISREAD_YEARS = range(1990, 2100)   # an OCR-misread year of a 成文日期 is read only within these


def understand(text: str, settings: Settings, rules: Rules | None = None, *,
               today: date | None = None, from_ocr: bool = False) -> Understanding:
    """Read one document's text. ``today`` is the day of receipt (registration): an urgent
    document with no written deadline is due that day (else on its 成文日期). ``from_ocr`` says
    the text (some page of it) came from OCR: only then may a name be put right against the
    list of known senders."""
    rules = rules or load_rules(settings)
    marks, doc = read_marks(prepare(form.as_document(text) or text), tuple(rules.aliases))
    head = read_head(doc.lines, tuple(rules.aliases))
    if head.urgency is None and marks.urgency:      # printed on the line of the 份号 or 密级
        head = dataclasses.replace(head, urgency=marks.urgency)
    tail = read_tail(doc.lines, head.title_lines[1] + 1 if head.title_lines else head.body_start,
                     head.meeting_date_line, signed_first=head.title_word == "令",
                     misread_years=_misread_years(today, head) if from_ocr else None)
    draft = _Draft(doc=doc, rules=rules, today=today, from_ocr=from_ocr, marks=marks, head=head, tail=tail)
    for step in STEPS:
        step(draft)
    return _understanding(draft)


def _misread_years(today: date | None, head: Head) -> range:
    """The years an OCR'd date whose year lost or misread one numeral may be: near the day of
    receipt (else the 发文字号's year), up to ten years before it and one after; 1990-2099."""
    near = today.year if today else (head.number.year if head.number and head.number.year else None)
    if near is None:
        return MISREAD_YEARS
    return range(max(MISREAD_YEARS.start, near - 10), min(MISREAD_YEARS.stop, near + 2))


@dataclass(slots=True)
class _Draft:
    """What ``understand`` has found so far: each step reads what the steps before it found and
    fills in its own fields."""

    doc: Doc
    rules: Rules
    today: date | None
    from_ocr: bool
    marks: Marks
    head: Head
    tail: Tail
    doc_type: str = OTHER_TYPE
    body: str = ""                     # the body as sentences (``flow``), without 版头 and 版记
    issuer: str | None = None
    signer: str | None = None          # 签发人; a 令's signing leader
    corrections: tuple[str, ...] = ()  # 初审 notes on values corrected from the rules' lists
    number: DocNumber | None = None
    is_own: bool = False
    references: tuple[str, ...] = ()
    title: str | None = None
    recipients: tuple[str, ...] = ()
    department: str = ""
    department_code: str = ""
    written: date | None = None        # 成文日期 (a 公文's only)
    other: Other = Other()             # what the page of a non-公文 says (title, unit, day)
    deadlines: list[Deadline] = field(default_factory=list)
    awaits: str | None = None          # 批复 / 复函
    awaits_by: date | None = None
    route: str = ""
    why_route: tuple[str, ...] = ()
    due: Deadline | None = None
    retention: str = ""
    retention_code: str = ""
    retention_rule: str = ""
    checks: tuple[str, ...] = ()

    @property
    def is_document(self) -> bool:
        return self.doc_type != OTHER_TYPE


def _names_us(text: str, rules: Rules) -> bool:
    return any(name in text for name in rules.own_names)


def _find_doc_type(d: _Draft) -> None:
    """文种, and the body text the later steps read."""
    lines, start = d.doc.lines, d.head.body_start
    flat_body = "".join(lines[start:])
    d.doc_type, _how = detect(d.head.title_word, d.head.header, flat_body, d.rules)
    d.body = flow(lines[start: max(start, d.tail.end_of_body)]) or flat_body
    if not d.is_document:
        d.other = read_other(lines, d.rules)


def _find_issuer(d: _Draft) -> None:
    """发文机关 (a non-公文: the unit its page names, and what a 公文's head or signature says);
    in OCR text only, put right by the list of senders."""
    if d.is_document:
        d.issuer = _document_issuer(d)
    else:
        d.issuer = next((x for x in _other_first(d, d.other.issuer, _document_issuer(d)) if x), None)
    if d.issuer and d.from_ocr:
        _correct_issuer(d)
    d.signer = d.head.signer
    if d.signer is None and d.doc_type == "命令":
        d.signer = ling_signer(d.tail.signature, d.rules.signer_posts)   # 「总理　李鹏」: 李鹏


def _other_first(d: _Draft, page, document) -> tuple:
    """A text read as no 公文 is taken for what its page states first, unless it carries a
    发文字号: then it is a 公文 whose title was not read, and its head and signature say more."""
    return (document, page) if d.head.number else (page, document)


def _document_issuer(d: _Draft) -> str | None:
    """The 版头's organ, the 纪要 organ line, the 署名 (all its units), the title's 「X关于」 (the
    organ before a 转发 or 印发 in it; without 关于, the organ before the year or session it
    names), or an organ's name printed alone in the head, whichever
    comes first and reads as Chinese."""
    head = d.head
    prefix = head.title.split("关于", 1)[0] if head.title and "关于" in head.title[1:] else None
    prefix = re.split(r"转发|批转|印发", prefix)[0] if prefix else None
    signature = d.tail.signature
    if signature and prefix and "、" in prefix and prefix.replace("、", "") == signature:
        signature = prefix      # the units of a joint signature printed apart on one line
    header = organ_first(head.header)
    if header and _inside(signature, header):
        header = None       # a body inside the 版头's organ signs with its full name
    candidates = (header, head.meeting_organ or _minutes_organ(d), signature, prefix or organ_before_when(head.title),
                  head.organ_line)
    return next((_units(c) for c in candidates if c and cjk_ratio(c) >= 0.7), None)


def _minutes_organ(d: _Draft) -> str | None:
    """A 纪要 whose 版头 is the organ printed over 「…会议纪要」 (no organ/date line under it)."""
    head = d.head
    if head.title_word != "纪要" or not head.title_lines or head.title_lines[0] == head.title_lines[1]:
        return None
    first = d.doc.lines[head.title_lines[0]]
    return first if is_organ(first) else None


def _inside(signature: str | None, header: str) -> bool:
    """A 署名 that is one body inside the 版头's organ (「东湖大学化学化工学院学术委员会」 under
    「东湖大学化学化工学院」)."""
    organ = HEADER_SUFFIX.sub("", header)
    return bool(signature and "、" not in signature and len(signature) > len(organ) >= 2
                and signature.startswith(organ) and is_organ(signature))


def _units(name: str) -> str:
    """Organs printed apart on one line (「教育部　财政部」) are joined with 、."""
    parts = re.split(r"\s{2,}", name.strip())
    return "、".join(parts) if len(parts) > 1 and all(map(is_organ, parts)) else name


def _correct_issuer(d: _Draft) -> None:
    """An OCR reading of the 发文机关 put right against the known senders, when the paper
    allows it (see ``senders``); the raw reading stays in the checks."""
    evidence = senders.Evidence(code=d.head.number.org if d.head.number else None,
                                names=tuple(n for n in (d.tail.signature, d.tail.printed_by) if n),
                                recipients=d.head.recipients or d.tail.main_to)
    if found := senders.correct(d.issuer, d.rules, evidence):
        known, why = found
        d.corrections = (f"发文机关「{d.issuer}」疑为识别错误，已按来文单位名录校正为「{known}」（{why}）",)
        d.issuer = known


def _find_doc_number(d: _Draft) -> None:
    """发文字号 (an unreadable 代字 is the issuer's, when the issuer has only one), and whether
    the document is the office's own."""
    number, hint = d.head.number, d.head.number_hint
    if number is None and hint and (code := senders.only_code(d.issuer, d.rules)):
        year, seq, printed = hint
        number = DocNumber(
            f"{code}〔{year}〕{seq}号", printed, code, year, seq,
            (f"发文字号「{printed}」机关代字无法识别，按来文单位「{d.issuer}」推定为「{code}」",))
    d.number = number
    code = number.org if number else d.head.number_draft
    d.is_own = bool(d.issuer and d.issuer in d.rules.own_units) or bool(
        code and code.startswith(tuple(d.rules.own_names)))


def _find_references(d: _Draft) -> None:
    """The 发文字号 the text cites, in order, without its own (a 令号 「政府令〔2010〕第15号」 is
    recorded as printed, and is still its own without the 第)."""
    references: list[str] = []
    own = {d.number.canonical, docnumber.canonical(d.number.printed)} if d.number else set()
    for _pos, cited in docnumber.find_all(d.doc.flat, d.doc.offsets):
        if cited.canonical not in own and cited.canonical not in references:
            references.append(cited.canonical)
    d.references = tuple(references)


def _find_title(d: _Draft) -> None:
    """The title; a text that is not a 公文 is named by its first heading-like line."""
    title = d.head.title if d.is_document else d.head.title or d.other.title
    d.title = canonical_title(title, from_ocr=d.from_ocr) if title else None


def _assign_department(d: _Draft) -> None:
    d.recipients = d.head.recipients or d.tail.main_to
    d.department, d.department_code, _why = classify.department(
        doc_org=d.number.org if d.number else None, issuer=d.issuer, recipients=d.recipients,
        is_own=d.is_own, title=d.title, body=d.body, rules=d.rules)


def _find_dates(d: _Draft) -> None:
    """成文日期, and the deadlines the body sets. A date printed without its year takes the year
    of the document's date (成文日期, else 印发日期; the first such day on or after it), else of
    the day of receipt (kept when already past), else of the 发文字号."""
    if d.is_document:
        d.written = d.tail.date
    else:
        d.written = next((x for x in _other_first(d, d.other.date, d.tail.date) if x), None)
    own_date = d.written or d.tail.printed_date
    base = own_date or d.today or (date(d.number.year, 1, 1) if d.number and d.number.year else None)
    d.deadlines = deadline.find(d.body, base, d.rules, roll=own_date is not None or d.today is None)


def _find_awaited(d: _Draft) -> None:
    """What the sender waits for, whatever the direction: a 请示 a 批复, a 函 that asks for an
    answer a 复函; by the deadline that asks for it."""
    asks = d.rules.reply_request_re
    if d.doc_type == "请示":
        d.awaits = "批复"
    elif d.doc_type == "函" and asks.search(d.body):
        d.awaits = "复函"
    else:
        return
    d.awaits_by = next((x.value for x in d.deadlines if asks.search(x.text)), None)


def _decide_route(d: _Draft) -> None:
    """阅件 or 办件; a 办件 is due by its earliest deadline, else by its urgency."""
    first = d.deadlines[0] if d.deadlines else None
    d.route, d.why_route = classify.route(doc_type=d.doc_type, urgency=d.head.urgency,
                                          deadline_text=first.text if first else None, body=d.body,
                                          rules=d.rules)
    if d.route != ACTION_ITEM:
        return
    d.due = first or deadline.from_urgency(d.head.urgency, d.today or d.written or d.tail.printed_date, d.rules)
    if d.due and not first:
        d.why_route = (*d.why_route, f"未写明期限，按紧急程度{d.due.text}")


def _decide_retention(d: _Draft) -> None:
    """保管期限, from who wrote it, to whom, and whether it concerns the office."""
    rules = d.rules
    own_prefixes = tuple(rules.own_names)
    level = classify.issuer_level(d.issuer, d.is_own, rules)
    addressed = (any(_names_us(r, rules) for r in d.recipients) or _names_us(d.title or "", rules)
                 or any(ref.startswith(own_prefixes) for ref in d.references))
    d.retention, d.retention_code, d.retention_rule = classify.retention(
        doc_type=d.doc_type, level=level, department=d.department, addressed_to_us=addressed,
        mentions_us=_names_us(d.doc.flat, rules), title=d.title, rules=rules)


def _review(d: _Draft) -> None:
    """初审 warnings, then the notes on corrected values."""
    marks = d.marks
    found = initial_review.collect(
        doc_type=d.doc_type, number_problems=d.number.problems if d.number else (), is_own=d.is_own,
        signer=d.signer, has_date=d.written is not None, secrecy=marks.secrecy,
        secrecy_period=marks.secrecy_period, copy_no=marks.copy_no, title=d.title, body=d.body,
        weekday_problems=tuple(x.weekday_mismatch for x in d.deadlines if x.weekday_mismatch),
        rules=d.rules)
    overdue = (OVERDUE,) if d.today and d.due and d.due.value < d.today else ()
    d.checks = (*marks.notes, *found, *overdue, *d.corrections, *_misread_note(d))


def _withhold_secret(d: _Draft) -> None:
    """A 涉密 document's explanations say what kind of thing the body holds, never its words:
    they go into ``show``, exports and the audit log (``withhold``)."""
    if not is_secret(d.marks.secrecy):
        return
    d.why_route = withhold.why_route(d.why_route)
    d.checks = withhold.checks(d.checks)
    if d.due:
        d.due = dataclasses.replace(d.due, text=withhold.deadline_text(d.due.text))


def _misread_note(d: _Draft) -> tuple[str, ...]:
    value = d.written
    if not (d.tail.date_misread and value and value == d.tail.date):
        return ()
    return (f"成文日期按识别纠正：「{d.tail.date_misread}」读作{value.year}年{value.month}月{value.day}日",)


# The recipe, in order: each step needs only what the steps before it found.
STEPS: tuple[Callable[[_Draft], None], ...] = (
    _find_doc_type,
    _find_issuer,
    _find_doc_number,
    _find_references,
    _find_title,
    _assign_department,
    _find_dates,
    _find_awaited,
    _decide_route,
    _decide_retention,
    _review,
    _withhold_secret,
)


def _understanding(d: _Draft) -> Understanding:
    head, tail, number, due = d.head, d.tail, d.number, d.due
    return Understanding(
        doc_type=d.doc_type,
        doc_number=number.canonical if number else None,
        doc_number_printed=number.printed if number else None,
        issuer=d.issuer,
        issuer_short=classify.issuer_short(d.issuer, d.is_own, d.rules),
        title=d.title,
        date=d.written,
        secrecy=d.marks.secrecy,
        secrecy_period=d.marks.secrecy_period,
        copy_no=d.marks.copy_no,
        urgency=head.urgency,
        signer=d.signer,
        recipients=d.recipients,
        attachments=tail.attachments,
        contact=tail.contact,
        cc=tail.cc,
        printed_by=tail.printed_by,
        printed_date=tail.printed_date,
        is_own=d.is_own,
        route=d.route,
        why_route=d.why_route,
        deadline=due.value if due else None,
        deadline_text=due.text if due else None,
        department=d.department,
        department_code=d.department_code,
        retention=d.retention,
        retention_code=d.retention_code,
        retention_rule=d.retention_rule,
        references=d.references,
        checks=d.checks,
        is_secret=is_secret(d.marks.secrecy),
        awaits=d.awaits,
        awaits_by=d.awaits_by,
        doc_number_draft=head.number_draft if number is None else None,
    )
