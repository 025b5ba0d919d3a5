"""Greyscale a colour scan with its red seals lifted off, so that the 署名 and 成文日期 under
them can be read.

GB/T 9704 presses the seal over the signing organ and the date. Greyscaled as usual, the seal's
ring, star and arc of characters are as dark as the text under them, and the recogniser loses the
date line (measured on the fresh batches: three sealed scans in fifteen gave no date at all).
In the red channel the seal is nearly as light as the paper while black ink stays dark, so
inside each seal the red is lifted to paper and the black kept.

Only seal-shaped red is lifted: a roughly square, hollow region at least a tenth of the page
wide. The red 版头 (「X文件」, a wide band) and the red rule under it are left as they are, since
the 发文机关 is read from them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_STEP = 4                # seals are found on a copy this many times smaller
_REDNESS = 60            # R minus the larger of G and B, for a pixel to count as red ink
_MIN_RED_SHARE = 0.001   # below this share of red pixels a page has no seal worth the search
_MIN_SIDE = 0.10         # a seal is at least this share of the page width (40 mm on A4 is 0.19)
_SQUARE = (0.7, 1.4)     # width / height of a seal's box
_MAX_FILL = 0.6          # a seal is a ring with a star and characters, not a solid blot


def seal_boxes(rgb_small: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the seal-shaped red regions of a (downsized) RGB array."""
    import cv2  # OpenCV comes with RapidOCR

    channels = rgb_small.astype(np.int16)
    red = (channels[..., 0] - np.maximum(channels[..., 1], channels[..., 2]) > _REDNESS).astype(np.uint8)
    if red.mean() < _MIN_RED_SHARE:
        return []
    # join a seal's ring, star and characters into one region
    red = cv2.dilate(red, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(red, connectivity=8)
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if w < _MIN_SIDE * red.shape[1] or not _SQUARE[0] <= w / h <= _SQUARE[1]:
            continue
        if area / (w * h) > _MAX_FILL:
            continue
        boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def greyscale_without_seals(image: Image.Image) -> Image.Image:
    """The page in greyscale ("L"); a colour page's red seals lifted off as described above."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return image.convert("L")
    rgb_image = image.convert("RGB")
    gray = rgb_image.convert("L")
    boxes = seal_boxes(np.asarray(rgb_image.reduce(_STEP)))
    if not boxes:
        return gray
    lifted = np.array(gray)
    rgb = np.asarray(rgb_image)
    for x, y, w, h in boxes:
        rows = slice(y * _STEP, (y + h) * _STEP)
        cols = slice(x * _STEP, (x + w) * _STEP)
        lifted[rows, cols] = np.maximum(lifted[rows, cols], _paper_for_red(rgb[rows, cols]))
    return Image.fromarray(lifted)


def _paper_for_red(rgb: np.ndarray) -> np.ndarray:
    """Red ink as light as paper, black ink (alone or under the red) as dark as it is: the red
    channel lifted by the pixel's redness. Seal red (214, 36, 44) gives white, black under it
    (17, 3, 3) stays dark, paper stays paper."""
    channels = rgb.astype(np.int16)
    redness = channels[..., 0] - np.maximum(channels[..., 1], channels[..., 2])
    return np.clip(channels[..., 0] + np.maximum(redness, 0), 0, 255).astype(np.uint8)
