"""OCR engines behind one function: ``recognize(image, settings) -> str``.

- RapidOCR (``rapidocr-onnxruntime``, PP-OCRv4 models inside the wheel): loaded once per
  process, onnxruntime limited to one thread so that N worker processes use N cores without
  fighting. Its boxes are joined into lines in reading order here.
- tesseract via pytesseract, ``chi_sim+eng`` by default, always with ``OMP_THREAD_LIMIT=1``
  (with OpenMP on, tesseract is 3-4x slower on two cores: it fights itself).

A missing engine or language is a MissingEngine naming the package to install.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np
from PIL import Image

from extractors.cleanup import WIDE_GAP
from extractors.errors import MissingEngine

OCR_NEEDS = ("OCR: rapidocr-onnxruntime (pip) or tesseract-ocr + tesseract-ocr-chi-sim (apt)",)
# RapidOCR shrinks anything larger before detection; doing it first makes the preparation
# steps (orientation, deskew) cheaper and changes nothing for the engine.
RAPID_MAX_SIDE = 2000

_lock = threading.Lock()
_tesseract_checked: dict[tuple[str, str], None] = {}


def max_side(settings) -> int | None:
    """The largest image side worth preparing for the configured engine."""
    return RAPID_MAX_SIDE if settings.ocr.engine == "rapidocr" else None


def check_engine(settings) -> None:
    """Raise MissingEngine now if the configured engine cannot run (without loading models)."""
    if settings.ocr.engine == "tesseract":
        check_tesseract(settings.ocr.tesseract_languages)
        return
    import importlib.util

    try:
        found = importlib.util.find_spec("rapidocr_onnxruntime") is not None
    except (ImportError, ValueError):  # a broken or blocked installation
        found = False
    if not found:
        rapid_engine()  # raises the MissingEngine with its message


def recognize(image: Image.Image, settings) -> str:
    """Text of one prepared (upright, deskewed, greyscale) page image, lines in reading order."""
    if settings.ocr.engine == "rapidocr":
        return rapid_text(image)
    return tesseract_text(image, settings)


def load_engine(settings) -> None:
    """Load the configured engine's models now (RapidOCR: about a second, once per process)."""
    if settings.ocr.engine == "rapidocr":
        rapid_engine()


# --- RapidOCR ---------------------------------------------------------------------------

@functools.cache
def rapid_engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise MissingEngine("OCR 引擎 RapidOCR 未安装，无法识别扫描件。请管理员执行：pip install rapidocr-onnxruntime",
                            cause=f"import rapidocr_onnxruntime failed: {exc}",
                            fix="pip install rapidocr-onnxruntime (and apt-get install libgl1 libglib2.0-0)") from exc
    import cv2
    from rapidocr_onnxruntime.utils import infer_engine

    # One thread for OpenCV's resizes and crops too: wenshu runs one OCR process per core.
    cv2.setNumThreads(1)
    # RapidOCR opens its onnxruntime sessions with the CPU memory arena off, so each image size
    # the process has not seen before allocates and page-faults its buffers afresh: 0.6-1.3 s
    # more on such a page, and deskewed pages come in many sizes. With the arena on (and no
    # per-size memory pattern) every size runs as fast as a repeated one, for about 150 MB
    # more per process. RapidOCR takes no session options, so its builder is wrapped while
    # the engine is made.
    plain_options = infer_engine.OrtInferSession._init_sess_opts

    def arena_options(config):
        options = plain_options(config)
        options.enable_cpu_mem_arena = True
        options.enable_mem_pattern = False
        return options

    infer_engine.OrtInferSession._init_sess_opts = staticmethod(arena_options)
    try:
        return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False)
    finally:
        infer_engine.OrtInferSession._init_sess_opts = staticmethod(plain_options)


def rapid_boxes(image: Image.Image) -> list[tuple[float, float, float, float, str]]:
    """(x0, y0, x1, y1, text) of every recognised box."""
    array = np.asarray(image.convert("L"))
    with _lock:  # one onnxruntime session per process; calls from threads take turns
        # No per-line direction classifier: the page is already upright (geometry.py), and the
        # classifier flips the odd line of a speckled scan upside down, which then reads as "".
        result, _ = rapid_engine()(array, use_cls=False)
    boxes = []
    for points, text, _score in result or ():
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        boxes.append((min(xs), min(ys), max(xs), max(ys), text))
    return boxes


def rapid_text(image: Image.Image) -> str:
    return join_lines(rapid_boxes(image))


def join_lines(boxes: list[tuple[float, float, float, float, str]]) -> str:
    """Group boxes into lines (vertical overlap with the line's box), left to right inside a
    line. Boxes far apart on one line (two columns of a 版记 line) are separated by a tab;
    neighbours by a single space, which the clean-up removes between Chinese characters."""
    lines: list[list[tuple[float, float, float, float, str]]] = []
    spans: list[list[float]] = []  # [top, bottom] of each line
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        x0, y0, x1, y1, text = box
        height = max(y1 - y0, 1.0)
        best, best_overlap = None, 0.0
        for i in range(max(0, len(lines) - 3), len(lines)):
            top, bottom = spans[i]
            overlap = min(bottom, y1) - max(top, y0)
            ratio = overlap / min(height, bottom - top or 1.0)
            if ratio > 0.5 and ratio > best_overlap:
                best, best_overlap = i, ratio
        if best is None:
            lines.append([box])
            spans.append([y0, y1])
        else:
            lines[best].append(box)
            spans[best] = [min(spans[best][0], y0), max(spans[best][1], y1)]
    out = []
    for line in lines:
        line.sort(key=lambda b: b[0])
        parts = [line[0][4]]
        for prev, box in zip(line, line[1:]):
            height = max(box[3] - box[1], prev[3] - prev[1], 1.0)
            parts.append(WIDE_GAP if box[0] - prev[2] > 2 * height else " ")
            parts.append(box[4])
        out.append("".join(parts))
    return "\n".join(out)


# --- tesseract --------------------------------------------------------------------------

def _debian_package(lang: str) -> str:
    return "tesseract-ocr-" + lang.lower().replace("_", "-")


def check_tesseract(languages: str) -> None:
    import pytesseract

    cmd = pytesseract.pytesseract.tesseract_cmd
    if (cmd, languages) in _tesseract_checked:
        return
    try:
        available = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingEngine("OCR 引擎 tesseract 未安装或无法运行，无法识别扫描件。"
                            "请管理员执行：apt-get install tesseract-ocr tesseract-ocr-chi-sim",
                            cause=f"tesseract program {cmd!r} not found",
                            fix="apt-get install tesseract-ocr tesseract-ocr-chi-sim") from exc
    missing = [lang for lang in languages.split("+") if lang and lang not in available]
    if missing:
        packages = " ".join(_debian_package(lang) for lang in missing)
        raise MissingEngine(f"tesseract 缺少语言数据 {'、'.join(missing)}，无法识别中文扫描件。"
                            f"请管理员执行：apt-get install {packages}",
                            cause=f"tesseract languages {missing} not installed (have {sorted(available)})",
                            fix=f"apt-get install {packages}")
    _tesseract_checked[(cmd, languages)] = None


def tesseract_text(image: Image.Image, settings) -> str:
    import pytesseract

    languages = settings.ocr.tesseract_languages
    check_tesseract(languages)
    # pytesseract passes os.environ to the tesseract process. One OpenMP thread is the only
    # sane setting here (4x faster on 2 cores); it tightens, never loosens, so it is set for
    # good rather than swapped in and out around each call.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    image = image.convert("L")
    image.format = "PNG"
    try:
        return pytesseract.image_to_string(image, lang=languages, config="--psm 3",
                                           timeout=settings.ocr.page_timeout)
    except pytesseract.TesseractNotFoundError as exc:
        _tesseract_checked.clear()
        raise MissingEngine("OCR 引擎 tesseract 无法运行。请管理员执行：apt-get install tesseract-ocr",
                            cause=str(exc), fix="apt-get install tesseract-ocr") from exc
