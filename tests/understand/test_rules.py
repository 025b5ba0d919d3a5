from __future__ import annotations

import pytest

from core.errors import ConfigError
from pipeline.understand import load_rules, understand
from pipeline.understand.rules import university_of

NOTICE = """东湖大学教务处
东大教〔2026〕45号
关于公布2026年度课程评估结果的通知
各学院：
现将评估结果予以公布，请各单位周知。
东湖大学教务处
2026年11月20日
"""


def test_defaults_load_and_are_cached(settings):
    rules = load_rules(settings)
    assert rules is load_rules(settings)
    assert rules.university == "东湖大学"
    assert rules.route_defaults["请示"] == "办件"
    assert {d.name for d in rules.departments} >= {"党务", "教学", "科研", "人事", "学生工作", "财务",
                                                    "资产后勤", "外事", "安全稳定", "综合行政", "工会离退休"}


def test_university_is_derived_from_the_office_names():
    assert university_of(("东湖大学化学化工学院", "化学化工学院", "化学院")) == "东湖大学"
    assert university_of(("化学院",)) == ""


def test_office_override_changes_a_decision(settings):
    assert understand(NOTICE, settings).route == "阅件"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "rules.toml").write_text(
        '[route]\ndefaults = { "通知" = "办件" }\ncue_types = []\n'
        '[departments."教学"]\ncode = "JWC"\n', encoding="utf-8")
    result = understand(NOTICE, settings)
    assert result.route == "办件"
    assert result.why_route[0].startswith("文种「通知」默认办件")
    assert result.department_code == "JWC"
    # the rest of the defaults survive the merge
    merged = load_rules(settings).route_defaults          # tables merge key by key
    assert merged["通知"] == "办件" and merged["报告"] == "阅件"
    assert load_rules(settings).department("科研").code == "KYK"


def test_unknown_key_is_refused_with_a_fix(settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "rules.toml").write_text('[route]\ndefualts = { "通知" = "办件" }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(settings)
    assert "unknown key 'route.defualts'" in str(error.value)
    assert "rules.toml" in error.value.fix
    assert error.value.exit_code == 3


@pytest.mark.parametrize("text,words", [
    ('[route]\ndefaults = { "通知" = "马上办" }\n', "route.defaults"),
    ('[route]\ncue_types = ["通知书"]\n', "not a 文种"),
    ('[departments."科研"]\ncode = "kyk"\n', "capital letters"),
    ('[[retention.rules]]\nperiod = "五年"\n', "retention.codes"),
    ('[departments."科研"]\ndoc_codes = ["大(科"]\ncode = "KYK"\n', "bad regular expression"),
    ("[route\n", "not valid TOML"),
])
def test_bad_values_are_refused(settings, text, words):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "rules.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(settings)
    assert words in str(error.value)


def test_rules_are_frozen(settings):
    rules = load_rules(settings)
    with pytest.raises(Exception):
        rules.university = "x"
    with pytest.raises(TypeError):
        rules.route_defaults["通知"] = "办件"
