"""The explanations of a 涉密 document: each form that quotes the body, and what it becomes."""

from __future__ import annotations

from pipeline.understand import withhold
from pipeline.understand.withhold import WITHHELD


def test_routing_reasons_that_quote_the_body_say_what_kind_of_thing_it_was():
    assert withhold.why_route([
        "文种「通知」含办理要求：请于12月20日前报送青鸾项目材料",
        "文种「通报」仅告知：青鸾项目情况通报如下",
        "办理要求：请于12月20日前报送青鸾项目材料",
    ]) == (f"文种「通知」：正文要求办理{WITHHELD}", f"文种「通报」：正文仅作告知{WITHHELD}", f"正文写明办理期限{WITHHELD}")


def test_routing_reasons_that_quote_nothing_stay():
    safe = ["文种「请示」默认办件：须报请批复", "文种「通知」标注「特急」：紧急公文须明确办理时限，即时办理",
            "文种「通知」未见办理要求，默认阅件", "未写明期限，按紧急程度「特急」随到随办，当日办理"]
    assert withhold.why_route(safe) == tuple(safe)
    assert withhold.why_route(withhold.why_route(["文种「通知」含办理要求：青鸾"])) == (f"文种「通知」：正文要求办理{WITHHELD}",)


def test_a_reason_in_no_known_form_keeps_only_what_precedes_its_colon():
    assert withhold.why_route(["正文第三段要求：青鸾项目"]) == (f"正文第三段要求{WITHHELD}",)


def test_checks_and_deadlines():
    assert withhold.checks(["报告中夹带请示事项（「妥否，请批示」），不得在报告等非请示性公文中夹带请示事项",
                            "期限「12月20日（星期一）前」日期与星期不符（2026-12-20 为星期日）",
                            "发文字号「东大保[2026]15号」应使用六角括号〔〕标注年份", "未找到成文日期"]) == (
        f"报告中夹带请示事项{WITHHELD}，不得在报告等非请示性公文中夹带请示事项", f"正文所定期限的日期与星期不符{WITHHELD}",
        "发文字号「东大保[2026]15号」应使用六角括号〔〕标注年份", "未找到成文日期")
    assert withhold.deadline_text("请于12月20日前报送青鸾项目材料") == f"正文所定期限{WITHHELD}"
    assert withhold.deadline_text("「特急」随到随办，当日办理") == "「特急」随到随办，当日办理"
    assert withhold.deadline_text(None) is None
