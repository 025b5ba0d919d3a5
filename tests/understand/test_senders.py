"""The register says what the paper says: a 发文机关 is put right against the known senders only
in OCR text, only when the reading is not itself an organ's name or the paper vouches for the
known one, and the raw reading stays in the checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.understand import load_rules, understand
from pipeline.understand.senders import Evidence, correct, plausible

LABELLED = Path(__file__).parent / "labelled"


def letter(issuer: str, number: str, recipients: str = "东湖大学化学化工学院：", signature: str | None = None) -> str:
    """A 函 laid out as offices print one."""
    return (f"{issuer}\n{number}\n关于联合举办2027年绿色化工学术研讨会的函\n{recipients}\n"
            "为促进学术交流，我单位拟于2027年4月联合举办绿色化工学术研讨会。"
            "请于12月20日前函复为盼。\n"
            f"{signature or issuer}\n2026年12月1日\n")


# another university whose name is two characters off a known sender (东湖大学国有资产管理处)
OTHER_UNIVERSITY = "东湖工业大学国有资产管理处"


def test_a_born_digital_issuer_two_characters_off_a_known_sender_is_kept(settings):
    result = understand(letter(OTHER_UNIVERSITY, "东工大资函〔2026〕3号"), settings)
    assert result.issuer == OTHER_UNIVERSITY
    assert not any("校正" in c for c in result.checks)


def test_a_born_digital_issuer_one_character_off_is_kept(settings):
    result = understand(letter("东海大学", "东海大函〔2026〕8号"), settings)   # 东湖大学 is a known sender
    assert result.issuer == "东海大学"


def test_born_digital_text_is_never_corrected_even_when_garbled(settings):
    text = (LABELLED / "086.txt").read_text(encoding="utf-8")
    result = understand(text, settings)               # as if this were a text layer
    assert result.issuer == "东铀大学教务处" and result.doc_number is None
    assert not any("校正" in c or "推定" in c for c in result.checks)


def test_an_ocr_reading_that_is_an_organ_name_is_kept_without_other_evidence(settings):
    result = understand(letter(OTHER_UNIVERSITY, "东工大资函〔2026〕3号"), settings, from_ocr=True)
    assert result.issuer == OTHER_UNIVERSITY
    result = understand(letter("东海大学", "东海大函〔2026〕8号"), settings, from_ocr=True)
    assert result.issuer == "东海大学"


def test_an_ocr_reading_that_is_no_organ_name_is_corrected_and_the_reading_kept(settings):
    # tesseract read 处 as 外: no organ ends so
    result = understand(letter("东湖大学国有资产管理外", "东大资〔2026〕3号", "各学院："), settings, from_ocr=True)
    assert result.issuer == "东湖大学国有资产管理处"
    assert any("「东湖大学国有资产管理外」" in c and "校正" in c for c in result.checks)


def test_an_ocr_reading_is_corrected_when_its_own_number_carries_the_known_code(settings):
    text = letter("东铀大学国有资产管理处", "东大资〔2026〕3号", signature="东着大学国有资产管理处")
    result = understand(text, settings, from_ocr=True)
    assert result.issuer == "东湖大学国有资产管理处"
    check = next(c for c in result.checks if "校正" in c)
    assert "「东铀大学国有资产管理处」" in check and "东大资" in check


def test_the_garbled_number_of_an_internal_notice_is_the_corrected_senders(settings):
    result = understand((LABELLED / "086.txt").read_text(encoding="utf-8"), settings, from_ocr=True)
    assert result.issuer == "东湖大学教务处"              # tesseract: 东铀大学教务处, 主送 各学院
    assert result.doc_number == "东大教〔2026〕58号"       # AKA (2026) 58号
    assert any("「东铀大学教务处」" in c and "来文单位名录" in c for c in result.checks)
    assert any("机关代字无法识别" in c for c in result.checks)


@pytest.mark.parametrize("name", ["东湖大学", "东湖工业大学", "东湖省教育厅", "东湖大学教务处", "国家自然科学基金委员会",
                                  "东湖大学化学化工学院办公室"])
def test_organ_names_are_plausible(name):
    assert plausible(name)


@pytest.mark.parametrize("name", ["东湖大学教务外", "东湖大字", "东湖省教育斤"])
def test_garbled_endings_are_not(name):
    assert not plausible(name)


def test_evidence_must_name_the_same_body(settings):
    rules = load_rules(settings)
    # the number's 代字 is the 教务处's: it does not vouch for a reading close to the 保卫处
    assert correct("东铀大学保卫处", rules, Evidence(code="东大教")) is None
    assert correct("东铀大学保卫处", rules, Evidence(code="东大保"))[0] == "东湖大学保卫处"
    # a 主送 outside the university does not make the sender one of ours
    assert correct("东铀大学教务处", rules, Evidence(recipients=("各有关单位",))) is None
