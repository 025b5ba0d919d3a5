"""Search through the command with the office's own words for issuers (the rules' short names)."""

from __future__ import annotations

from tests.cli import run_json

PARTY_NOTICE = """中共东湖大学委员会
东大委发〔2026〕9号
关于开展主题教育专题学习的通知
各二级党组织：
现就开展专题学习通知如下。
中共东湖大学委员会
2026年11月10日
"""


def test_a_short_name_from_the_rules_finds_the_issuer(tmp_path):
    data = tmp_path / "data"
    source = tmp_path / "通知.txt"
    source.write_text(PARTY_NOTICE, encoding="utf-8")
    [registered] = run_json(data, "ingest", str(source))
    result = run_json(data, "search", "校党委的通知")
    assert [hit["reg_no"] for hit in result["hits"]] == [registered["reg_no"]]
    assert "中共东湖大学委员会" in str(result["understood_as"])
