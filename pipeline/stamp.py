"""加盖收文章: the first page of a 收文's stored original with the office's 收文章 drawn at its top
right, as offices stamp paper: a red rectangle of three cells, 单位名称 (``office.names[0]``),
收文编号 (the 登记号) and 收文日期 (the day it was registered, office time), in red ink over the
page (multiplied, so the page shows through as under a real stamp). The result is a one-page
PDF at ``DPI``.

The stamped copy is derived: the stored original is only read, never written, and the copy is
made again on every request, the same bytes each time (its PDF dates are the registration's).

The first page comes from:
- a PDF: rendered by pdfium;
- an image (PNG, JPEG, TIFF, …): its first frame, at its own resolution (A4 width assumed when
  the file names none), brought down to ``DPI``;
- a text file: its first lines laid on an A4 page (a text file has no page of its own);
- a word-processor file (docx, doc, wps, rtf, odt): converted to PDF by LibreOffice when it is
  installed (``extractors.legacy.soffice``); without LibreOffice, and for OFD, there is no first
  page to stamp, and wenshu says so (Unsupported, exit 10)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont
from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import INCOMING, is_secret
from extractors import pages
from extractors.errors import Corrupt, MissingEngine, Unsupported
from extractors.legacy import CONVERT_TIMEOUT, soffice
from pipeline.documents import stored_file
from registry import queries, views
from registry.models import Document

DPI = 200                                   # the stamped page: sharp enough to read, about 1 MB
RED = (205, 22, 30)                         # stamp-pad red
A4_MM = (210, 297)
# The stamp, in millimetres: where (from the page's top right), how large, its cells.
MARGIN_TOP, MARGIN_RIGHT = 7, 16
WIDTH, NAME_ROW, ROW, LABEL_COLUMN = 64, 8.5, 7, 19
IMAGE_FORMATS = frozenset({"png", "jpeg", "tiff", "bmp", "webp", "gif"})
OFFICE_FORMATS = frozenset({"docx", "doc", "wps", "rtf", "odt"})
# CJK fonts Debian's fonts-noto-cjk and fonts-wqy-zenhei install, the likeliest first; any
# other is found by fontconfig (fc-match) or by a look through /usr/share/fonts.
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_GLOBS = ("NotoSansCJK*.tt[cf]", "NotoSerifCJK*.tt[cf]", "NotoSans*SC*.[ot]t[fc]", "wqy-*.tt[cf]",
              "SourceHanSans*.[ot]t[fc]", "*CJK*.tt[cf]")


@dataclass(frozen=True)
class Stamp:
    """What the 收文章 says."""

    office: str
    reg_no: str
    day: date

    @property
    def day_text(self) -> str:
        return f"{self.day.year}年{self.day.month}月{self.day.day}日"


@dataclass(frozen=True)
class Stamped:
    file_name: str      # 收文章-<登记号>.pdf
    content: bytes      # the PDF


@dataclass(frozen=True)
class Face:
    path: str
    index: int


def stamped_pdf(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance = queries.UNRESTRICTED,
                *, viewer: str | None = None) -> Stamped:
    """The stamped first page of a 收文 as PDF bytes. A record above ``clearance`` is NotFound as
    one that does not exist; ``viewer``: who asked (the web), audited as viewing a 涉密 original."""
    document = queries.get_visible(engine, reg_no, clearance)
    if document.direction != INCOMING:
        raise InvalidValue(f"{document.reg_no} 是发文，收文章只加盖在收文上",
                           fix="Give the 登记号 of a 收文 (收〔YYYY〕N号).")
    page, dpi = first_page(document, settings)
    stamp = stamp_of(document, settings)
    drawn = draw_stamp(page, dpi, stamp)
    if viewer is not None and is_secret(document.secrecy):
        views.record_viewed(engine, document.reg_no, viewer, {
            "what": "stamped", "file_name": document.file_name, "sha256": document.sha256, "via": "web"})
    return Stamped(file_name=f"收文章-{document.reg_no}.pdf",
                   content=to_pdf(drawn, dpi, title=f"{document.reg_no} 加盖收文章", at=document.registered_at))


def stamp_of(document: Document, settings: Settings) -> Stamp:
    registered = document.registered_at
    if registered.tzinfo is None:
        registered = registered.replace(tzinfo=timezone.utc)
    return Stamp(office=settings.office.names[0] if settings.office.names else "",
                 reg_no=document.reg_no, day=registered.astimezone(settings.zone).date())


# --- the first page --------------------------------------------------------------------------

def first_page(document: Document, settings: Settings) -> tuple[Image.Image, float]:
    """The original's first page in colour, and its resolution in dots per inch."""
    path = stored_file(settings, document)
    fmt = document.format or ""
    if fmt == "pdf":
        return render_pdf_page(path, settings)
    if fmt in IMAGE_FORMATS:
        return image_page(path, settings)
    if fmt == "txt":
        return text_page(document.text or "")
    if fmt in OFFICE_FORMATS:
        return office_page(path, fmt, settings)
    raise Unsupported(f"{document.reg_no} 的原件（{fmt or '未知格式'}）没有可加盖收文章的首页图像",
                      cause=f"{document.file_name}: format {fmt!r} has no first-page rendering",
                      fix="Stamp the printed paper by hand, or register a PDF or a scan of it.")


def render_pdf_page(path: Path, settings: Settings, dpi: float = DPI) -> tuple[Image.Image, float]:
    document = pages.open_pdf(path)
    try:
        if len(document) == 0:
            raise Corrupt("PDF 文件没有页面，无法加盖收文章", cause=f"{path.name}: 0 pages")
        page = document[0]
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > settings.limits.max_image_pixels:
            scale = (settings.limits.max_image_pixels / (width * height)) ** 0.5
        bitmap = page.render(scale=scale)
        image = bitmap.to_pil().convert("RGB")  # detached from pdfium's buffer
        bitmap.close()
        page.close()
        return image, scale * 72
    finally:
        document.close()


def image_page(path: Path, settings: Settings) -> tuple[Image.Image, float]:
    image = pages.load_frame(path, 0, settings)
    dpi = _declared_dpi(image) or image.width / (A4_MM[0] / 25.4)
    image = image.convert("RGB")
    if dpi > DPI:
        factor = DPI / dpi
        image = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                             Image.LANCZOS)
        dpi = DPI
    return image, dpi


def _declared_dpi(image: Image.Image) -> float | None:
    value = image.info.get("dpi")
    try:
        dpi = float(value[0]) if value else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 50 <= dpi <= 1200 else None


def text_page(text: str, dpi: float = DPI) -> tuple[Image.Image, float]:
    """A text file's first lines on an A4 page, 16 pt, margins as a 公文's."""
    width, height = (round(mm / 25.4 * dpi) for mm in A4_MM)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    font = _font(round(16 / 72 * dpi), bold=False)
    left, right, top, bottom = (round(mm / 25.4 * dpi) for mm in (28, 26, 37, 35))
    line_height = round(28 / 72 * dpi)
    y = top
    for line in _wrap(text, draw, font, width - left - right):
        if y + line_height > height - bottom:
            break
        draw.text((left, y), line, fill="black", font=font)
        y += line_height
    return page, dpi


def _wrap(text: str, draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for char in paragraph.replace("\t", "    "):
            if current and draw.textlength(current + char, font=font) > width:
                lines.append(current)
                current = ""
            current += char
        lines.append(current)
    return lines


def office_page(path: Path, fmt: str, settings: Settings) -> tuple[Image.Image, float]:
    """A word-processor file's first page, through LibreOffice's PDF export."""
    program = soffice()
    if program is None:
        raise Unsupported(f"{fmt} 原件需要 LibreOffice 才能生成首页图像，本机未安装，无法加盖收文章。"
                          "请管理员执行：apt-get install libreoffice-writer",
                          cause=f"{path.name}: {fmt} needs soffice, which is not on PATH",
                          fix="apt-get install libreoffice-writer-nogui (or libreoffice-writer)")
    with tempfile.TemporaryDirectory(prefix="wenshu-stamp-") as tmp:
        work = Path(tmp)
        source = work / f"original.{fmt}"
        shutil.copyfile(path, source)  # LibreOffice reads a copy: the stored original is never opened by it
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf", "--outdir", str(work / "out"), str(source)]
        try:
            run = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Corrupt("原件转换为 PDF 超时，无法加盖收文章", cause=f"{path.name}: soffice timed out") from exc
        converted = work / "out" / "original.pdf"
        if run.returncode != 0 or not converted.is_file():
            raise Corrupt("原件无法转换为 PDF，无法加盖收文章",
                          cause=f"{path.name}: soffice exit {run.returncode}: "
                                f"{run.stderr.decode(errors='replace')[-300:]}")
        return render_pdf_page(converted, settings)


# --- the stamp ---------------------------------------------------------------------------------

def draw_stamp(page: Image.Image, dpi: float, stamp: Stamp) -> Image.Image:
    """A copy of ``page`` with the 收文章 at its top right, in red ink over what is there."""
    def px(mm: float) -> int:
        return round(mm / 25.4 * dpi)

    width, name_row, row, label_column = px(WIDTH), px(NAME_ROW), px(ROW), px(LABEL_COLUMN)
    height = name_row + 2 * row
    x0, y0 = _place(page, width, height, px)
    ink = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(ink)
    outer, inner = max(2, px(0.7)), max(1, px(0.35))
    draw.rectangle((x0, y0, x0 + width, y0 + height), outline=RED, width=outer)
    for y in (y0 + name_row, y0 + name_row + row):
        draw.line((x0, y, x0 + width, y), fill=RED, width=inner)
    draw.line((x0 + label_column, y0 + name_row, x0 + label_column, y0 + height), fill=RED, width=inner)
    pad = px(1.5)
    _centred(draw, stamp.office, (x0 + pad, y0, x0 + width - pad, y0 + name_row), px(5.2))
    for n, (label, value) in enumerate((("收文编号", stamp.reg_no), ("收文日期", stamp.day_text))):
        top = y0 + name_row + n * row
        _centred(draw, label, (x0 + pad, top, x0 + label_column - pad, top + row), px(3.6))
        _centred(draw, value, (x0 + label_column + pad, top, x0 + width - pad, top + row), px(4.0))
    return ImageChops.multiply(page.convert("RGB"), ink)


def _place(page: Image.Image, width: int, height: int, px) -> tuple[int, int]:
    """Where the stamp goes: at the top right, moved down (then left) to the first place where
    it covers nothing printed, as a clerk moves a stamp off a letterhead; on a page with no such
    place near its top, where it covers least."""
    grey = page.convert("L")
    right = max(0, page.width - px(MARGIN_RIGHT) - width)
    top = min(px(MARGIN_TOP), max(0, page.height - height))
    best, least = (right, top), None
    for dx in range(0, px(40) + 1, px(4)):
        for dy in range(0, px(45) + 1, px(1.5)):
            x, y = max(0, right - dx), top + dy
            if y + height > page.height:
                break
            box = grey.crop((max(0, x - px(1)), max(0, y - px(1)), min(page.width, x + width + px(1)),
                             min(page.height, y + height + px(1))))
            inked = sum(box.histogram()[:200])
            if inked <= box.width * box.height * 0.002:
                return x, y
            if least is None or inked < least:
                best, least = (x, y), inked
    return best


def _centred(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], size: int) -> None:
    """``text`` centred in ``box``, at ``size`` pixels or smaller so that it fits."""
    left, top, right, bottom = box
    font = _font(size)
    while size > 6 and draw.textlength(text, font=font) > right - left:
        size -= 1
        font = _font(size)
    draw.text(((left + right) / 2, (top + bottom) / 2), text, fill=RED, font=font, anchor="mm")


def to_pdf(image: Image.Image, dpi: float, *, title: str, at: datetime) -> bytes:
    """A one-page PDF of ``image`` at ``dpi``, dated ``at`` (so the same page gives the same bytes)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    moment = at.astimezone(timezone.utc).timetuple()  # Pillow writes a struct_time as a PDF date
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=dpi, title=title, author="wenshu", creator="wenshu",
               creationDate=moment, modDate=moment, quality=90)
    return buffer.getvalue()


# --- the font ------------------------------------------------------------------------------------

def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """The stamp's face (bold when the font has a bold file), or its regular one for text."""
    face = cjk_face()
    path = face.path
    regular = path.replace("-Bold.", "-Regular.")
    if not bold and regular != path and Path(regular).is_file():
        path = regular
    return ImageFont.truetype(path, size, index=face.index)


@cache
def cjk_face() -> Face:
    """A font with Chinese glyphs (its Simplified Chinese face in a collection)."""
    for path in _font_paths():
        face = _chinese_face(path)
        if face is not None:
            return face
    raise MissingEngine("本机没有中文字体，无法绘制收文章。请管理员执行：apt-get install fonts-noto-cjk",
                        cause="no CJK font in /usr/share/fonts and none from fc-match",
                        fix="apt-get install fonts-noto-cjk (or fonts-wqy-zenhei)")


def _font_paths() -> list[str]:
    found = [path for path in FONT_FILES if Path(path).is_file()]
    if shutil.which("fc-match"):
        try:
            run = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True,
                                 timeout=10, check=False)
            if run.returncode == 0 and run.stdout.strip():
                found.append(run.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    for root in (Path("/usr/share/fonts"), Path("/usr/local/share/fonts")):
        if root.is_dir():
            for pattern in FONT_GLOBS:
                found += sorted(str(path) for path in root.rglob(pattern))
    return list(dict.fromkeys(found))


def _chinese_face(path: str) -> Face | None:
    """The face of ``path`` that draws 收文 in Chinese forms: the SC face of a collection, else
    its first face that has the glyphs."""
    usable: list[Face] = []
    for index in range(16):
        try:
            font = ImageFont.truetype(path, 20, index=index)
        except OSError:
            break
        if not _has_glyphs(font):
            continue
        family = font.getname()[0] or ""
        if family.endswith(" SC") or "WenQuanYi" in family:
            return Face(path, index)
        usable.append(Face(path, index))
    return usable[0] if usable else None


def _has_glyphs(font: ImageFont.FreeTypeFont) -> bool:
    """A font without CJK glyphs draws each as the same empty box (or nothing)."""
    drawn = set()
    for char in "收文编号":
        image = Image.new("L", (24, 24))
        ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
        drawn.add(image.tobytes())
    return len(drawn) == 4
