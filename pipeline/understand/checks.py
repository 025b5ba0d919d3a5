"""初审 warnings (第二十四条: 文种、格式、行文规则), in Chinese, for the clerk."""

from __future__ import annotations

import re

from core.vocab import OTHER_TYPE
from pipeline.understand.rules import Rules

SECRET_NOTICE = "涉密文件，应走机要渠道，正文不进入检索索引"
_ITEM = re.compile(r"(?:^|[。；：:\n])\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\s*[.．、])")


def several_matters(title: str | None, body: str, rules: Rules) -> str | None:
    """A 请示 asking for more than one thing: two list items that each open with a request verb,
    or a title whose 事由 joins two verb phrases with 和/及/并."""
    items = 0
    for m in _ITEM.finditer(body):
        if rules.matter_verb_re.match(body, m.end()):
            items += 1
    if items >= 2:
        return f"请示含{items}项请求事项，应一文一事"
    if title:
        subject = title.split("关于", 1)[-1]
        for joint in re.finditer(r"(?:和|及|以及|并)", subject):
            if rules.matter_verb_re.match(subject, joint.end()):
                return f"请示标题「{title}」含多个事项，应一文一事"
    return None


def collect(*, doc_type: str, number_problems: tuple[str, ...], is_own: bool, signer: str | None,
            has_date: bool, secrecy: str | None, secrecy_period: str | None, copy_no: str | None,
            title: str | None, body: str, weekday_problems: tuple[str, ...], rules: Rules) -> tuple[str, ...]:
    checks: list[str] = []
    if secrecy:
        checks.append(SECRET_NOTICE)
        if not secrecy_period:
            checks.append(f"未标注保密期限，按{secrecy}{rules.secrecy_years.get(secrecy, '')}年掌握")
        if not copy_no:
            checks.append("涉密公文应标注份号")
    checks.extend(number_problems)
    if doc_type == OTHER_TYPE:
        return tuple(checks)
    if not has_date:
        checks.append("未找到成文日期")
    if doc_type == "报告" and (asks := dict.fromkeys(m.group(0) for m in rules.report_request_re.finditer(body))):
        quoted = "、".join(f"「{a}」" for a in asks)
        checks.append(f"报告中夹带请示事项（{quoted}），不得在报告等非请示性公文中夹带请示事项")
    if doc_type == "请示" and (problem := several_matters(title, body, rules)):
        checks.append(problem)
    if is_own and doc_type in ("请示", "报告") and not signer:
        checks.append("上行文应标注签发人")
    checks.extend(weekday_problems)
    return tuple(checks)
