"""发文字号 and 收文号 are found whatever brackets, digits or 第 the clerk types."""

from __future__ import annotations

import pytest

from index import search
from index.numbers import archive_key, canonical_number, number_key, sequence_number

from .conftest import TODAY


@pytest.mark.parametrize("typed", [
    "东大教发〔2026〕31号", "东大教发[2026]31号", "东大教发(2026)31号", "东大教发（2026）31号",
    "东大教发【2026】31号", "东大教发［２０２６］３１号", "东大教发〔2026〕第31号", "东大教发〔2026〕031号",
    "东大教发 〔2026〕 31 号", "东大教发{2026}31号",
])
def test_canonical_number(typed):
    assert canonical_number(typed) == "东大教发〔2026〕31号"


def test_not_a_number():
    assert canonical_number("东大教发") is None
    assert canonical_number("2026年科研经费") is None
    assert number_key("2026-0015") == "2026-0015"
    assert archive_key("0001-WS.2026-Y-BGS-0001") == archive_key("0001-ws·2026-y-bgs-0001")


@pytest.mark.parametrize("number, seq", [
    ("东大教发〔2026〕31号", 31), ("鄂科技办函［２０２５］第０３１号", 31), ("国务院令 第 12 号", 12), ("第7号", 7),
    ("2026-0015", None), ("", None), (None, None),
])
def test_sequence_number(number, seq):
    """The 序号 the index keeps for 「31号文」, whatever the 代字 and year."""
    assert sequence_number(number) == seq


@pytest.mark.parametrize("typed", [
    "东大教发〔2026〕3号", "东大教发[2026]3号", "东大教发(2026)3号", "东大教发【2026】3号",
    "东大教发［２０２６］３号", "东大教发〔2026〕第3号", "文号:东大教发[2026]3号", "发文字号:东大教发(2026)第3号",
])
def test_bracket_variants_find_the_document(corpus_settings, typed):
    result = search(corpus_settings, typed, today=TODAY)
    assert result.hits[0].reg_no == "收〔2026〕1号"
    assert result.hits[0].doc_number == "东大教发〔2026〕3号"


def test_indexed_number_in_full_width_brackets_is_found(corpus_settings):
    # The registry holds 东大教发［２０２６］１１号 for this one, as the scanner read it.
    for typed in ("东大教发〔2026〕11号", "东大教发[2026]11号", "文号:东大教发〔2026〕第11号"):
        assert [h.reg_no for h in search(corpus_settings, typed, today=TODAY).hits][:1] == ["收〔2026〕13号"]


def test_number_does_not_match_a_longer_sequence(corpus_settings):
    reg_nos = [h.reg_no for h in search(corpus_settings, "文号:东大教发〔2026〕1号", today=TODAY).hits]
    assert reg_nos == []  # 东大教发〔2026〕11号 exists, 〔2026〕1号 does not


def test_registration_numbers(corpus_settings):
    assert [h.reg_no for h in search(corpus_settings, "收文号:收[2026]14号", today=TODAY).hits] == ["收〔2026〕14号"]
    assert [h.reg_no for h in search(corpus_settings, "收〔2026〕14号", today=TODAY).hits][:1] == ["收〔2026〕14号"]
    partial = {h.reg_no for h in search(corpus_settings, "收文号:2025", today=TODAY, limit=100).hits}
    assert partial and all("2025" in r for r in partial)


def test_cited_number_finds_the_reply(corpus_settings):
    # The 批复 cites our 请示 化学院发〔2025〕12号 in its body.
    found = [h.reg_no for h in search(corpus_settings, "化学院发[2025]12号", today=TODAY).hits]
    assert found[0] == "化学院发〔2025〕12号"
    assert "收〔2025〕107号" in found


def test_partial_number_and_archive_code(corpus_settings):
    found = {h.reg_no for h in search(corpus_settings, "文号:鄂教", today=TODAY, limit=100).hits}
    assert found == {"收〔2026〕3号", "收〔2026〕12号", "收〔2025〕102号", "收〔2025〕111号"}
    assert [h.reg_no for h in search(corpus_settings, "档号:0001-WS.2025-Y-BGS-0003", today=TODAY).hits] == \
        ["化学院发〔2025〕12号"]
