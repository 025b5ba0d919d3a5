"""The 归档范围 table: every shipped rule names its source, and the office's own meeting records
are kept 永久 however their issuer reads."""

from __future__ import annotations

import pytest

from pipeline.understand import load_rules, understand
from tests.archive_year import FOR_INFORMATION, MINUTES

RESOLUTION = """东湖大学化学化工学院党政联席会议
关于学院实验室安全责任制的决议
（2026年4月2日学院党政联席会议通过）
为落实实验室安全责任，学院党政联席会议决定建立院、系、实验室三级安全责任制。
东湖大学化学化工学院党政联席会议
2026年4月2日
"""


def test_every_shipped_rule_names_its_source(settings):
    rules = load_rules(settings)
    assert all(rule.source for rule in rules.retention_rules)
    assert any("第八条" in rule.source for rule in rules.retention_rules if rule.period == "永久")
    assert any("第九条" in rule.source for rule in rules.retention_rules if rule.period == "10年")


@pytest.mark.parametrize("text", [MINUTES, RESOLUTION], ids=["纪要", "决议"])
def test_the_offices_own_meeting_records_are_permanent(settings, text):
    understood = understand(text, settings)
    assert understood.retention == "永久", understood.retention_rule
    assert "党政联席会" in understood.retention_rule and "第八条" in understood.retention_rule


def test_a_superiors_notice_for_information_is_kept_ten_years(settings):
    understood = understand(FOR_INFORMATION, settings)
    assert (understood.retention, understood.retention_code) == ("10年", "D10")
    assert "普发" in understood.retention_rule
