"""Make the OCR'd entries of the fresh batch (issue 13's acceptance) from the texts as written.

The fresh batch was written after the understanding rules, by someone who had not read them, and
its labels were committed before the rules were ever run on it. Each entry of ``labels.json``
with ``"source": "ocr"`` is made here: its written text (``written/NNN.txt``, or the born-digital
``NNN.txt`` it was scanned from, ``derived_from``) is typeset as a GB/T 9704-like A4 page at
300 dpi with PIL and WenQuanYi Zen Hei (red 发文机关标志 and rule, centred title, right-aligned
署名 and 成文日期 under a red seal, 版记 between rules, page numbers), scanned lightly (a small
skew, blur, noise and dust, seeded by the document's number), saved as a PNG and read back by the
project's own extractor (``extractors.extract``, the configured OCR engine). The text is saved as
``NNN.txt``, pages joined as ``Extracted.text`` joins them.

    .venv/bin/python -m tests.understand.fresh.make_fresh                  # all OCR'd entries
    .venv/bin/python -m tests.understand.fresh.make_fresh --only 009 --pages /tmp/pages

Labels are never touched here: they are what the written document says.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# how each OCR'd entry is laid out, and the seal pressed on its signature (None: unsigned)
LAYOUT: dict[str, dict] = {
    "009": {"kind": "gongwen", "seal": "东湖市科学技术局"},
    "011": {"kind": "plain", "seal": None},
    "014": {"kind": "plain", "seal": None},
    "015": {"kind": "plain", "seal": None},
    "017": {"kind": "form", "seal": None},
    "019": {"kind": "form", "seal": None},
    "020": {"kind": "gongwen", "seal": "东湖大学保卫处"},
    "023": {"kind": "gongwen", "seal": "东湖大学教务处"},
    "027": {"kind": "gongwen", "seal": "东湖省教育厅"},
    "030": {"kind": "letter", "seal": "东湖大学化学化工学院"},
    "032": {"kind": "gongwen", "seal": "东湖大学"},
    "033": {"kind": "letter", "seal": "南海大学化学学院"},
    "034": {"kind": "gongwen", "seal": "东湖大学"},
    "036": {"kind": "gongwen", "seal": None},
}

PAGE_W, PAGE_H = 2480, 3508            # A4 at 300 dpi
LEFT, TOP = 331, 437                   # 28 mm, 37 mm
TEXT_W, TEXT_H = 1843, 2657            # 版心 156 x 225 mm
BODY = 64                              # 三号, about 16 pt
LINE = 116
RED = (215, 30, 30)

MARK = re.compile(r"^(\d{6}|(绝密|机密|秘密)(★.*)?|特急|加急|特提|平急)$")
NUMBER = re.compile(r"〔|\[|【|^第\s*\d+\s*号$")
DATE = re.compile(r"^(\d{4}|[〇○O0零一二三四五六七八九]{4})年.{1,6}日$")

_fonts: dict[int, ImageFont.FreeTypeFont] = {}


def font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(FONT_FILE, size, index=0)
    return _fonts[size]


def width(text: str, f: ImageFont.FreeTypeFont) -> int:
    return int(f.getlength(text))


class Pages:
    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
        self.seals: list[tuple[int, int, int, str]] = []      # page, x, y, name
        self.signature_alone = False                           # 署名 pushed onto a page of its own
        self.new_page()

    def new_page(self) -> None:
        self.page = Image.new("RGB", (PAGE_W, PAGE_H), "white")
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = TOP

    def need(self, height: int) -> None:
        if self.y + height > TOP + TEXT_H:
            self.new_page()

    def line(self, text: str, f: ImageFont.FreeTypeFont, *, align: str = "left", indent: int = 0,
             colour=(0, 0, 0), height: int | None = None) -> tuple[int, int]:
        """Draw one line; return the x of its centre and the y of its middle."""
        height = height or LINE
        self.need(height)
        w = width(text, f)
        if align == "center":
            x = LEFT + (TEXT_W - w) // 2
        elif align == "right":
            x = LEFT + TEXT_W - w - indent
        else:
            x = LEFT + indent
        self.draw.text((x, self.y + (height - f.size) // 2), text, font=f, fill=colour)
        middle = self.y + height // 2
        self.y += height
        return x + w // 2, middle

    def rule(self, colour=(0, 0, 0), thick: int = 3, gap: int = 30) -> None:
        self.need(gap)
        self.draw.rectangle((LEFT, self.y + gap // 3, LEFT + TEXT_W, self.y + gap // 3 + thick), fill=colour)
        self.y += gap

    def wrapped(self, text: str, f: ImageFont.FreeTypeFont, first_indent: int, *, align: str = "left",
                height: int | None = None) -> None:
        """A paragraph wrapped at the 版心 width (first line indented); centred lines for titles."""
        height = height or LINE
        start, indent = 0, first_indent
        while start < len(text):
            end = start + 1
            while end <= len(text) and width(text[start:end], f) <= TEXT_W - indent:
                end += 1
            end -= 1
            while end < len(text) and text[end] in "，。、；：）”》":   # no closing mark at a line start
                end += 1
            back = end                                  # nor a number or Latin word cut in two
            while start < back < len(text) and re.match(r"[0-9A-Za-z.]", text[back - 1] + text[back]) \
                    and re.fullmatch(r"[0-9A-Za-z.]{2}", text[back - 1] + text[back]):
                back -= 1
            if back > start + 1 and back != end:
                end = back
            self.line(text[start:end], f, indent=indent, align=align, height=height)
            start, indent = end, 0

    def finish(self) -> list[Image.Image]:
        for n, x, y, name in self.seals:
            press_seal(self.pages[n], x, y, name)
        if len(self.pages) > 1:
            f = font(50)
            for n, page in enumerate(self.pages, 1):
                label = f"— {n} —"
                x = LEFT + TEXT_W - width(label, f) - 64 if n % 2 else LEFT + 64
                ImageDraw.Draw(page).text((x, TOP + TEXT_H + 90), label, font=f, fill=(0, 0, 0))
        return self.pages


def press_seal(page: Image.Image, cx: int, cy: int, name: str) -> None:
    """A round red seal (ring, star, the organ's name along the upper arc), multiplied onto the page."""
    layer = Image.new("RGB", page.size, "white")
    d = ImageDraw.Draw(layer)
    r = 236
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=RED, width=10)
    star = []
    for k in range(10):
        rad = 78 if k % 2 == 0 else 31
        a = -math.pi / 2 + k * math.pi / 5
        star.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    d.polygon(star, fill=RED)
    f = font(58)
    n = len(name)
    span = min(230.0, 24.0 * n)
    for k, ch in enumerate(name):
        a = math.radians(-90 - span / 2 + span * (k + 0.5) / n)
        glyph = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(glyph).text((11, 5), ch, font=f, fill=255)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        gx = int(cx + (r - 62) * math.cos(a)) - 40
        gy = int(cy + (r - 62) * math.sin(a)) - 40
        layer.paste(Image.new("RGB", (80, 80), RED), (gx, gy), glyph)
    page.paste(ImageChops.multiply(page, layer))


def blocks_of(text: str) -> list[list[str]]:
    """Paragraph blocks (blank-line separated), page-number lines dropped."""
    out: list[list[str]] = [[]]
    for raw in text.splitlines():
        ln = raw.strip()
        if re.fullmatch(r"—\s*\d+\s*—", ln):
            continue
        if not ln:
            if out[-1]:
                out.append([])
            continue
        out[-1].append(raw.rstrip())
    return [b for b in out if b]


def is_signature(block: list[str]) -> bool:
    return (DATE.match(block[-1].strip()) is not None and len(block) <= 4
            and all(len(ln.strip()) <= 22 and not ln.strip().startswith(("附件", "联系")) for ln in block))


def body(pages: Pages, blocks: list[list[str]], seal: str | None) -> None:
    f = font(BODY)
    first = True
    for block in blocks:
        if is_signature(block):
            pages.y += 90
            before = len(pages.pages)
            pages.need(LINE * len(block))
            pages.signature_alone |= len(pages.pages) > before
            date = block[-1].strip()
            date_w = width(date, f)
            centre = LEFT + TEXT_W - 4 * BODY - date_w // 2
            top = pages.y
            for ln in block[:-1]:
                ln = ln.strip()
                pages.line(ln, f, indent=LEFT + TEXT_W - centre - width(ln, f) // 2, align="right")
            pages.line(date, f, align="right", indent=4 * BODY)
            if seal:
                pages.seals.append((len(pages.pages) - 1, centre, top + LINE * (len(block) - 1) - 20, seal))
            first = False
            continue
        for ln in block:
            s = ln.strip()
            if re.match(r"^(抄送|分送)[：:]", s):
                pages.y += 160
                pages.rule()
                pages.wrapped(s, f, BODY // 2)
            elif s.endswith("印发"):
                parts = re.split(r"\s{2,}|　{2,}", s, maxsplit=1)
                if not any(re.match(r"^(抄送|分送)", b[0].strip()) for b in blocks):
                    pages.y += 160
                pages.rule(thick=2)
                pages.need(LINE)
                y = pages.y
                pages.line(parts[0].strip(), f, indent=BODY // 2)
                if len(parts) > 1:
                    pages.y = y
                    pages.line(parts[1].strip(), f, align="right", indent=BODY // 2)
                pages.rule()
            elif first and s.endswith(("：", ":")) and "，" not in s and len(s) < 60:
                pages.wrapped(s, f, 0)                                   # 主送机关
            elif ln.startswith("　　　"):
                pages.wrapped(s, f, 5 * BODY)                            # 附件 continuation
            elif s.startswith("附件"):
                pages.y += 40
                pages.wrapped(s, f, 2 * BODY)
            else:
                pages.wrapped(s, f, 2 * BODY)
            first = False


def typeset(text: str, kind: str, seal: str | None, rng: random.Random) -> list[Image.Image]:
    """GB/T 9704 7.3.5: the 署名 never stands on a page without body text; like a typesetter,
    tighten the line spacing until it does not."""
    global LINE
    normal = LINE
    try:
        for LINE in (normal, normal - 6, normal - 12, normal - 18):
            state = rng.getstate()
            pages = typeset_once(text, kind, seal, rng)
            if not pages.signature_alone:
                break
            rng.setstate(state)
    finally:
        LINE = normal
    return pages.finish()


def typeset_once(text: str, kind: str, seal: str | None, rng: random.Random) -> Pages:
    pages = Pages()
    blocks = blocks_of(text)
    f = font(BODY)
    i = 0
    if kind in ("gongwen", "letter"):
        lines = [ln.strip() for b in blocks for ln in b]
        # 版头: marks, 发文机关标志 lines, then the 发文字号 line
        flat = 0
        while flat < len(lines) and not NUMBER.search(lines[flat]):
            ln = lines[flat]
            if MARK.match(ln):
                pages.line(ln, f)
            else:
                size = 104 if kind == "letter" else 120
                while width(ln, font(size)) > TEXT_W - 100:
                    size -= 8
                pages.line(ln, font(size), align="center", colour=RED, height=170)
            flat += 1
        pages.y += 30
        if kind == "letter":
            pages.rule(RED, 8, 20)
            pages.rule(RED, 3, 20)
            pages.line(lines[flat], f, align="right", indent=BODY)
        else:
            pages.y += 40
            pages.line(lines[flat], f, align="center")
            pages.rule(RED, 6, 40)
        pages.y += 50
        # the blocks consumed by the 版头
        seen = 0
        while seen <= flat:
            seen += len(blocks[i])
            i += 1
    # title block (centred, larger), then a 题注 line if any
    title_size = 84 if kind != "form" else 76
    for ln in blocks[i]:
        pages.wrapped(ln.strip(), font(title_size), 0, align="center", height=128)
    i += 1
    pages.y += 40
    if i < len(blocks) and len(blocks[i]) == 1 and blocks[i][0].strip().startswith("（"):
        pages.line(blocks[i][0].strip(), font(56), align="center")
        pages.y += 30
        i += 1
    if kind == "form":
        form(pages, blocks[i:], rng)
    else:
        body(pages, blocks[i:], seal)
    return pages


def form(pages: Pages, blocks: list[list[str]], rng: random.Random) -> None:
    """Forms: field lines flush left, ``a | b | c`` rows as a ruled table."""
    f = font(52)
    for block in blocks:
        rows = [[c.strip() for c in ln.split("|")] for ln in block if "|" in ln]
        if not rows:
            for ln in block:
                pages.line(ln.rstrip(), font(BODY - 6), indent=BODY // 2)
            pages.y += 20
            continue
        ncol = max(len(r) for r in rows)
        need = [max((width(r[c], f) if c < len(r) else 0) for r in rows) + 40 for c in range(ncol)]
        scale = TEXT_W / sum(need)
        if scale < 1:
            f = font(max(40, int(52 * scale * 0.98)))
            need = [max((width(r[c], f) if c < len(r) else 0) for r in rows) + 30 for c in range(ncol)]
            scale = TEXT_W / sum(need)
        cols = [int(n * scale) for n in need]
        xs = [LEFT + sum(cols[:c]) for c in range(ncol + 1)]
        height = 104
        for r in rows:
            pages.need(height)
            y = pages.y
            cells = r if len(r) == ncol else r + [""] * (ncol - len(r))
            for c, cell in enumerate(cells):
                pages.draw.text((xs[c] + 16, y + (height - f.size) // 2), cell, font=f, fill=(0, 0, 0))
            if rows.index(r) > 0 and rows[0][-1] in ("签名", "签到"):       # a handwritten signature
                x0, x1 = xs[-2] + 20, xs[-1] - 20
                pts = [(x0 + (x1 - x0) * k / 9, y + height / 2 + rng.uniform(-28, 28)) for k in range(10)]
                pages.draw.line(pts, fill=(20, 20, 60), width=5, joint="curve")
            pages.draw.rectangle((LEFT, y, LEFT + TEXT_W, y + height), outline=(0, 0, 0), width=2)
            for x in xs[1:-1]:
                pages.draw.line((x, y, x, y + height), fill=(0, 0, 0), width=2)
            pages.y += height
        pages.y += 30


def scan(page: Image.Image, rng: random.Random, colour: bool) -> Image.Image:
    """A cheap office scanner: slightly rotated, blurred, noisy, a little dust."""
    img = page if colour else page.convert("L")
    img = img.rotate(rng.uniform(-0.8, 0.8), resample=Image.BICUBIC, expand=False,
                     fillcolor=(255, 255, 255) if colour else 255)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    arr = np.asarray(img).astype(np.float32)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    arr += nprng.normal(0, rng.uniform(6, 11), arr.shape[:2])[..., None] if colour else \
        nprng.normal(0, rng.uniform(6, 11), arr.shape)
    dust = nprng.random(arr.shape[:2]) < 0.0005
    arr[dust] = 0
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def written_text(folder: Path, label: dict) -> str:
    source = folder / label["written"] if "written" in label else folder / f"{label['derived_from']}.txt"
    return source.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    return make_batch(HERE, LAYOUT, seed_offset=0, argv=argv)


def make_batch(folder: Path, layout_of: dict[str, dict], *, seed_offset: int, argv: list[str] | None) -> int:
    """Typeset, scan and read back every OCR'd entry of the batch in ``folder`` (its labels.json);
    the scans are seeded by the entry's number plus ``seed_offset``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="only these entries")
    parser.add_argument("--pages", type=Path, help="also keep the page images in this folder")
    parser.add_argument("--render-only", action="store_true", help="render the pages, do not OCR")
    args = parser.parse_args(argv)

    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    todo = [k for k, v in sorted(labels.items()) if v["source"] == "ocr" and (not args.only or k in args.only)]
    missing = [k for k in todo if k not in layout_of]
    if missing:
        raise SystemExit(f"no layout for {missing}")

    from core.settings import Settings
    from extractors import Empty, extract

    conf = Settings(data_dir=folder / "no-such-data-dir", workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        pages_folder = args.pages or Path(tmp)
        pages_folder.mkdir(parents=True, exist_ok=True)
        for doc_id in todo:
            layout = layout_of[doc_id]
            rng = random.Random(seed_offset + int(doc_id))
            pages = typeset(written_text(folder, labels[doc_id]), layout["kind"], layout["seal"], rng)
            texts = []
            for n, page in enumerate(pages, 1):
                png = pages_folder / f"{doc_id}-{n}.png"
                for attempt in range(1, 4):
                    scan(page, rng, colour=layout["seal"] is not None).save(png, dpi=(300, 300))
                    if args.render_only:
                        break
                    try:
                        result = extract(png, conf)
                    except Empty as e:
                        # what the scanner operator is told to do: scan the page again
                        print(f"{doc_id} page {n} scan {attempt}: nothing read ({getattr(e, 'cause', e)}); scanning again",
                              flush=True)
                        continue
                    for warning in result.warnings:
                        print(f"{doc_id} page {n} scan {attempt}: {warning}", flush=True)
                    texts.append(result.text)
                    break
                else:
                    raise SystemExit(f"{doc_id} page {n}: nothing read in three scans")
            if not args.render_only:
                (folder / f"{doc_id}.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
            print(doc_id, layout["kind"], len(pages), "page(s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
