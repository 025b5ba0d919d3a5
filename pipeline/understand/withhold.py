"""What a 涉密 record says of its body: the kind of thing found, never the words.

Understanding quotes the body to explain itself: the sentence that asks for action (``why_route``),
the clause that sets the deadline (``deadline_text``), the phrases of a 报告 that ask for approval
and a deadline whose weekday is wrong (``checks``). For a 涉密 document those explanations would
carry its content into ``show``, exports and, for ever, the audit log, so they are replaced by
what kind of thing was found: 「文种「通知」：正文要求办理（涉密，原文不显示）」.

``understand`` applies this to a document it reads as 涉密; a record corrected to 涉密 later has
its stored explanations replaced the same way (``pipeline/corrections.py``). Each form of quoting
message is listed here; a routing reason in no known form keeps only what precedes its first
colon, so a new kind of quote is withheld until it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WITHHELD = "（涉密，原文不显示）"

# why_route: (a reason that quotes the body, what it becomes)
_WHY_QUOTING: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^(文种「[^」]*」)含办理要求："), r"\1：正文要求办理" + WITHHELD),
    (re.compile(r"^(文种「[^」]*」)仅告知："), r"\1：正文仅作告知" + WITHHELD),
    (re.compile(r"^办理要求："), "正文写明办理期限" + WITHHELD),
)
# why_route reasons that quote nothing of the body (the 文种, the rules' notes, the urgency mark)
_WHY_SAFE = re.compile(r"^文种「[^」]*」(?:默认|标注「[^」]*」：紧急公文|未见办理要求)|^未写明期限，按紧急程度「"
                       r"|" + re.escape(WITHHELD))
# checks: (a check that quotes the body, what it becomes); every other check quotes the head
# (发文字号, 标题, 发文机关, the signature date) or nothing
_CHECK_QUOTING: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^报告中夹带请示事项（.*?）(?=，)"), "报告中夹带请示事项" + WITHHELD),
    (re.compile(r"^期限「.*」日期与星期不符（.*）$"), "正文所定期限的日期与星期不符" + WITHHELD),
)
# a deadline from the urgency mark (deadline.from_urgency), not from the body
_URGENCY_DEADLINE = re.compile(r"^「[^」]*」(?:随到随办|\d+日内办理)")


def why_route(reasons: Iterable[str]) -> tuple[str, ...]:
    out = []
    for reason in reasons:
        for pattern, replacement in _WHY_QUOTING:
            if m := pattern.match(reason):
                out.append(m.expand(replacement))
                break
        else:
            out.append(reason if _WHY_SAFE.search(reason) else reason.split("：", 1)[0] + WITHHELD)
    return tuple(out)


def checks(messages: Iterable[str]) -> tuple[str, ...]:
    out = []
    for message in messages:
        for pattern, replacement in _CHECK_QUOTING:
            if pattern.search(message):
                message = pattern.sub(replacement, message, count=1)
                break
        out.append(message)
    return tuple(out)


def deadline_text(text: str | None) -> str | None:
    if text is None or _URGENCY_DEADLINE.match(text) or WITHHELD in text:
        return text
    return "正文所定期限" + WITHHELD
