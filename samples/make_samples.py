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
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import texts  # noqa: E402
from layout import layout, page_text  # noqa: E402
from render import (  # noqa: E402
    degrade, degrade_rgb, images_to_pdf, posterize, render_docx, render_gaozhi, render_image,
    render_pdf_fpdf, render_pdf_reportlab, stamp_seal, to_palette, write_ofd, write_ole2_stub,
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


def _docx(name: str, blocks, **kw) -> None:
    lines = render_docx(OUT / name, blocks, **kw)
    _fix_zip_times(OUT / name)
    _expect(name, "\n".join(lines))


# Grey paper and three ink levels (2-bit pages); the seal scan's paper, black ink and red ink.
GREY4 = ([20, 100, 170, 232], [60, 135, 205])
SEAL_COLOURS = [(242, 239, 230), (20, 20, 20), (95, 92, 88), (165, 160, 152),
                (200, 60, 62), (218, 125, 120), (232, 185, 176), (120, 25, 28), (60, 15, 15)]


def _bilevel(img: Image.Image) -> Image.Image:
    return img.point(lambda v: 255 if v > 150 else 0).convert("1")


def make_issue13() -> None:
    """The same 公文 twice, our own 发文 with and without a number, a look-alike issuer, and
    scans with each form of 成文日期 that OCR meets (issue 13)."""
    # 1. notice_table_header.docx's 通知 again, as it came off the scanner: grey paper, a slight
    #    skew, four grey levels per page (the PDF stays small; see images_to_pdf).
    pages = layout(texts.EXAM_NOTICE)
    images = [posterize(degrade(_gray(render_image(p, dpi=300)), seed=40 + i, skew=(0.8, -0.6)[i],
                                background=232, shading=10, noise=0, blur=0.5), *GREY4)
              for i, p in enumerate(pages)]
    images_to_pdf(OUT / "notice_31_scan.pdf", images, datetime(2026, 12, 28, 9, 0, tzinfo=timezone.utc))
    _expect("notice_31_scan.pdf", _pages_text(pages))

    # 2-3. Our own 发文: finished with its printed number, and a 函 draft with a blank one.
    _docx("fawen_printed_number.docx", texts.FAWEN_NOTICE)
    # The clean-up drops one space between two CJK characters (OCR puts one between every Han
    # character), the ideographic space included: the blank reads 〔2026〕号, no digits.
    lines = render_docx(OUT / "fawen_draft_blank_number.docx", texts.DRAFT_LETTER)
    _fix_zip_times(OUT / "fawen_draft_blank_number.docx")
    _expect("fawen_draft_blank_number.docx", "\n".join(lines).replace("〕　号", "〕号"))

    # 4. Our own 请示, born digital, as it turns up in the inbox.
    pages = layout(texts.OWN_REQUEST)
    render_pdf_reportlab(OUT / "own_request_in_inbox.pdf", pages)
    _expect("own_request_in_inbox.pdf", _pages_text(pages))

    # 5. An issuer two characters off a known sender.
    _docx("issuer_two_chars_off.docx", texts.LOOKALIKE_NOTICE)

    # 6. Scans with each OCR date form; the ground truth is what is on the paper.
    pages = layout(texts.LETTER_O_NOTICE)
    assert len(pages) == 1
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=50, skew=0.7, background=255,
                  shading=0, noise=0, blur=0.0, speckle=0.0004)
    _bilevel(img).save(OUT / "scan_date_letter_o.png", optimize=True, dpi=(300, 300))
    _expect("scan_date_letter_o.png", page_text(pages[0]))

    pages = layout(texts.SEAL_NOTICE)
    assert len(pages) == 1
    sign, date = (line for line in pages[0].lines if line.text in ("东湖大学党政办公室", "2026年3月9日"))
    # GB/T 9704: the seal is pressed over 署名 and 成文日期. This one sits a little low, its ring
    # through the end of the date line: RapidOCR reads noise into the 署名 and the date's 日.
    centre = (sign.segments[0].x - 20, sign.y + 3)
    img = stamp_seal(render_image(pages[0], dpi=300), centre, 300, texts.SEAL_TEXT, seed=51,
                     opacity=0.9)
    img = degrade_rgb(img, skew=-0.6, shading=8, blur=0.4)
    to_palette(img, SEAL_COLOURS).save(OUT / "scan_date_seal_noise.png", optimize=True,
                                       dpi=(300, 300))
    _expect("scan_date_seal_noise.png", page_text(pages[0]))

    # The seal as most offices press it: centred on the date line, ring and star over both the
    # 署名 and the date, on a colour scan. Greyscaled whole, the date is lost under the red.
    centre = (date.segments[0].x - 16, date.y - 5)  # x is where both lines end (right-aligned)
    img = stamp_seal(render_image(pages[0], dpi=300), centre, 300, texts.SEAL_TEXT, seed=53,
                     opacity=1.0, turn=8)
    degrade_rgb(img, skew=0.4, shading=6, blur=0.3).save(OUT / "scan_seal_over_date.png", optimize=True,
                                                          dpi=(300, 300))
    _expect("scan_seal_over_date.png", page_text(pages[0]))

    pages = layout(texts.RESOLUTION)
    assert len(pages) == 1
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=52, skew=-0.9, background=238,
                  shading=8, noise=0, blur=0.5)
    posterize(img, *GREY4).save(OUT / "scan_resolution_caption.png", optimize=True, dpi=(300, 300))
    _expect("scan_resolution_caption.png", page_text(pages[0]))

    pages = layout(texts.SIGNIN_SHEET, page_numbers=False)
    assert len(pages) == 1
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=53, skew=0.5, background=255,
                  shading=0, noise=0, blur=0.0, speckle=0.0003)
    _bilevel(img).save(OUT / "scan_signin_sheet.png", optimize=True, dpi=(300, 300))
    _expect("scan_signin_sheet.png", page_text(pages[0]))

    pages = layout(texts.SALES_LIST, page_numbers=False)
    assert len(pages) == 1
    img = degrade(_gray(render_image(pages[0], dpi=300)), seed=54, skew=-0.8, background=236,
                  shading=12, noise=0, blur=0.5)
    posterize(img, *GREY4).save(OUT / "scan_sales_list.png", optimize=True, dpi=(300, 300))
    _expect("scan_sales_list.png", page_text(pages[0]))


def main() -> None:
    np.random.seed(0)
    make_docx()
    make_pdfs()
    make_scans()
    make_text_and_others()
    make_issue13()
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"samples written to {OUT} ({total / 1e6:.1f} MB)")
    if shutil.which("soffice"):
        print("note: soffice is installed; legacy_word97.doc is a stub and will not convert")


if __name__ == "__main__":
    main()
