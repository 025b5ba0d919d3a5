"""``understand(text, settings)``: a 公文's text in, its elements and the office's decisions out.

The recipe: normalise -> 版头 and title -> 文种 -> signature block and 版记 -> own number and
cited numbers -> business area -> deadline -> 阅件/办件 -> 保管期限 -> 初审 checks. Pure: no I/O
except the (cached) rules file when ``rules`` is not given.
"""

from __future__ import annotations

from datetime import date

from core.settings import Settings
from core.vocab import ACTION_ITEM, OTHER_TYPE, is_secret
from pipeline.understand import checks as initial_review
from pipeline.understand import classify, deadline, docnumber, form, senders
from pipeline.understand.doctype import detect
from pipeline.understand.head import cjk_ratio, read_head
from pipeline.understand.model import Understanding
from pipeline.understand.rules import Rules, load_rules
from pipeline.understand.tail import read_tail
from pipeline.understand.text import canonical_title, flow, prepare


def _names_us(text: str, rules: Rules) -> bool:
    return any(name in text for name in rules.own_names)


def understand(text: str, settings: Settings, rules: Rules | None = None, *,
               today: date | None = None) -> Understanding:
    """Read one document's text. ``today`` is the registration day: an urgent document with no
    written deadline is due that day (else on its 成文日期)."""
    rules = rules or load_rules(settings)
    doc = prepare(form.as_document(text) or text)
    lines = doc.lines
    head = read_head(lines)
    body_lines = lines[head.body_start:]
    body_flat = "".join(body_lines)
    doc_type, _how = detect(head.title_word, head.header, body_flat, rules)
    is_document = doc_type != OTHER_TYPE

    tail = read_tail(lines, head.title_lines[1] + 1 if head.title_lines else head.body_start,
                     head.meeting_date_line)
    body = flow(lines[head.body_start: max(head.body_start, tail.end_of_body)]) or body_flat

    # 发文机关: the 版头, the 纪要 organ line, the 署名, or the title's 「X关于」
    issuer = None
    if is_document:
        title_prefix = head.title.split("关于", 1)[0] if head.title and "关于" in head.title[1:] else None
        for candidate in (head.header[0] if head.header else None, head.meeting_organ, tail.signature,
                          title_prefix):
            if candidate and cjk_ratio(candidate) >= 0.7:
                issuer = candidate
                break

    corrections: list[str] = []
    if issuer and (known := senders.correct(issuer, rules)):
        corrections.append(f"发文机关「{issuer}」疑为识别错误，已按来文单位名录校正为「{known}」")
        issuer = known

    number = head.number
    if number is None and head.number_hint and (code := senders.only_code(issuer, rules)):
        year, seq, printed = head.number_hint
        number = docnumber.DocNumber(
            f"{code}〔{year}〕{seq}号", printed, code, year, seq,
            (f"发文字号「{printed}」机关代字无法识别，按来文单位「{issuer}」推定为「{code}」",))
    own_prefixes = tuple(rules.own_names)
    is_own = bool(issuer and issuer in rules.own_units) or bool(
        number and number.org.startswith(own_prefixes))

    references: list[str] = []
    for _pos, cited in docnumber.find_all(doc.flat, doc.offsets):
        if (number is None or cited.canonical != number.canonical) and cited.canonical not in references:
            references.append(cited.canonical)

    title = canonical_title(head.title) if head.title else None
    if not is_document and title is None and lines:
        title = canonical_title(lines[0]) if len(lines[0]) <= 60 else None

    recipients = head.recipients or tail.main_to
    dept, dept_code, _why_dept = classify.department(
        doc_org=number.org if number else None, issuer=issuer, recipients=recipients, is_own=is_own,
        title=title, body=body, rules=rules)

    written = tail.date if is_document else None
    # a date printed without its year takes the year of the 成文日期, else of the 印发日期, the
    # registration day or the 发文字号
    base = written or tail.printed_date or today or (date(number.year, 1, 1) if number else None)
    found = deadline.find(body, base, rules)
    first = found[0] if found else None
    route, why_route = classify.route(doc_type=doc_type, urgency=head.urgency,
                                      deadline_text=first.text if first else None, body=body, rules=rules)
    due = None
    if route == ACTION_ITEM:
        due = first or deadline.from_urgency(head.urgency, today or written or tail.printed_date, rules)
        if due and not first:
            why_route = (*why_route, f"未写明期限，按紧急程度{due.text}")

    level = classify.issuer_level(issuer, is_own, rules)
    addressed = (any(_names_us(r, rules) for r in recipients) or _names_us(title or "", rules)
                 or any(ref.startswith(own_prefixes) for ref in references))
    period, period_code, _why_period = classify.retention(
        doc_type=doc_type, level=level, department=dept, addressed_to_us=addressed,
        mentions_us=_names_us(doc.flat, rules), title=title, rules=rules)

    checks = initial_review.collect(
        doc_type=doc_type, number_problems=number.problems if number else (), is_own=is_own,
        signer=head.signer, has_date=written is not None, secrecy=head.secrecy,
        secrecy_period=head.secrecy_period, copy_no=head.copy_no, title=title, body=body,
        weekday_problems=tuple(d.weekday_mismatch for d in found if d.weekday_mismatch), rules=rules)
    checks = (*checks, *corrections)

    return Understanding(
        doc_type=doc_type,
        doc_number=number.canonical if number else None,
        doc_number_printed=number.printed if number else None,
        issuer=issuer,
        issuer_short=classify.issuer_short(issuer, is_own, rules),
        title=title,
        date=written,
        secrecy=head.secrecy,
        secrecy_period=head.secrecy_period,
        copy_no=head.copy_no,
        urgency=head.urgency,
        signer=head.signer,
        recipients=recipients,
        attachments=tail.attachments,
        contact=tail.contact,
        cc=tail.cc,
        printed_by=tail.printed_by,
        printed_date=tail.printed_date,
        is_own=is_own,
        route=route,
        why_route=why_route,
        deadline=due.value if due else None,
        deadline_text=due.text if due else None,
        department=dept,
        department_code=dept_code,
        retention=period,
        retention_code=period_code,
        references=tuple(references),
        checks=checks,
        is_secret=is_secret(head.secrecy),
    )
