"""Decisions taken from the rules file: business area, 阅件/办件, 保管期限, issuer level."""

from __future__ import annotations

from core.vocab import ACTION_ITEM, READ_ITEM
from pipeline.understand.rules import Rules

TITLE_WEIGHT = 3
BODY_WINDOW = 300


def issuer_level(issuer: str | None, is_own: bool, rules: Rules) -> str:
    """本单位, 下级 (a 系 or 所 of ours), 上级 or 其他."""
    if is_own:
        return "本单位"
    if not issuer:
        return "其他"
    if any(issuer.startswith(name) for name in rules.own_names) or any(
            issuer.startswith(rules.university + name) for name in rules.own_names if rules.university):
        return "下级"
    if any(p.search(issuer) for p in rules.superiors):
        return "上级"
    return "其他"


def issuer_short(issuer: str | None, is_own: bool, rules: Rules) -> str | None:
    if not issuer:
        return None
    if is_own:
        return min(rules.own_names, key=len)
    for pattern, replacement in rules.short_names:
        if pattern.search(issuer):
            short = pattern.sub(replacement, issuer)
            return short or issuer
    return issuer


def _keywords(text: str, rules: Rules) -> dict[str, set[str]]:
    """Department -> distinct keywords found (longest match first, no overlaps)."""
    hits: dict[str, set[str]] = {}
    if rules.keyword_re is None:
        return hits
    for m in rules.keyword_re.finditer(text):
        for name in rules.keyword_departments[m.group(0)]:
            hits.setdefault(name, set()).add(m.group(0))
    return hits


def department(*, doc_org: str | None, issuer: str | None, recipients: tuple[str, ...], is_own: bool,
               title: str | None, body: str, rules: Rules) -> tuple[str, str, str]:
    """(department, code, why). GONGWEN.md §6 rule 1: the 机关代字 first, then the sender's name
    (for our own outgoing documents, the 主送 unit), then keywords (title ×3, body ×1)."""
    if doc_org:
        for dept in rules.departments:
            if dept.doc_code and dept.doc_code.search(doc_org):
                return dept.name, dept.code, f"机关代字「{doc_org}」"
    names = recipients if is_own else ((issuer,) if issuer else ())
    for name in names:
        for dept in rules.departments:
            for sender in dept.senders:
                if sender in name:
                    return dept.name, dept.code, f"{'主送' if is_own else '发文机关'}「{name}」"
    scores: dict[str, int] = {}
    title_hits = _keywords(title or "", rules)
    body_hits = _keywords(body[:BODY_WINDOW], rules)
    for name, words in title_hits.items():
        scores[name] = scores.get(name, 0) + TITLE_WEIGHT * len(words)
    for name, words in body_hits.items():
        scores[name] = scores.get(name, 0) + len(words)
    if scores:
        best = max(scores.values())
        leaders = [name for name, score in scores.items() if score == best]
        if len(leaders) == 1:
            words = sorted(title_hits.get(leaders[0], set()) | body_hits.get(leaders[0], set()))
            dept = rules.department(leaders[0])
            return dept.name, dept.code, "关键词：" + "、".join(words)
        why = "关键词得分并列（" + "、".join(leaders) + "），归综合，需人工复核"
    else:
        why = "未见业务关键词，归综合"
    return rules.default_department, rules.default_department_code, why


def route(*, doc_type: str, urgency: str | None, deadline_text: str | None, body: str,
          rules: Rules) -> tuple[str, tuple[str, ...]]:
    default = rules.route_defaults.get(doc_type, READ_ITEM)
    if doc_type not in rules.cue_types:
        note = rules.route_notes.get(doc_type)
        return default, (f"文种「{doc_type}」默认{default}" + (f"：{note}" if note else ""),)
    if urgency in rules.urgent:
        reasons = [f"文种「{doc_type}」标注「{urgency}」：紧急公文须明确办理时限，即时办理"]
        if deadline_text:
            reasons.append(f"办理要求：{deadline_text}")
        return ACTION_ITEM, tuple(reasons)
    if deadline_text:
        return ACTION_ITEM, (f"文种「{doc_type}」含办理要求：{deadline_text}",)
    if m := rules.action_re.search(body):
        return ACTION_ITEM, (f"文种「{doc_type}」含办理要求：{_around(body, m.start(), m.end())}",)
    if m := rules.info_re.search(body):
        return READ_ITEM, (f"文种「{doc_type}」仅告知：{_around(body, m.start(), m.end())}",)
    return default, (f"文种「{doc_type}」未见办理要求，默认{default}",)


def _around(text: str, start: int, end: int) -> str:
    left = max((text.rfind(c, max(0, start - 30), start) for c in "\n。；;，,：:"), default=-1)
    stops = [i for i in (text.find(c, end, end + 40) for c in "\n。；;，,") if i != -1]
    return text[left + 1: min(stops) if stops else end + 20].strip()


def retention(*, doc_type: str, level: str, department: str, addressed_to_us: bool, mentions_us: bool,
              title: str | None, rules: Rules) -> tuple[str, str, str]:
    """(保管期限, code, why): the first rule whose conditions all hold; why names its source."""
    for rule in rules.retention_rules:
        if rule.level is not None and level not in rule.level:
            continue
        if rule.doc_types is not None and doc_type not in rule.doc_types:
            continue
        if rule.departments is not None and department not in rule.departments:
            continue
        if rule.addressed_to_us is not None and rule.addressed_to_us != addressed_to_us:
            continue
        if rule.mentions_us is not None and rule.mentions_us != mentions_us:
            continue
        if rule.keywords is not None and not any(k in (title or "") for k in rule.keywords):
            continue
        return rule.period, rules.retention_codes[rule.period], f"{rule.why}（{rule.source}）" if rule.source else rule.why
    raise AssertionError("the last retention rule has no conditions")  # validated at load time
