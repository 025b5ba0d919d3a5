"""Lay a 公文 (texts.py blocks) out on A4 pages the GB/T 9704 way, once, in millimetres, so that
the PDF, image and OFD renderers draw identical lines and the expected text is the same list.

Widths use a simple model (CJK = 1 em, ASCII = 0.55 em) so line breaks do not depend on which
font a renderer uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 28.0, 184.0          # 版心 156 mm wide
TOP, BOTTOM = 37.0, 262.0          # 版心 225 mm high
PT = 0.3528                        # mm per point
BODY = 16                          # 3号
TITLE = 22                         # 2号
ORG = 30
PAGENO = 14                        # 4号
PITCH = 10.2                       # 22 lines of 3号 per page
NO_LINE_START = set("，。、；：！？）》」』”’〕】%")
NO_LINE_END = set("（《「『“‘〔【")

RED = (200, 20, 20)
BLACK = (0, 0, 0)


@dataclass
class Segment:
    text: str
    x: float          # mm; the left edge, centre or right edge depending on align
    align: str = "left"  # left | center | right


@dataclass
class Line:
    y: float          # baseline, mm from the top
    size: int         # points
    segments: list[Segment]
    role: str = "body"  # body | title | org
    color: tuple[int, int, int] = BLACK

    @property
    def text(self) -> str:
        return "\t".join(s.text for s in self.segments)  # a layout gap reads as a tab


@dataclass
class Rule:
    y: float
    color: tuple[int, int, int] = BLACK
    width: float = 0.35
    x0: float = LEFT   # a table's rules span the table, not always the 版心
    x1: float = RIGHT


@dataclass
class VRule:  # a vertical table rule (drawn by the raster renderer only)
    x: float
    y0: float
    y1: float
    width: float = 0.35


@dataclass
class Page:
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    vrules: list[VRule] = field(default_factory=list)
    number: str | None = None  # "— 1 —": outside the 版心, stripped by the extractor


def page_text(page: Page) -> str:
    return "\n".join(line.text for line in page.lines)


def em(ch: str) -> float:
    return 0.55 if ord(ch) < 0x2000 else 1.0


def _tokens(text: str) -> list[str]:
    """ASCII runs (numbers, e-mail addresses) are never split across lines."""
    out: list[str] = []
    for ch in text:
        if out and ord(ch) < 0x80 and ch != " " and all(ord(c) < 0x80 for c in out[-1]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(text: str, first: float, rest: float) -> list[str]:
    lines, current, width, cap = [], "", 0.0, first
    for tok in _tokens(text):
        w = sum(em(c) for c in tok)
        if current and width + w > cap and tok[0] not in NO_LINE_START:
            carry = ""
            while current and current[-1] in NO_LINE_END:  # an opening bracket starts a line
                carry, current = current[-1] + carry, current[:-1]
            lines.append(current)
            current, width, cap = carry, sum(em(c) for c in carry), rest
        current += tok
        width += w
    if current:
        lines.append(current)
    return lines


class _Cursor:
    def __init__(self, page_numbers: bool):
        self.pages = [Page()]
        self.y = TOP
        self.page_numbers = page_numbers

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def advance(self, mm: float) -> None:
        self.y += mm
        if self.y > BOTTOM:
            self.pages.append(Page())
            self.y = TOP + mm

    def put(self, size: int, segments: list[Segment], pitch: float = PITCH,
            role: str = "body", color=BLACK) -> None:
        self.advance(pitch)
        self.page.lines.append(Line(self.y, size, segments, role, color))

    def rule(self, gap: float = 4.0, color=BLACK, width: float = 0.35) -> None:
        self.page.rules.append(Rule(self.y + gap, color, width))
        self.y += gap + 2


def _grid(c: _Cursor, widths: list[float], rows: list[list[str]], size: int) -> None:
    """A ruled table, each row one line whose segments are the non-empty cells, centred."""
    assert abs(sum(widths) - (RIGHT - LEFT)) < 0.01, sum(widths)
    row_h = size * PT * 1.9
    top = c.y + 4
    assert top + row_h * len(rows) <= BOTTOM, "a grid must fit on its page"
    edges = [LEFT]
    for w in widths:
        edges.append(edges[-1] + w)
    for r, row in enumerate(rows):
        y = top + r * row_h
        c.page.rules.append(Rule(y, width=0.3))
        segments = [Segment(text, (edges[i] + edges[i + 1]) / 2, "center")
                    for i, text in enumerate(row) if text]
        c.page.lines.append(Line(y + row_h / 2 + size * PT * 0.36, size, segments))
    bottom = top + row_h * len(rows)
    c.page.rules.append(Rule(bottom, width=0.3))
    c.page.vrules.extend(VRule(x, top, bottom, width=0.3) for x in edges)
    c.y = bottom + 2


def layout(blocks, page_numbers: bool = True) -> list[Page]:
    c = _Cursor(page_numbers)
    char = BODY * PT
    c.y = TOP - PITCH
    for kind, content in blocks:
        if kind == "org":
            c.put(ORG, [Segment(content, PAGE_W / 2, "center")], pitch=16, role="org", color=RED)
        elif kind == "docno":
            c.advance(PITCH)
            if isinstance(content, tuple):
                c.put(BODY, [Segment(content[0], LEFT + char), Segment(content[1], RIGHT - char, "right")])
            else:
                c.put(BODY, [Segment(content, PAGE_W / 2, "center")])
        elif kind == "docno_right":
            c.put(BODY, [Segment(content, RIGHT, "right")])
        elif kind == "rule":
            c.rule(color=RED, width=1.0)
        elif kind == "title":
            c.advance(PITCH)
            for line in content:
                c.put(TITLE, [Segment(line, PAGE_W / 2, "center")], pitch=12.5, role="title")
            c.advance(4)
        elif kind == "caption":  # 题注 under a title: （<date><meeting>通过）
            c.put(BODY, [Segment(content, PAGE_W / 2, "center")])
            c.advance(4)
        elif kind == "pair":  # two fields on one line, one at each margin (forms, lists)
            c.put(BODY, [Segment(content[0], LEFT), Segment(content[1], RIGHT, "right")])
        elif kind == "grid":  # (column widths in mm, rows, point size): a ruled table
            _grid(c, *content)
        elif kind == "salute":
            c.put(BODY, [Segment(content, LEFT)])
        elif kind in ("para", "para_plain"):
            indent = 2 if kind == "para" else 0
            for i, line in enumerate(wrap(content, 27 - indent, 27)):
                c.put(BODY, [Segment(line, LEFT + (indent * char if i == 0 else 0))])
        elif kind == "attach":
            c.advance(PITCH)
            for i, line in enumerate(content):
                c.put(BODY, [Segment(line, LEFT + (2 if i == 0 else 5) * char)])
        elif kind == "sign":
            c.advance(2 * PITCH)
            c.put(BODY, [Segment(content, RIGHT - 4 * char, "right")])
        elif kind == "date":
            c.put(BODY, [Segment(content, RIGHT - 4 * char, "right")])
        elif kind == "note":
            c.put(BODY, [Segment(content, LEFT + 2 * char)])
        elif kind == "cc":
            c.advance(PITCH)
            c.rule(gap=0, width=0.35)
            for i, line in enumerate(wrap(content, 26, 23)):
                c.put(BODY, [Segment(line, LEFT + (1 if i == 0 else 4) * char)], pitch=9)
        elif kind == "print":
            c.rule(gap=3, width=0.25)
            c.put(BODY, [Segment(content[0], LEFT + char), Segment(content[1], RIGHT - char, "right")],
                  pitch=9)
            c.rule(gap=3, width=0.35)
        else:
            raise ValueError(f"block kind {kind!r} has no page layout")
    pages = [p for p in c.pages if p.lines]
    if page_numbers:
        for n, page in enumerate(pages, 1):
            page.number = f"— {n} —"
    return pages
