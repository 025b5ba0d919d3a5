"""An upright page the direction classifier calls upside down is still read (issue 13's fresh
batch found one: a clean 函 with a red 版头 and a seal, read as an empty page)."""

from __future__ import annotations

import pytest

from extractors import extract
from tests.understand.fresh import make_fresh


@pytest.mark.slow
def test_a_page_wrongly_turned_over_is_read_the_right_way_up(tmp_path, base_settings):
    make_fresh.main(["--only", "030", "--render-only", "--pages", str(tmp_path)])
    result = extract(tmp_path / "030-1.png", base_settings)
    assert "绿色催化联合实验室的函" in result.text.replace("\n", "")
    assert not any("turned 180" in warning for warning in result.warnings)
