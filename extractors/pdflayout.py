"""A PDF page's text as it is printed: lines top to bottom, wide gaps kept, from pdfium's
character positions.

pdfium writes the text in the order the producer wrote the content stream, putting ``\\r\\n``
where the baseline changes. Most producers write top to bottom, but not all: a 版记 whose
印发 line was written before the 抄送 line above it, or a title placed after the body, comes
out in the wrong order, and 发文机关 or 抄送 are then read from the wrong line.

The cost matters (pdfium's own text takes about 0.4 ms a page), so the check is cheap and the
work is done only when it finds something:

1. Fast check: the box of the first character of each of pdfium's lines, one call a line.
   When every line starts below the one before it (or further right on the same baseline),
   the stream order is the visual order and the text is used as it is.
2. Otherwise each line gets its box (loose boxes of its first and last character), lines that
   follow each other on one baseline are joined, and the order is rebuilt only if some line is
   printed *above* an earlier line that it overlaps horizontally: that is stream order
   contradicting visual order. A line that starts higher but to the right of everything before
   it is a second column (or the next cell of a table written column by column): stream order
   is kept for those, as before.
3. A single-column page (the 公文 case) is sorted by baseline, then by x, and lines sharing a
   baseline become one line. A page with columns side by side (three or more baselines shared
   by separate lines) is ordered topologically instead: a line comes after every line above it
   that it overlaps horizontally, otherwise in stream order, so columns are not interleaved.

Only horizontal text is reordered: a page whose lines mostly run down the page (a landscape
table drawn turned, vertical writing) keeps pdfium's order, and on a reordered page the few
lines that run down it (a 装订线 note in the margin) follow the others.
"""

from __future__ import annotations

import ctypes
import heapq
from dataclasses import dataclass

from extractors.cleanup import WIDE_GAP

_WIDE = 1.5              # a gap wider than this many line heights is layout: WIDE_GAP
_COLUMNS = 3             # shared baselines that make a page "side by side"


def _cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def wide_gaps(textpage, text: str, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with pdfium's space for a wide gap next to Chinese replaced by the
    layout gap mark. pdfium writes one space for any gap between two runs, and clean() removes
    a single space between Chinese characters (OCR puts one everywhere). A gap wider than 1.5
    line heights next to Chinese text is layout (发文字号 ... 签发人). Only spaces beside Chinese
    are measured: a Latin page keeps pdfium's speed. Indices are pdfium's character indices,
    so ``text`` must be the page's whole text (one character per pdfium character)."""
    end = len(text) if end is None else end
    at = text.find(" ", start + 1, end)
    out, last = [], start
    while at != -1 and at + 1 < end:
        if _cjk(text[at - 1]) or _cjk(text[at + 1]):
            left, right = textpage.get_charbox(at - 1), textpage.get_charbox(at + 1)
            height = max(left[3] - left[1], right[3] - right[1], 1.0)
            if right[0] - left[2] > _WIDE * height:
                out.append(text[last:at])
                out.append(WIDE_GAP)
                last = at + 1
        at = text.find(" ", at + 1, end)
    if not out:
        return text[start:end]
    out.append(text[last:end])
    return "".join(out)


def page_text(textpage, text: str) -> str:
    """The page's text in visual reading order with wide gaps marked (see the module doc)."""
    if len(text) != textpage.count_chars():
        return text  # pdfium's text and its character array disagree: positions are unusable
    if _in_stream_order(textpage, text):
        return wide_gaps(textpage, text)
    lines = _visual_lines(textpage, _spans(text))
    if lines is None:
        return wide_gaps(textpage, text)
    out = []
    for line in lines:
        parts = []
        for k, piece in enumerate(line):
            if k:
                before = line[k - 1]
                gap = piece.left - before.right
                parts.append(WIDE_GAP if gap > _WIDE * max(piece.height, before.height) else " ")
            parts.append(wide_gaps(textpage, text, piece.start, piece.end))
        out.append("".join(parts))
    return "\n".join(out)


def _in_stream_order(textpage, text: str) -> bool:
    """True when each of pdfium's lines starts below the one before it (PDF y grows upwards),
    or on the same baseline further right. One pdfium call a line, on a reused rectangle: this
    runs on every page."""
    import pypdfium2.raw as raw

    box = raw.FS_RECTF()
    ref = ctypes.byref(box)
    loose_box, page = raw.FPDFText_GetLooseCharBox, textpage.raw
    prev_left = prev_middle = prev_height = None
    at, size = 0, len(text)
    while at < size:
        while at < size and text[at] == " ":
            at += 1
        if at < size and text[at] != "\r":
            if not loose_box(page, at, ref):
                return True  # no position: nothing to reorder by
            left, top, bottom = box.left, box.top, box.bottom
            middle, height = (top + bottom) * 0.5, top - bottom
            if prev_middle is not None:
                tolerance = 0.5 * (height if height > prev_height else prev_height)
                if middle > prev_middle + tolerance or (middle >= prev_middle - tolerance and left < prev_left):
                    return False
            prev_left, prev_middle, prev_height = left, middle, height
        at = text.find("\r\n", at)
        if at == -1:
            break
        at += 2
    return True


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each of pdfium's lines, without surrounding spaces; blank lines dropped."""
    spans, start = [], 0
    while start <= len(text):
        end = text.find("\r\n", start)
        if end == -1:
            end = len(text)
        a, b = start, end
        while a < b and text[a] in " \t":
            a += 1
        while b > a and text[b - 1] in " \t":
            b -= 1
        if a < b:
            spans.append((a, b))
        start = end + 2
    return spans


@dataclass(frozen=True)
class _Piece:
    """One of pdfium's lines: its character range and its box (PDF units, y upwards)."""
    start: int
    end: int
    left: float
    right: float
    middle: float
    height: float
    horizontal: bool


@dataclass(frozen=True)
class _Line:
    """Pieces on one baseline, with their union box; ``index`` is its place in the stream."""
    pieces: tuple[_Piece, ...]
    index: int
    left: float
    right: float
    middle: float
    height: float


def _line(pieces, index: int) -> _Line:
    return _Line(tuple(pieces), index, min(p.left for p in pieces), max(p.right for p in pieces),
                 pieces[0].middle, max(p.height for p in pieces))


def _piece(textpage, start: int, end: int) -> _Piece:
    first = textpage.get_charbox(start, loose=True)
    last = textpage.get_charbox(end - 1, loose=True)
    bottom, top = min(first[1], last[1]), max(first[3], last[3])
    along = abs(last[0] + last[2] - first[0] - first[2])   # twice the distance between centres
    across = abs(last[1] + last[3] - first[1] - first[3])
    return _Piece(start, end, min(first[0], last[0]), max(first[2], last[2]), (top + bottom) / 2,
                  max(top - bottom, 1.0), along >= across)


def _same_baseline(a, b) -> bool:
    return abs(a.middle - b.middle) <= 0.5 * max(a.height, b.height)


def _above(a, b) -> bool:
    return a.middle > b.middle + 0.5 * max(a.height, b.height)


def _overlap(a, b) -> bool:
    return min(a.right, b.right) > max(a.left, b.left)


def _visual_lines(textpage, spans) -> list[list[_Piece]] | None:
    """The page's lines in visual order, each a list of pieces left to right; None when the
    stream order does not contradict the visual order (columns, tables, superscripts)."""
    groups: list[list[_Piece]] = []
    running_down: list[_Piece] = []
    for start, end in spans:
        piece = _piece(textpage, start, end)
        if not piece.horizontal:
            running_down.append(piece)  # a margin note (装订线) or a table turned sideways
            continue
        if groups and _same_baseline(groups[-1][-1], piece):
            groups[-1].append(piece)  # written right part first, or split by pdfium
        else:
            groups.append([piece])
    if len(running_down) > len(groups):
        return None  # text running down the page: its order is not ours to rebuild
    lines = [_line(pieces, index) for index, pieces in enumerate(groups)]
    contradicted = any(_above(later, earlier) and _overlap(later, earlier)
                       for j, later in enumerate(lines) for earlier in lines[:j])
    if not contradicted:
        if all(len(line.pieces) == 1 for line in lines):
            return None
        ordered = lines
    else:
        shared = sum(1 for j, line in enumerate(lines) if any(_same_baseline(line, other) for other in lines[:j]))
        ordered = _topological(lines) if shared >= _COLUMNS else _by_baseline(lines)
    return [sorted(line.pieces, key=lambda p: p.left) for line in ordered] + [[p] for p in running_down]


def _by_baseline(lines: list[_Line]) -> list[_Line]:
    """Single column: top to bottom; lines sharing a baseline are merged, left to right."""
    rows: list[_Line] = []
    for line in sorted(lines, key=lambda line: -line.middle):
        if rows and _same_baseline(rows[-1], line):
            rows[-1] = _line(rows[-1].pieces + line.pieces, rows[-1].index)
        else:
            rows.append(line)
    return rows


def _topological(lines: list[_Line]) -> list[_Line]:
    """Columns side by side: a line after every line above it that it overlaps horizontally,
    otherwise in stream order. ``_above`` strictly lowers the middle, so there is no cycle."""
    before = {line.index: {other.index for other in lines if _above(other, line) and _overlap(other, line)}
              for line in lines}
    after: dict[int, list[int]] = {line.index: [] for line in lines}
    for index, preds in before.items():
        for pred in preds:
            after[pred].append(index)
    waiting = {index: len(preds) for index, preds in before.items()}
    ready = [index for index, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        index = heapq.heappop(ready)
        out.append(lines[index])
        for nxt in after[index]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, nxt)
    return out
