"""A red seal over the 署名 and 成文日期 is lifted off before recognition; the red 版头 and the
red rule under it are not (the 发文机关 is read from them)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from extractors.seals import greyscale_without_seals, seal_boxes

RED = (214, 36, 44)
BLACK = (20, 20, 20)


def page_with_seal() -> Image.Image:
    """An A4 page at 100 dpi: a red 版头 band and rule, black text, a seal pressed over the date
    the way ink is (multiplied over the print)."""
    page = Image.new("RGB", (827, 1169), (250, 248, 244))
    draw = ImageDraw.Draw(page)
    draw.rectangle((150, 90, 680, 150), fill=RED)          # 「东湖大学文件」, a wide red band
    draw.rectangle((80, 200, 750, 204), fill=RED)          # the red rule
    for x in range(500, 700, 18):                          # the date line under the seal:
        draw.rectangle((x, 805, x + 13, 818), fill=BLACK)  # characters with gaps between them
    seal = Image.new("RGB", page.size, "white")
    ImageDraw.Draw(seal).ellipse((520, 730, 680, 890), outline=RED, width=6)
    ImageDraw.Draw(seal).regular_polygon((600, 810, 30), 5, fill=RED)
    return Image.fromarray((np.asarray(page, np.uint16) * np.asarray(seal, np.uint16) // 255).astype(np.uint8))


def test_only_the_seal_is_found():
    boxes = seal_boxes(np.asarray(page_with_seal().reduce(4)))
    assert len(boxes) == 1
    x, y, w, h = (v * 4 for v in boxes[0])
    assert x <= 520 < 680 <= x + w and y <= 730 < 890 <= y + h


def test_the_seal_is_lifted_and_the_ink_under_it_kept():
    gray = np.asarray(greyscale_without_seals(page_with_seal()))
    assert gray[733, 600] > 230            # the top of the ring, over paper: as light as paper
    assert gray[790, 600] > 230            # the star, over paper
    assert gray[812, 608] < 60             # the star over a character of the date: the black stays
    assert gray[812, 506] < 60             # a character outside the ring
    assert gray[120, 400] < 120            # the red 版头 stays dark enough to read
    assert gray[202, 400] < 120            # and so does the rule


def test_a_page_without_red_is_plain_greyscale():
    page = Image.new("RGB", (200, 300), "white")
    ImageDraw.Draw(page).rectangle((20, 20, 120, 40), fill=BLACK)
    assert np.array_equal(np.asarray(greyscale_without_seals(page)), np.asarray(page.convert("L")))
    assert greyscale_without_seals(page.convert("L")).mode == "L"
