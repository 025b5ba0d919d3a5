"""Make the OCR'd entries of the labelled set (reproducible; the test suite never runs OCR).

Each chosen born-digital document is typeset as GB/T 9704-like A4 pages at 300 dpi with PIL and
the Noto CJK fonts (red 发文机关标志 and rule, centred 小标宋-like title, right-aligned
signature, 版记 between rules, page numbers), some pages skewed and noised like a scan. The pages
go through RapidOCR and tesseract (chi_sim+eng, OMP_THREAD_LIMIT=1). The raw OCR output is saved
as a new ``NNN.txt`` whose labels are copied from the source document, with
``source = "ocr"``, ``derived_from`` and ``engine``.

    .venv/bin/python -m tests.understand.make_ocr_texts            # all engines
    .venv/bin/python -m tests.understand.make_ocr_texts --pages-only /tmp/pages   # just render

Takes about 3 minutes on 2 cores. Pages are joined with a form feed, as pdftotext does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
LABELLED = HERE / "labelled"
FONT_DIR = Path("/usr/share/fonts/opentype/noto")

# born-digital document -> (noisy scan?); each gets one RapidOCR and one tesseract entry.
SOURCES: dict[str, bool] = {
    "001": False, "004": True, "010": False, "011": True, "014": False, "016": True,
    "019": False, "021": True, "023": False, "037": True, "043": False, "046": True,
    "047": False, "040": True,
}
ENGINES = ("rapidocr", "tesseract")
FIRST_OCR_ID = 61

DPI = 300
PAGE_W, PAGE_H = 2480, 3508            # A4 at 300 dpi
LEFT, TOP = 331, 437                   # 28 mm, 37 mm
TEXT_W, TEXT_H = 1843, 2657            # 版心 156 x 225 mm
BODY_PX = 66                           # 三号 (16 pt)
LINE_PX = 121                          # 22 lines per page
TITLE_PX = 88                          # 二号 (22 pt)
RED = (200, 20, 20)

_fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    files = {"serif": "NotoSerifCJK-Regular.ttc", "serif-bold": "NotoSerifCJK-Bold.ttc",
             "sans-bold": "NotoSansCJK-Bold.ttc", "sans": "NotoSansCJK-Regular.ttc"}
    key = (kind, size)
    if key not in _fonts:
        # index 2 of the .ttc collections is the Simplified Chinese face
        _fonts[key] = ImageFont.truetype(str(FONT_DIR / files[kind]), size, index=2)
    return _fonts[key]


def width(text: str, f: ImageFont.FreeTypeFont) -> int:
    return int(f.getlength(text))


class Pages:
    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
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
             colour=(0, 0, 0), height: int = LINE_PX) -> None:
        self.need(height)
        w = width(text, f)
        if align == "center":
            x = LEFT + (TEXT_W - w) // 2
        elif align == "right":
            x = LEFT + TEXT_W - w - indent
        else:
            x = LEFT + indent
        self.draw.text((x, self.y + (height - f.size) // 2), text, font=f, fill=colour)
        self.y += height

    def rule(self, colour=(0, 0, 0), thick: int = 3) -> None:
        self.need(30)
        self.draw.rectangle((LEFT, self.y + 10, LEFT + TEXT_W, self.y + 10 + thick), fill=colour)
        self.y += 30

    def wrapped(self, text: str, f: ImageFont.FreeTypeFont, first_indent: int) -> None:
        """A body paragraph: first line indented two characters, wrapped at the 版心 width."""
        start, indent = 0, first_indent
        while start < len(text):
            end = start + 1
            while end <= len(text) and width(text[start:end], f) <= TEXT_W - indent:
                end += 1
            end -= 1
            # keep closing punctuation off the start of the next line
            while end < len(text) and text[end] in "，。、；：）”》":
                end += 1
            self.line(text[start:end], f, indent=indent)
            start, indent = end, 0

    def numbered(self) -> list[Image.Image]:
        if len(self.pages) > 1:
            f = font("serif", 50)
            for n, page in enumerate(self.pages, 1):
                label = f"— {n} —"
                d = ImageDraw.Draw(page)
                x = LEFT + TEXT_W - width(label, f) - 66 if n % 2 else LEFT + 66
                d.text((x, TOP + TEXT_H + 90), label, font=f, fill=(0, 0, 0))
        return self.pages


MARK = re.compile(r"^(\d{6}|(绝密|机密|秘密)(★.*)?|特急|加急|特提|平急)$")
DOCNO = re.compile(r"〔|\[|【|（\s*20|\(\s*20")
SIGN_DATE = re.compile(r"^(\d{4}|[〇○零一二]{4}|[０-９]{4})年.*日$")


def is_addressee(line: str) -> bool:
    """主送机关: a short line ending in a colon, flush left."""
    return line.endswith(("：", ":")) and len(line) < 40 and "，" not in line and "。" not in line


def typeset(text: str, label: dict) -> list[Image.Image]:
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not re.fullmatch(r"—\s*\d+\s*—", ln)]
    title = label.get("title") or ""
    pages = Pages()
    body = font("serif", BODY_PX)
    i = 0
    # 份号 / 密级 / 紧急程度, top left in 黑体
    while i < len(lines) and MARK.match(lines[i]):
        pages.line(lines[i], font("sans-bold", BODY_PX))
        i += 1
    # title lines: consecutive lines that concatenate to the title
    title_at = None
    for start in range(len(lines)):
        acc = ""
        for end in range(start, min(start + 4, len(lines))):
            acc += lines[end]
            if title and acc == title:
                title_at = (start, end)
                break
            if not title.startswith(acc):
                break
        if title_at:
            break
    is_gongwen = label["doc_type"] != "其他"
    header_end = i
    if is_gongwen and title_at:
        for j in range(i, title_at[0]):
            if DOCNO.search(lines[j]) or lines[j].startswith("第"):
                header_end = j
                break
        else:
            header_end = title_at[0]
    # 发文机关标志: red, big, centred
    for j in range(i, header_end):
        f = font("serif-bold", 120)
        while width(lines[j], f) > TEXT_W:
            f = font("serif-bold", f.size - 8)
        pages.line(lines[j], f, align="center", colour=RED, height=180)
    i = header_end
    if is_gongwen and title_at and i < title_at[0]:
        pages.y += 40
        for j in range(i, title_at[0]):        # 发文字号 (+ 签发人), 期号, 纪要 organ/date line
            parts = re.split(r"\s{4,}", lines[j])
            if len(parts) == 2:
                pages.need(LINE_PX)
                y = pages.y
                pages.line(parts[0], body, indent=BODY_PX)
                pages.y = y
                pages.line(parts[1], body, align="right", indent=BODY_PX)
            else:
                pages.line(lines[j], body, align="center")
        pages.rule(RED, 6)
        pages.y += 60
        i = title_at[0]
    if title_at:
        for j in range(title_at[0], title_at[1] + 1):
            f = font("serif-bold", TITLE_PX)
            while width(lines[j], f) > TEXT_W:
                f = font("serif-bold", f.size - 6)
            pages.line(lines[j], f, align="center", height=130)
        pages.y += 60
        i = title_at[1] + 1
    # signature block: the last issuer line + date line; 版记 lines after it
    sig = None
    for j in range(len(lines) - 1, i, -1):
        if SIGN_DATE.match(lines[j]):
            sig = j
            break
    for j in range(i, len(lines)):
        ln = lines[j]
        if sig is not None and j in (sig - 1, sig):
            if j == sig - 1:
                pages.y += 60
            pages.line(ln, body, align="right", indent=BODY_PX * (2 if j == sig - 1 else 4))
        elif re.match(r"^(抄送|分送|主送)[：:]", ln):
            pages.y += 200
            pages.rule()
            pages.wrapped(ln, body, BODY_PX // 2)
        elif ln.endswith("印发"):
            parts = re.split(r"\s{2,}|\s(?=\d{4}年)", ln, maxsplit=1)
            pages.rule(thick=2)
            pages.need(LINE_PX)
            y = pages.y
            pages.line(parts[0], body, indent=BODY_PX // 2)
            if len(parts) > 1:
                pages.y = y
                pages.line(parts[1], body, align="right", indent=BODY_PX // 2)
            pages.rule()
        elif re.match(r"^(附件|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.|出席|列席|请假|序号)", ln) \
                or ln.endswith("：") or (not is_gongwen and j < 3):
            if ln.startswith("附件"):
                pages.y += 40
            pages.wrapped(ln, body, 0 if is_addressee(ln) else BODY_PX * 2)
        else:
            pages.wrapped(ln, body, BODY_PX * 2)
    return pages.numbered()


def scan(page: Image.Image, rng: random.Random) -> Image.Image:
    """Grey, slightly rotated, blurred and noisy: what a cheap office scanner gives."""
    grey = page.convert("L")
    grey = grey.rotate(rng.uniform(-1.2, 1.2), resample=Image.BICUBIC, expand=False, fillcolor=255)
    grey = grey.filter(ImageFilter.GaussianBlur(0.8))
    arr = np.asarray(grey).astype(np.float32)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    arr += nprng.normal(0, 14, arr.shape)
    arr[nprng.random(arr.shape) < 0.0008] = 0          # dust
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def rapid_lines(result) -> str:
    """RapidOCR boxes -> reading-order lines: group by vertical overlap, then sort by x."""
    boxes = []
    for box, text, _score in result or []:
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        boxes.append((min(ys), max(ys), min(xs), max(xs), text))
    boxes.sort(key=lambda b: (b[0] + b[1]) / 2)
    lines: list[list[tuple]] = []
    for b in boxes:
        centre = (b[0] + b[1]) / 2
        if lines:
            last = lines[-1]
            top = min(x[0] for x in last)
            bottom = max(x[1] for x in last)
            if top < centre < bottom:
                last.append(b)
                continue
        lines.append([b])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[2])
        text = line[0][4]
        for prev, cur in zip(line, line[1:]):
            gap = cur[2] - prev[3]
            text += (" " if gap > (cur[1] - cur[0]) else "") + cur[4]
        out.append(text)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-only", type=Path, help="only render the page images into this folder")
    args = parser.parse_args(argv)

    labels_path = LABELLED / "labels.json"
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    rendered: dict[str, list[Image.Image]] = {}
    for n, (doc_id, noisy) in enumerate(SOURCES.items()):
        text = (LABELLED / f"{doc_id}.txt").read_text(encoding="utf-8")
        pages = typeset(text, labels[doc_id])
        if noisy:
            rng = random.Random(int(doc_id))
            pages = [scan(p, rng) for p in pages]
        else:
            pages = [p.convert("L") for p in pages]
        rendered[doc_id] = pages
        if args.pages_only:
            args.pages_only.mkdir(parents=True, exist_ok=True)
            for k, page in enumerate(pages, 1):
                page.save(args.pages_only / f"{doc_id}-{k}.png")
    if args.pages_only:
        return 0

    os.environ["OMP_THREAD_LIMIT"] = "1"        # tesseract fights itself on 2 cores otherwise
    import pytesseract
    from rapidocr_onnxruntime import RapidOCR

    rapid = RapidOCR()
    for key in [k for k, v in labels.items() if v.get("source") == "ocr"]:
        del labels[key]
    next_id = FIRST_OCR_ID
    for doc_id, pages in rendered.items():
        for engine in ENGINES:
            texts = []
            for page in pages:
                if engine == "rapidocr":
                    result, _ = rapid(np.asarray(page.convert("RGB")))
                    texts.append(rapid_lines(result))
                else:
                    texts.append(pytesseract.image_to_string(page, lang="chi_sim+eng").strip())
            out_id = f"{next_id:03d}"
            next_id += 1
            (LABELLED / f"{out_id}.txt").write_text("\f".join(texts) + "\n", encoding="utf-8")
            entry = {k: v for k, v in labels[doc_id].items() if k != "note"}
            entry.update(source="ocr", derived_from=doc_id, engine=engine,
                         scan="noisy" if SOURCES[doc_id] else "clean")
            labels[out_id] = entry
            print(out_id, doc_id, engine, len(pages), "pages", flush=True)
    labels_path.write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
