"""Renderers for the laid-out pages (PDF via fpdf2 or reportlab, raster via Pillow, OFD by hand)
and for docx (python-docx, from the blocks), plus scan degradation."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from layout import PAGE_H, PAGE_W, PT, Page

NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"  # CFF outlines
NOTO_SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"    # CFF outlines
WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"                    # TrueType outlines
BLACK_INK = (0, 0, 0)
SC = 2  # index of the Simplified Chinese face in the Noto collections


# --- raster ---------------------------------------------------------------------------------

def render_image(page: Page, dpi: int) -> Image.Image:
    px = dpi / 25.4
    img = Image.new("RGB", (round(PAGE_W * px), round(PAGE_H * px)), "white")
    draw = ImageDraw.Draw(img)
    fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}

    def font(role: str, size: int) -> ImageFont.FreeTypeFont:
        key = (role, size)
        if key not in fonts:
            path = NOTO_SANS if role in ("org",) else NOTO_SERIF
            fonts[key] = ImageFont.truetype(path, round(size * PT * px), index=SC)
        return fonts[key]

    for rule in page.rules:
        y = rule.y * px
        draw.line([(rule.x0 * px, y), (rule.x1 * px, y)], fill=rule.color,
                  width=max(1, round(rule.width * px)))
    for v in page.vrules:
        draw.line([(v.x * px, v.y0 * px), (v.x * px, v.y1 * px)], fill=BLACK_INK,
                  width=max(1, round(v.width * px)))
    lines = list(page.lines)
    for line in lines:
        f = font(line.role, line.size)
        for seg in line.segments:
            anchor = {"left": "ls", "center": "ms", "right": "rs"}[seg.align]
            draw.text((seg.x * px, line.y * px), seg.text, font=f, fill=line.color, anchor=anchor)
    if page.number:
        draw.text((PAGE_W / 2 * px, 275 * px), page.number, font=font("body", 14), fill="black",
                  anchor="ms")
    return img


def degrade(img: Image.Image, *, seed: int, skew: float, background: int, shading: int,
            noise: float, blur: float, speckle: float = 0.0) -> Image.Image:
    """Make a grey page look scanned: paper tone with uneven light, sensor noise, slight blur,
    specks, and a page that was not fed straight."""
    rng = np.random.default_rng(seed)
    if skew:
        img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=255)
    a = np.asarray(img, dtype=np.float32) / 255.0
    h, w = a.shape
    paper = np.full((h, w), float(background), dtype=np.float32)
    if shading:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        paper -= shading * ((xx / w - 0.3) ** 2 + (yy / h - 0.4) ** 2)
    out = a * paper  # ink stays dark, white becomes the paper tone
    if noise:
        out += rng.normal(0.0, noise, size=(h, w)).astype(np.float32)
    if speckle:
        mask = rng.random((h, w)) < speckle
        out[mask] = 0.0
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return img


# --- PDF ----------------------------------------------------------------------------------

def render_pdf_fpdf(path: Path, pages: list[Page]) -> None:
    """fpdf2 embeds the Noto CJK face as a CFF (CIDFontType0C) subset: pdfminer, and so
    pdfplumber, returns no text for it while pdfium reads it."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc))
    pdf.set_auto_page_break(False)
    pdf.add_font("serif", fname=NOTO_SERIF, collection_font_number=SC)
    pdf.add_font("sans", fname=NOTO_SANS, collection_font_number=SC)
    for page in pages:
        pdf.add_page()
        for rule in page.rules:
            pdf.set_draw_color(*rule.color)
            pdf.set_line_width(rule.width)
            pdf.line(28, rule.y, 184, rule.y)
        for line in page.lines:
            pdf.set_font("sans" if line.role == "org" else "serif", size=line.size)
            pdf.set_text_color(*line.color)
            for seg in line.segments:
                pdf.text(_x(seg, pdf.get_string_width(seg.text)), line.y, seg.text)
        if page.number:
            pdf.set_font("serif", size=14)
            pdf.set_text_color(0, 0, 0)
            pdf.text(PAGE_W / 2 - pdf.get_string_width(page.number) / 2, 275, page.number)
    pdf.output(str(path))


def _x(seg, width: float) -> float:
    return {"left": seg.x, "center": seg.x - width / 2, "right": seg.x - width}[seg.align]


def render_pdf_reportlab(path: Path, pages: list[Page], *, user_password: str | None = None,
                         break_fonts_of: set[int] = frozenset()) -> None:
    """reportlab embeds wqy-zenhei as TrueType subsets with a ToUnicode map. For the pages in
    ``break_fonts_of`` a second font name is used whose ToUnicode map is then removed: its
    text layer decodes to garbage, like PDFs from some old typesetting systems."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    # The broken font must be a different face (the Mono one of the collection): reportlab
    # shares subsets between registrations of the same face.
    for name, index in (("wqy", 0), ("wqybroken", 1)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, WQY, subfontIndex=index))
    encrypt = None
    if user_password:
        from reportlab.lib.pdfencrypt import StandardEncryption
        encrypt = StandardEncryption(user_password, ownerPassword="owner-" + user_password,
                                     strength=128)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W * mm, PAGE_H * mm), invariant=1,
                      pageCompression=0 if break_fonts_of else 1, encrypt=encrypt)
    for i, page in enumerate(pages):
        font = "wqybroken" if i in break_fonts_of else "wqy"
        for rule in page.rules:
            c.setStrokeColorRGB(*(v / 255 for v in rule.color))
            c.setLineWidth(rule.width * mm)
            c.line(28 * mm, (PAGE_H - rule.y) * mm, 184 * mm, (PAGE_H - rule.y) * mm)
        for line in page.lines:
            c.setFont(font, line.size)
            c.setFillColorRGB(*(v / 255 for v in line.color))
            y = (PAGE_H - line.y) * mm
            for seg in line.segments:
                draw = {"left": c.drawString, "center": c.drawCentredString,
                        "right": c.drawRightString}[seg.align]
                draw(seg.x * mm, y, seg.text)
        if page.number:
            c.setFont(font, 14)
            c.setFillColorRGB(0, 0, 0)
            c.drawCentredString(PAGE_W / 2 * mm, (PAGE_H - 275) * mm, page.number)
        c.showPage()
    broken = (pdfmetrics.getFont("wqybroken").getSubsetInternalName(0, c._doc).lstrip("/")
              .split("+")[0] if break_fonts_of else "")
    c.save()
    data = buf.getvalue()
    if break_fonts_of:
        data = _drop_tounicode(data, broken)
    path.write_bytes(data)


def _drop_tounicode(pdf: bytes, internal_name: str) -> bytes:
    """Rename /ToUnicode in the font dictionaries of one font (reportlab names its subsets
    /F3+0, /F3+1, ...). Same length, so the xref offsets stay valid; readers then have no way
    to map the glyphs back to characters."""
    pattern = re.compile(rb"<<[^<>]*?/Name /" + re.escape(internal_name.encode()) + rb"\+\d+[^<>]*?>>", re.S)
    out, count = pattern.subn(lambda m: m.group(0).replace(b"/ToUnicode", b"/ToUnicodX"), pdf)
    if not count:
        raise RuntimeError(f"no font dictionary named {internal_name} found")
    return out


# --- docx ---------------------------------------------------------------------------------

def _east_asian(run, name: str = "仿宋") -> None:
    from docx.oxml.ns import qn

    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _border_paragraph(doc, color: str = "C81414") -> None:
    from docx.oxml.ns import qn

    p = doc.add_paragraph()
    ppr = p._element.get_or_add_pPr()
    bdr = ppr.makeelement(qn("w:pBdr"), {})
    bottom = bdr.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "12",
                                               qn("w:space"): "1", qn("w:color"): color})
    bdr.append(bottom)
    ppr.append(bdr)


def _page_field(paragraph) -> None:
    """— PAGE — as Word writes it: a complex field whose cached result is the number."""
    from docx.oxml.ns import qn

    def run_with(tag: str, **attrs):
        r = paragraph.add_run()._element
        el = r.makeelement(qn(tag), {qn(k): v for k, v in attrs.items()})
        r.append(el)
        return el

    paragraph.add_run("— ")
    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText").text = " PAGE "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run("1")
    run_with("w:fldChar", **{"w:fldCharType": "end"})
    paragraph.add_run(" —")


def _fixed_core(doc) -> None:
    when = datetime(2026, 11, 20, 9, 0)
    doc.core_properties.created = when
    doc.core_properties.modified = when
    doc.core_properties.author = "东湖大学"
    doc.core_properties.last_modified_by = "东湖大学"


def render_docx(path: Path, blocks, *, header: str | None = None,
                footer: str | None = None) -> list[str]:
    """Write the blocks as a Word document; return the lines the extractor must yield."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    doc = Document()
    _fixed_core(doc)
    expected: list[str] = []
    if header:
        doc.sections[0].header.paragraphs[0].text = header
        expected.append(re.sub(r"　{2,}", "\t", header))

    def para(text: str, *, align=None, size=16, color=None, indent=False, bold=False):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        _east_asian(run)
        if color:
            run.font.color.rgb = RGBColor(*color)
        if align:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * size)
        return p

    for kind, content in blocks:
        if kind == "org":
            para(content, align=WD_ALIGN_PARAGRAPH.CENTER, size=30, color=(200, 20, 20), bold=True)
            expected.append(content)
        elif kind == "docno":
            text = content if isinstance(content, str) else content[0] + "　" * 10 + content[1]
            para(text, align=WD_ALIGN_PARAGRAPH.CENTER)
            expected.append(content if isinstance(content, str) else "\t".join(content))
        elif kind == "docno_right":
            para(content, align=WD_ALIGN_PARAGRAPH.RIGHT)
            expected.append(content)
        elif kind == "rule":
            _border_paragraph(doc)
        elif kind == "title":
            para("".join(content), align=WD_ALIGN_PARAGRAPH.CENTER, size=22)
            expected.append("".join(content))
        elif kind in ("salute", "para_plain", "note", "cc"):
            para(content, indent=kind == "note")
            expected.append(content)
        elif kind == "para":
            para(content, indent=True)
            expected.append(content)
        elif kind == "attach":
            for i, line in enumerate(content):
                p = para(line)
                p.paragraph_format.left_indent = Pt(32 if i == 0 else 80)
                expected.append(line)
        elif kind in ("sign", "date"):
            p = para(content, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(64)
            expected.append(content)
        elif kind == "print":
            para(content[0] + "　" * 8 + content[1])
            expected.append("\t".join(content))
        elif kind == "table":
            table = doc.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row in enumerate(content):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
                expected.append("\t".join(row))
        else:
            raise ValueError(kind)
    if footer:
        section = doc.sections[0]
        _page_field(section.footer.paragraphs[0])
        section.footer.add_paragraph(footer)
        expected.append(footer)
    doc.save(path)
    return expected


def render_gaozhi(path: Path, title: str, rows: list[list]) -> list[str]:
    """The 发文稿纸: a title and one 4-column table with horizontal and vertical merges."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    _fixed_core(doc)
    p = doc.add_paragraph(title)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = doc.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    expected = [title]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value not in (None, "^"):
                table.cell(r, c).text = value
    for r, row in enumerate(rows):  # merge after filling, as a clerk's template would be
        c = 0
        while c < len(row):
            end = c
            while end + 1 < len(row) and row[end + 1] is None:
                end += 1
            if end > c:
                table.cell(r, c).merge(table.cell(r, end))
            if row[c] == "^":
                table.cell(r - 1, c).merge(table.cell(r, c))
            c = end + 1
        expected.append("\t".join(v.replace("　", " ") for v in row if v not in (None, "^")))
    doc.save(path)
    return expected


# --- OFD and OLE2 -------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"


def write_ofd(path: Path, pages: list[Page]) -> None:
    """A minimal but well-formed OFD (GB/T 33190): OFD.xml -> Document.xml -> Content.xml,
    one TextObject per line segment, positions in millimetres."""
    files: dict[str, str] = {}
    files["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" '
        'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>dhu-2026-16</ofd:DocID>'
        '<ofd:Title>关于召开2026年度学院教职工大会的通知</ofd:Title></ofd:DocInfo>'
        '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    page_refs = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                        for i in range(len(pages)))
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{_OFD_NS}">'
        '<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>'
        f'<ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>'
        '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
        f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
    files["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    for i, page in enumerate(pages):
        objects, oid = [], 100
        # Write the lines bottom-up: readers must order by position, not by file order.
        for line in reversed(page.lines):
            size = line.size * PT
            for seg in line.segments:
                width = sum(size * (0.55 if ord(ch) < 0x2000 else 1.0) for ch in seg.text)
                x = {"left": seg.x, "center": seg.x - width / 2, "right": seg.x - width}[seg.align]
                deltas = " ".join(f"{size * (0.55 if ord(ch) < 0x2000 else 1.0):.2f}"
                                  for ch in seg.text[:-1])
                objects.append(
                    f'<ofd:TextObject ID="{oid}" Boundary="{x:.2f} {line.y - size:.2f} '
                    f'{width:.2f} {size * 1.2:.2f}" Font="2" Size="{size:.2f}">'
                    f'<ofd:TextCode X="0" Y="{size:.2f}" DeltaX="{deltas}">{_xml(seg.text)}'
                    '</ofd:TextCode></ofd:TextObject>')
                oid += 1
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{_OFD_NS}">'
            f'<ofd:Content><ofd:Layer ID="{oid}">{"".join(objects)}</ofd:Layer></ofd:Content>'
            '</ofd:Page>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 8, 9, 0, 0)), body.encode())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_ole2_stub(path: Path) -> None:
    """A valid OLE2 compound file whose one stream is named WordDocument and starts with the
    Word 97 FIB magic: what a legacy .doc looks like to content sniffing. Its body is not a
    real Word document (writing one needs Word or LibreOffice)."""
    sector = 512
    stream = struct.pack("<HH", 0xA5EC, 0x00C1) + b"\0" * (4096 - 4)  # >= 4096: regular sectors
    n_stream = len(stream) // sector
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)            # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)            # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)         # mini stream cutoff
    struct.pack_into("<I", header, 0x3C, 0xFFFFFFFE)   # no mini FAT
    struct.pack_into("<I", header, 0x44, 0xFFFFFFFE)   # no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    # sectors: 0 = FAT, 1 = directory, 2.. = stream
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [3 + i for i in range(n_stream - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    fat_sector = struct.pack("<128I", *fat)

    def entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        e = bytearray(128)
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, 0xFFFFFFFF, 0xFFFFFFFF, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    directory = (entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1) + entry("WordDocument", 2, 2, len(stream))
                 + b"\0" * 256)
    path.write_bytes(bytes(header) + fat_sector + directory + stream)


# --- seals and colour scans (issue 13's samples) --------------------------------------------

def stamp_seal(img: Image.Image, centre_mm: tuple[float, float], dpi: int, text: str, *,
               seed: int, radius_mm: float = 21.0, color=(214, 36, 44),
               opacity: float = 0.8, turn: float = 0.0) -> Image.Image:
    """Press a round red seal (ring, the organ's name along the upper arc, a star in the middle)
    onto an RGB page, the way ink does: multiplied over the print, so black stays black, with
    uneven ink, turned ``turn`` degrees clockwise as a hand-pressed seal often is. A seal over
    the 署名 and 成文日期 is how GB/T 9704 places it."""
    import math

    px = dpi / 25.4
    cx, cy = centre_mm[0] * px, centre_mm[1] * px
    r = radius_mm * px
    mask = Image.new("L", img.size, 0)
    draw = ImageDraw.Draw(mask)
    ring = 1.3 * px
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=round(ring))
    star_r, inner = 0.3 * r, 0.3 * r * 0.382
    points = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5 + math.radians(turn)
        rr = star_r if k % 2 == 0 else inner
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(points, fill=255)
    size = round(0.26 * r)
    font = ImageFont.truetype(NOTO_SANS, size, index=SC)
    span = 240.0  # degrees of arc the name covers, centred on the top
    for i, ch in enumerate(text):
        angle = -90 - span / 2 + span * (i + 0.5) / len(text) + turn  # screen angle, 0 = east
        rad = math.radians(angle)
        tile = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(tile).text((size, size), ch, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-(angle + 90), resample=Image.BICUBIC)
        rr = r - ring - 0.62 * size
        x, y = cx + rr * math.cos(rad), cy + rr * math.sin(rad)
        mask.paste(255, (round(x - size), round(y - size)), tile)
    rng = np.random.default_rng(seed)
    m = np.asarray(mask, dtype=np.float32) / 255.0
    ink = np.clip(rng.normal(1.0, 0.18, size=m.shape), 0.45, 1.0).astype(np.float32)
    m = np.asarray(Image.fromarray((m * ink * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2)),
                   dtype=np.float32) / 255.0 * opacity
    base = np.asarray(img.convert("RGB"), dtype=np.float32)
    tint = np.array(color, dtype=np.float32) / 255.0
    out = base * (1.0 - m[..., None] * (1.0 - tint))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")


def degrade_rgb(img: Image.Image, *, skew: float, paper=(242, 239, 230), shading: int = 0,
                blur: float = 0.0) -> Image.Image:
    """The colour counterpart of degrade(): a slightly tilted page on off-white paper."""
    img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    a = np.asarray(img, dtype=np.float32) / 255.0
    h, w, _ = a.shape
    tone = np.empty((h, w, 3), dtype=np.float32)
    tone[:] = paper
    if shading:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        tone -= (shading * ((xx / w - 0.3) ** 2 + (yy / h - 0.4) ** 2))[..., None]
    img = Image.fromarray(np.clip(a * tone, 0, 255).astype(np.uint8), "RGB")
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return img


def posterize(img: Image.Image, levels: list[int], cuts: list[int]) -> Image.Image:
    """A grey page as a palette image of a few grey levels (values below cuts[0] become
    levels[0], ...), so a 300 dpi page compresses to a 2- or 4-bit PNG. A median-cut quantizer
    would spend its colours on shades of paper and flatten the ink."""
    assert len(levels) == len(cuts) + 1
    lut = [sum(v >= c for c in cuts) for v in range(256)]
    out = Image.frombytes("P", img.size, img.convert("L").point(lut).tobytes())
    out.putpalette([v for level in levels for v in (level, level, level)])
    return out


def to_palette(img: Image.Image, colours: list[tuple[int, int, int]]) -> Image.Image:
    """An RGB page mapped onto a fixed palette (nearest colour, no dithering)."""
    pal = Image.new("P", (1, 1))
    pal.putpalette([v for c in colours for v in c] + [0, 0, 0] * (256 - len(colours)))
    return img.convert("RGB").quantize(palette=pal, dither=Image.Dither.NONE)


def images_to_pdf(path: Path, images: list[Image.Image], when: datetime) -> None:
    """A scanned PDF: one full-page image per A4 page, no text layer. Palette pages go in as
    their PNG data (Flate), which is what keeps a two-page 300 dpi scan small."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(when)
    pdf.set_auto_page_break(False)
    for img in images:
        pdf.add_page()
        buf = io.BytesIO()
        img.save(buf, "PNG", optimize=True, dpi=(300, 300))
        buf.seek(0)
        pdf.image(buf, x=0, y=0, w=PAGE_W, h=PAGE_H)
    pdf.output(str(path))
