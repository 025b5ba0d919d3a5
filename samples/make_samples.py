"""Generate the sample set under samples/ (run: .venv/bin/python samples/make_samples.py).

Every sample is rendered from the 公文 in texts.py, so its expected text is known exactly:
``<name>.expected.txt`` beside each file is what the extractor must yield after clean-up (docx,
txt, born-digital PDF, OFD) or the ground truth the OCR's character error rate is measured
against (scans). Output is deterministic: fixed seeds, fixed dates, fixed zip timestamps.

Needs the Debian fonts (fonts-noto-cjk, fonts-wqy-zenhei) and the test extra (reportlab, fpdf2).
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import texts  # noqa: E402
from layout import layout, page_text  # noqa: E402
from render import (  # noqa: E402
    degrade, render_docx, render_gaozhi, render_image, render_pdf_fpdf, render_pdf_reportlab,
    write_ofd, write_ole2_stub,
)

OUT = HERE
FIXED_DATE = datetime(2026, 12, 28, 9, 0, 0).timetuple()  # Pillow wants a struct_time


def _expect(name: str, text: str) -> None:
    (OUT / f"{name}.expected.txt").write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def _pages_text(pages) -> str:
    return "\n\n".join(page_text(p) for p in pages)


def _fix_zip_times(path: Path) -> None:
    """python-docx stamps zip members with the current time; rewrite them for stable bytes."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 20, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)


def make_docx() -> None:
    header = "东湖大学教务处　　东大教发〔2026〕31号"
    footer = "地址：湖北省武汉市洪山区东湖路1号"
    lines = render_docx(OUT / "notice_table_header.docx", texts.EXAM_NOTICE + texts.EXAM_TABLE,
                        header=header, footer=footer)
    _fix_zip_times(OUT / "notice_table_header.docx")
    _expect("notice_table_header.docx", "\n".join(lines))

    lines = render_gaozhi(OUT / "fawen_gaozhi.docx", texts.GAOZHI_TITLE, texts.GAOZHI_ROWS)
    _fix_zip_times(OUT / "fawen_gaozhi.docx")
    _expect("fawen_gaozhi.docx", "\n".join(lines))

    # A clerk renamed a .docx to .doc: content decides, so it must read as docx.
    lines = render_docx(OUT / "letter_really_docx.doc", texts.LETTER)
    _fix_zip_times(OUT / "letter_really_docx.doc")
    _expect("letter_really_docx.doc", "\n".join(lines))


def make_pdfs() -> None:
    pages = layout(texts.EXAM_NOTICE)
    render_pdf_fpdf(OUT / "notice_cff_noto.pdf", pages)
    _expect("notice_cff_noto.pdf", _pages_text(pages))

    pages = layout(texts.REQUEST)
    render_pdf_reportlab(OUT / "request_truetype_wqy.pdf", pages)
    _expect("request_truetype_wqy.pdf", _pages_text(pages))

    pages = layout(texts.MINUTES)
    assert len(pages) >= 3, len(pages)
    render_pdf_reportlab(OUT / "minutes_multipage.pdf", pages)
    _expect("minutes_multipage.pdf", _pages_text(pages))

    # Page 1 has a good text layer; page 2's font lost its ToUnicode map, so its text layer is
    # garbage and the page must be OCR'd.
    first = layout(texts.REQUEST)[0]
    second = layout(texts.LETTER, page_numbers=False)[0]
    render_pdf_reportlab(OUT / "mixed_broken_textlayer.pdf", [first, second], break_fonts_of={1})
    _expect("mixed_broken_textlayer.pdf", page_text(first) + "\n\n" + page_text(second))

    letter = layout(texts.LETTER, page_numbers=False)
    render_pdf_reportlab(OUT / "encrypted_user_password.pdf", letter, user_password="dhu2026")

    whole = (OUT / "request_truetype_wqy.pdf").read_bytes()
    (OUT / "corrupt_truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (OUT / "empty.pdf").write_bytes(b"")


def _gray(img: Image.Image) -> Image.Image:
    return img.convert("L")


def make_scans() -> None:
    pages = layout(texts.STAFF_MEETING)
    assert len(pages) == 1
    img = _gray(render_image(pages[0], dpi=300))
    img.save(OUT / "scan_clean_300dpi.png", optimize=True, dpi=(300, 300))
    _expect("scan_clean_300dpi.png", page_text(pages[0]))

    pages = layout(texts.LETTER, page_numbers=False)
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=7, skew=3.2, background=196,
                  shading=28, noise=10, blur=0.7)
    img.save(OUT / "scan_skew_grey.jpg", quality=35, dpi=(300, 300))
    _expect("scan_skew_grey.jpg", page_text(pages[0]))

    pages = layout(texts.REQUEST)
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=11, skew=-2.0, background=228,
                  shading=0, noise=0, blur=0.0)
    img = img.rotate(90, expand=True)  # fed sideways: the page lies on its left edge
    img.quantize(16).save(OUT / "scan_rotated_90.png", optimize=True, dpi=(300, 300))
    _expect("scan_rotated_90.png", page_text(pages[0]))

    # Two bilevel G4 pages, as an office MFP sends them; the second was fed upside down.
    pages = layout(texts.MINUTES)[:2]
    frames = []
    for i, page in enumerate(pages):
        img = degrade(_gray(render_image(page, dpi=300)), seed=20 + i, skew=(-2.5, 1.2)[i],
                      background=255, shading=0, noise=0, blur=0.0, speckle=0.0015)
        if i == 1:
            img = img.rotate(180)
        frames.append(img.point(lambda v: 255 if v > 150 else 0).convert("1"))
    frames[0].save(OUT / "scan_multipage.tiff", save_all=True, append_images=frames[1:],
                   compression="group4", dpi=(300, 300))
    _expect("scan_multipage.tiff", "\n\n".join(page_text(p) for p in pages))

    # A scanned PDF: JPEG page images, no text layer at all.
    pages = layout(texts.WINTER_NOTICE)
    assert len(pages) == 2, len(pages)
    images = [degrade(_gray(render_image(p, dpi=300)), seed=30 + i, skew=1.0, background=235,
                      shading=10, noise=4, blur=0.5) for i, p in enumerate(pages)]
    buffers = []
    for image in images:  # re-encode so the PDF carries moderate-quality JPEG like a scanner
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=55)
        buffers.append(Image.open(io.BytesIO(buf.getvalue())))
    buffers[0].save(OUT / "scan_no_text_layer.pdf", save_all=True, append_images=buffers[1:],
                    resolution=300.0, creationDate=FIXED_DATE, modDate=FIXED_DATE)
    _expect("scan_no_text_layer.pdf", _pages_text(pages))


def make_text_and_others() -> None:
    (OUT / "notice_gbk.txt").write_bytes(texts.GBK_NOTICE_SOURCE.encode("gbk"))
    _expect("notice_gbk.txt", texts.GBK_NOTICE_EXPECTED)
    (OUT / "notice_utf16.txt").write_bytes(texts.UTF16_NOTICE_SOURCE.encode("utf-16"))
    _expect("notice_utf16.txt", texts.UTF16_NOTICE_EXPECTED)

    pages = layout(texts.STAFF_MEETING)
    write_ofd(OUT / "staff_meeting.ofd", pages)
    _expect("staff_meeting.ofd", page_text(pages[0]))

    write_ole2_stub(OUT / "legacy_word97.doc")


def main() -> None:
    np.random.seed(0)
    make_docx()
    make_pdfs()
    make_scans()
    make_text_and_others()
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"samples written to {OUT} ({total / 1e6:.1f} MB)")
    if shutil.which("soffice"):
        print("note: soffice is installed; legacy_word97.doc is a stub and will not convert")


if __name__ == "__main__":
    main()
