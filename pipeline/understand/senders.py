"""The 来文单位名录 (rules [senders]): put right an OCR-damaged 发文机关 against the names this
office knows, and give the 机关代字 of a known sender.

The register says what the paper says. A name read from a text layer is never rewritten (the
caller only asks for OCR text), and a reading that is itself a plausible organ's name is kept
as read: 湖南大学 is not a misreading of 湖北大学, however close the two are. Such a reading is put
right only when the paper itself names the known body another way: its own 发文字号 carries that
body's 代字, its 署名 or 印发机关 is that body's name, or it is addressed to units inside our
university (各学院…), so that its sender is one of ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.understand.rules import Rules

# How the name of an organ ends (大学, 教务处, 教育厅, 委员会 …): such a reading may be a body
# the list does not hold.
ORGAN_SUFFIX = re.compile(r"(?:大学|学院|学校|研究院|研究生院|院|系|处|部|厅|局|委员会|委|办公室|办|室|中心"
                          r"|工会|政府|所|会|团|社|馆|站|队|集团|公司|商行|商店|经营部|厂|店)$")
# A 主送 that is a group of units inside the university: the document is the university's own.
INTERNAL_RECIPIENTS = re.compile(r"^(?:各(?:学院|系|院系|部门|二级|职能部门|直属|教学|科研|党总支|党支部|研究所)"
                                 r"|校内|全校|学校各)")


@dataclass(frozen=True)
class Evidence:
    """What else the paper says about who issued it."""

    code: str | None = None            # the 机关代字 of its own 发文字号
    names: tuple[str, ...] = ()        # 署名, 印发机关
    recipients: tuple[str, ...] = ()   # 主送


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def known_names(rules: Rules) -> tuple[str, ...]:
    return (*rules.senders, *rules.own_names)


def plausible(name: str) -> bool:
    """Ends as an organ's name does: it may well be a body we do not know."""
    return bool(ORGAN_SUFFIX.search(name))


def nearest(name: str, names, limit: int) -> str | None:
    """The one name of ``names`` within ``limit`` edits of ``name`` and closer than any other."""
    best, best_distance, tie = None, limit + 1, False
    for known in dict.fromkeys(names):   # a name listed twice is no tie
        distance = _distance(name, known, limit)
        if distance < best_distance:
            best, best_distance, tie = known, distance, False
        elif distance == best_distance and distance <= limit:
            tie = True
    return best if best_distance <= limit and not tie else None


def _by_code(code: str | None, rules: Rules) -> tuple[str, ...]:
    """The known bodies whose 机关代字 ``code`` is (our own names for one of our own)."""
    if not code:
        return ()
    if code.startswith(tuple(rules.own_names)):
        return (*rules.own_names, *rules.own_units)
    return tuple(name for name, codes in rules.senders.items() if code in codes)


def _ours(rules: Rules) -> tuple[str, ...]:
    """The known bodies inside our university (and our own names)."""
    inside = tuple(n for n in rules.senders if rules.university and rules.university in n)
    return (*inside, *rules.own_names)


def correct(name: str, rules: Rules, evidence: Evidence = Evidence()) -> tuple[str, str] | None:
    """(the known name ``name`` is an OCR misreading of, why), or None to keep ``name`` as read.

    One wrong character up to 8 characters, two beyond; one more when the document's own 代字
    is the known body's. A reading that is not an organ's name at all needs no other evidence;
    an organ's name read alike in the head and in the signature is what the paper says."""
    names = known_names(rules)
    if name in names or len(name) < 4:
        return None
    limit = 1 if len(name) <= 8 else 2
    if plausible(name) and name in evidence.names:
        return None   # the 版头 and the 署名 read alike: two readings of the paper agree
    if not plausible(name):
        known = nearest(name, names, limit)
        return (known, "读出的名称不成机关名称") if known else None
    if known := nearest(name, _by_code(evidence.code, rules), limit + 1):
        return known, f"发文字号机关代字「{evidence.code}」为该单位所用"
    if known := nearest(name, tuple(n for n in evidence.names if n in names), limit):
        return known, f"文中署名「{known}」"
    if any(INTERNAL_RECIPIENTS.match(r) for r in evidence.recipients) and (
            known := nearest(name, _ours(rules), limit)):
        return known, f"主送「{'、'.join(evidence.recipients)}」为校内单位"
    return None


def only_code(name: str | None, rules: Rules) -> str | None:
    """The 机关代字 of a known sender that uses exactly one."""
    codes = rules.senders.get(name or "", ())
    return codes[0] if len(codes) == 1 else None
