"""OCR paths beyond the samples: the other engine, orientation, the worker pool."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from extractors import extract, geometry, scan
from extractors.ocr import join_lines, rapid_engine
from tests.cer import cer
from tests.extractors.conftest import expected, sample, with_ocr


def test_join_lines_reading_order_and_gaps():
    boxes = [
        (900, 205, 1300, 245, "2026年11月20日印发"),   # same line as the next one, right column
        (100, 200, 400, 240, "东湖大学教务处"),
        (100, 100, 300, 140, "抄送："),
        (310, 102, 700, 142, "校党委办公室。"),
    ]
    assert join_lines(boxes) == "抄送： 校党委办公室。\n东湖大学教务处\t2026年11月20日印发"


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_pose_undoes_quarter_turns_and_skew(turn):
    page = Image.open(sample("scan_clean_300dpi.png")).convert("L")
    page = page.resize((page.width // 2, page.height // 2), Image.LANCZOS)
    tilted = page.rotate(2.5, resample=Image.BICUBIC, expand=True, fillcolor=255).rotate(turn, expand=True)
    pose = geometry.pose(tilted)
    assert (pose.quarter_turns * 90 + turn) % 360 == 0
    assert pose.skew == pytest.approx(-2.5, abs=0.3)


def test_pose_of_a_blank_page_is_identity():
    assert geometry.pose(Image.new("L", (800, 1100), 255)) == geometry.Pose()


def test_rapidocr_sessions_keep_a_memory_arena_and_leave_rapidocr_as_it_was():
    # Without the arena a page of a size not seen before costs a second more (see ocr.py).
    from rapidocr_onnxruntime.utils.infer_engine import OrtInferSession

    engine = rapid_engine()
    sessions = [value.session for part in (engine.text_det, engine.text_cls, engine.text_rec)
                for value in vars(part).values() if isinstance(value, OrtInferSession)]
    assert len(sessions) == 3
    for session in sessions:
        options = session.get_session_options()
        assert options.enable_cpu_mem_arena and not options.enable_mem_pattern
    assert not OrtInferSession._init_sess_opts({}).enable_cpu_mem_arena


@pytest.mark.slow
def test_tesseract_engine(base_settings):
    settings = with_ocr(base_settings, engine="tesseract")
    result = extract(sample("scan_clean_300dpi.png"), settings)
    assert [(p.method, p.source) for p in result.pages] == [("ocr", "tesseract")]
    # tesseract's Chinese model is weaker than RapidOCR's (see the benchmark); this is a floor.
    assert cer(expected("scan_clean_300dpi.png"), result.text) <= 0.15


@pytest.mark.slow
def test_pool_gives_the_same_text_as_one_process(base_settings):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the OCR pool needs at least 2 cores (settings.workers defaults to the core count)")
    assert base_settings.workers >= 2
    # The pool lives for the session and the `extracted` fixture caches results: start without a
    # pool and extract afresh, so only this extraction can have started one.
    scan.shutdown_pool()
    assert scan._pool is None
    pooled = extract(sample("scan_no_text_layer.pdf"), base_settings)
    assert [p.method for p in pooled.pages] == ["ocr", "ocr"]  # two pages to OCR...
    assert scan._pool is not None and scan._pool_key[0] == base_settings.workers  # ...and the pool did them
    single = extract(sample("scan_no_text_layer.pdf"), base_settings.model_copy(update={"workers": 1}))
    assert single.text == pooled.text


@pytest.mark.slow
def test_jpeg_named_pdf_is_read_as_an_image(tmp_path, base_settings):
    path = tmp_path / "scan.pdf"
    Image.open(sample("scan_clean_300dpi.png")).crop((0, 300, 2480, 900)).save(path, "JPEG", quality=80)
    result = extract(path, base_settings)
    assert result.format == "jpeg"
    assert "东湖大学化学化工学院文件" in result.text and "〔2026〕16号" in result.text
