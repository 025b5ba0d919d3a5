"""The 来文单位名录 (rules [senders]): correct an OCR-damaged 发文机关 against the names this
office knows, and give the 机关代字 of a known sender."""

from __future__ import annotations

from pipeline.understand.rules import Rules


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


def correct(name: str, rules: Rules) -> str | None:
    """The known name ``name`` is a misreading of (one wrong character up to 8 characters, two
    beyond), or None if it is known already, unknown, or close to two names at once."""
    names = known_names(rules)
    if name in names or len(name) < 4:
        return None
    limit = 1 if len(name) <= 8 else 2
    best, best_distance, tie = None, limit + 1, False
    for known in names:
        distance = _distance(name, known, limit)
        if distance < best_distance:
            best, best_distance, tie = known, distance, False
        elif distance == best_distance and distance <= limit:
            tie = True
    return best if best_distance <= limit and not tie else None


def only_code(name: str | None, rules: Rules) -> str | None:
    """The 机关代字 of a known sender that uses exactly one."""
    codes = rules.senders.get(name or "", ())
    return codes[0] if len(codes) == 1 else None
