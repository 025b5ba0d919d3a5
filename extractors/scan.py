"""One scanned page, from source to text: load (render a PDF page or decode an image frame),
put upright, deskew, enhance, recognise, clean. Several pages go to a process pool so that
both cores work; one page stays in this process.

A job names its page (file, kind, index) instead of carrying pixels: each worker loads only the
page it recognises, so memory stays flat however long the document.
"""

from __future__ import annotations

import atexit
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from PIL import Image

from extractors import geometry, ocr, pages, seals
from extractors.cleanup import clean, ocr_punctuation


@dataclass(frozen=True)
class PageJob:
    path: str
    kind: str    # "pdf" (render page ``index``) or "image" (frame ``index``)
    index: int


@dataclass(frozen=True)
class PageResult:
    text: str
    source: str                  # the engine
    warnings: tuple[str, ...] = ()


def _load(job: PageJob, settings) -> Image.Image:
    if job.kind == "pdf":
        return pages.render_page(job.path, job.index, settings)
    return pages.load_frame(job.path, job.index, settings)


def prepare(image: Image.Image, settings) -> tuple[Image.Image, geometry.Pose]:
    """Greyscale (red seals lifted off), engine-sized, upright, deskewed, contrast-stretched."""
    gray = seals.greyscale_without_seals(image)
    limit = ocr.max_side(settings)
    if limit and max(gray.size) > limit:
        scale = limit / max(gray.size)
        # Area averaging: as sharp as Lanczos for the engine, at a third of the time.
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.BOX)
    gray, pose = geometry.upright(gray)
    return geometry.enhance(gray), pose


def ocr_image(image: Image.Image, settings, label: str) -> PageResult:
    prepared, pose = prepare(image, settings)
    warnings = []
    try:
        text = ocr.recognize(prepared, settings)
        if _turned_over(pose) and _cjk_count(text) < SECOND_OPINION_BELOW:
            # The direction classifier votes on a few line crops and can call a whole upright page
            # upside down (a red 版头 and a seal among the crops): read it the other way too.
            other = ocr.recognize(prepared.transpose(Image.ROTATE_180), settings)
            if _cjk_count(other) > _cjk_count(text):
                text, pose = other, geometry.Pose((pose.quarter_turns + 2) % 4, pose.skew, "second reading")
    except RuntimeError as exc:
        if "timeout" not in str(exc).lower():
            raise
        # pytesseract killed tesseract after ocr.page_timeout: lose this page, not the file.
        return PageResult("", settings.ocr.engine, (f"{label}: OCR gave up: {exc}",))
    if pose.quarter_turns:
        warnings.append(f"{label}: turned {pose.quarter_turns * 90}° counter-clockwise ({pose.method})")
    return PageResult(clean(ocr_punctuation(text)), settings.ocr.engine, tuple(warnings))


# A page turned over that reads fewer Chinese characters than this is read the other way too.
SECOND_OPINION_BELOW = 20


def _turned_over(pose: geometry.Pose) -> bool:
    return pose.quarter_turns in (1, 2)  # turned 180°, alone or after a quarter turn


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def ocr_page(job: PageJob, settings) -> PageResult:
    return ocr_image(_load(job, settings), settings, f"page {job.index + 1}")


# --- the pool -----------------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_key: tuple | None = None


def _worker_init(settings) -> None:
    _die_with_parent()
    ocr.load_engine(settings)  # once per worker, not inside the first page's time


def _die_with_parent() -> None:
    """A pool worker dies with the process that owns the pool (Linux), however that one ends: an
    orphaned worker would wait for work for ever, holding its parent's output pipes open."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _get_pool(settings) -> ProcessPoolExecutor:
    """A pool kept for the life of the process: starting workers and loading models costs
    about a second each, paid once, not per document."""
    global _pool, _pool_key
    key = (settings.workers, settings.ocr.engine, settings.ocr.tesseract_languages)
    if _pool is None or _pool_key != key:
        shutdown_pool()
        # spawn, not fork: a forked child would inherit onnxruntime's state from the parent.
        _pool = ProcessPoolExecutor(max_workers=settings.workers,
                                    mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_worker_init, initargs=(settings,))
        _pool_key = key
    return _pool


def shutdown_pool() -> None:
    global _pool, _pool_key
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_key = None, None


atexit.register(shutdown_pool)


def ocr_pages(jobs: list[PageJob], settings) -> list[PageResult]:
    """Results in the order of ``jobs``."""
    if len(jobs) <= 1 or settings.workers <= 1 or multiprocessing.current_process().daemon:
        # A daemonic process (wenshu's watch workers, a multiprocessing.Pool worker) may not
        # have children; there, one file per core already keeps the cores busy.
        return [ocr_page(job, settings) for job in jobs]
    ocr.check_engine(settings)  # fail fast here rather than in every worker
    try:
        return list(_get_pool(settings).map(ocr_page, jobs, [settings] * len(jobs)))
    except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh next time
        shutdown_pool()
        raise
