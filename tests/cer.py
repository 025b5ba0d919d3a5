"""Character error rate: Levenshtein distance over characters, whitespace ignored, divided by
the length of the reference. Plain Python (two rows of the DP table), fast enough for pages."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def distance(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    ref = _WS.sub("", reference)
    hyp = _WS.sub("", hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return distance(ref, hyp) / len(ref)
