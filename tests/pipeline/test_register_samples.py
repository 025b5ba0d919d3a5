"""Issue 13 on the real sample files (samples/make_samples.py): one 公文 as docx and as scan, a
发文 with its printed number, a draft with a blank one, our own 请示 in the inbox, and an issuer
two characters off a known sender."""

from __future__ import annotations

import pytest

from tests.cli import run, run_json
from tests.conftest import SAMPLES


def _ingest(data, name, *args, check_code=0):
    [result] = run_json(data, "ingest", *args, str(SAMPLES / name), check_code=check_code)
    return result


@pytest.mark.slow
def test_the_docx_and_its_scan_are_one_registration(tmp_path):
    data = tmp_path / "data"
    docx = _ingest(data, "notice_table_header.docx")
    scan = _ingest(data, "notice_31_scan.pdf")
    assert docx["status"] == "registered"
    assert (scan["status"], scan["duplicate_of"], scan["duplicate_kind"]) == \
        ("duplicate", docx["reg_no"], "same_document")
    assert [record["reg_no"] for record in run_json(data, "log")] == [docx["reg_no"]]


def test_a_finished_outgoing_document_keeps_its_printed_number(tmp_path):
    data = tmp_path / "data"
    sent = _ingest(data, "fawen_printed_number.docx", "--direction", "发文")
    assert (sent["reg_no"], sent["number_allocated"], sent["route"]) == ("化学院发〔2026〕12号", False, None)
    # another 发文 printed with the same number: 发文字号重复, naming the record
    clash = _ingest(data, "request_truetype_wqy.pdf", "--direction", "发文", check_code=4)
    assert (clash["status"], clash["kind"]) == ("quarantined", "number_taken")
    assert "化学院发〔2026〕12号" in clash["reason"]
    assert run_json(data, "log", "--gaps") == [{"series": "发文", "year": 2026, "missing": list(range(1, 12))}]


def test_a_draft_with_a_blank_number_gets_the_next_number_of_its_series(tmp_path):
    data = tmp_path / "data"
    draft = _ingest(data, "fawen_draft_blank_number.docx", "--direction", "发文")
    assert (draft["reg_no"], draft["number_allocated"]) == ("化学院函〔2026〕1号", True)
    record = run_json(data, "show", draft["reg_no"])
    assert (record["doc_number"], record["number_allocated"]) == ("化学院函〔2026〕1号", True)
    assert (record["awaits"], record["deadline"], record["route"]) == ("复函", "2026-12-20", None)
    assert "已分配发文字号 化学院函〔2026〕1号，请填写在文件上" in run(data, "show", draft["reg_no"]).stdout


def test_our_own_request_in_the_inbox_is_flagged(tmp_path):
    data = tmp_path / "data"
    received = _ingest(data, "own_request_in_inbox.pdf")
    assert received["status"] == "registered" and received["reg_no"].startswith("收〔")
    assert "本单位发出的文件出现在收文中" in run_json(data, "show", received["reg_no"])["warnings"]


def test_an_issuer_two_characters_off_a_known_sender_is_registered_as_printed(tmp_path):
    data = tmp_path / "data"
    received = _ingest(data, "issuer_two_chars_off.docx")
    record = run_json(data, "show", received["reg_no"])
    assert (record["issuer"], record["doc_number"]) == ("南海大学教务处", "南大教〔2026〕8号")
