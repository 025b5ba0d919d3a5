"""Highlighted snippets built from the stored (normalised) text.

whoosh's highlighter re-tokenizes every hit and dominated search time (about 220 ms for a page
of 20 at 10,000 documents). The query already knows the strings it looked for, and the stored
body is normalised exactly like them, so a snippet is a window around the first occurrence of
any of them: a few ``str.find`` calls per hit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

WIDTH = 100  # characters of text in a snippet
LEAD = 30    # characters shown before the first match


def snippet(text: str | None, terms: Iterable[str], *, width: int = WIDTH, lead: int = LEAD) -> str:
    """HTML-escaped excerpt of ``text`` with every occurrence of ``terms`` in ``<mark>``."""
    if not text:
        return ""
    flat = " ".join(text.split())
    hay = flat.lower()
    if len(hay) != len(flat):  # a few characters change length when lowercased
        hay = flat
    needles = sorted({t.lower() for t in terms if t and t.strip()}, key=len, reverse=True)
    positions = [p for p in (hay.find(n) for n in needles) if p >= 0]
    start = max(0, min(positions) - lead) if positions else 0
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))  # a match near the end still gets a full window
    window, hay_window = flat[start:end], hay[start:end]
    out = ["…" if start > 0 else ""]
    done = 0
    if needles:
        for match in re.finditer("|".join(map(re.escape, needles)), hay_window):
            out.append(html.escape(window[done:match.start()]))
            out.append(f"<mark>{html.escape(window[match.start():match.end()])}</mark>")
            done = match.end()
    out.append(html.escape(window[done:]))
    out.append("…" if end < len(flat) else "")
    return "".join(out)
