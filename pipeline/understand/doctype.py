"""文种: the title's last 文种 word decides (…的通知的通知 is a 通知, …的复函 a 函); without a
readable title, the 「…如下」 phrase of the opening, then the closing formula, then a 纪要
header. Nothing found: 其他 (not a 公文: an article, a sign-in sheet, an invoice)."""

from __future__ import annotations

from core.vocab import OTHER_TYPE
from pipeline.understand.rules import Rules


def detect(title_word: str | None, header: tuple[str, ...], body: str, rules: Rules) -> tuple[str, str]:
    """Return (文种, how it was decided)."""
    if title_word:
        kind = rules.aliases.get(title_word, title_word)
        return kind, f"标题以「{title_word}」结尾"
    if m := rules.body_phrase_re.search(body):
        return rules.body_phrases[m.group(0)], f"正文「{m.group(0)}」"
    closing = None
    for closing in rules.closing_re.finditer(body):
        pass
    if closing:
        key = closing.group(0).replace("，", "").replace(",", "").replace(" ", "")
        return rules.closings[key], f"结束语「{closing.group(0)}」"
    if any(line.endswith("纪要") for line in header):
        return "纪要", "版头为纪要"
    return OTHER_TYPE, "未见公文标题、文种用语"
