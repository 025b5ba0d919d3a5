"""A registration number or 发文字号 as a clerk types it, in the one spelling the register keeps.

Clerks type 收[2026]15号, 收（2026）15号, 收【2026】15号 or full-width digits for 收〔2026〕15号: every
command that takes a 登记号 finds the record whatever the brackets.
"""

from __future__ import annotations

import re
import unicodedata

_OPEN = re.escape("〔[［(（【〈<{｛〖")
_CLOSE = re.escape("〕]］)）】〉>}｝〗")
_YEAR_IN_BRACKETS = re.compile(rf"[{_OPEN}]\s*((?:19|20)\d{{2}})\s*[{_CLOSE}]")


def canonical_brackets(value: str) -> str:
    """The year in 六角括号, ASCII digits, no spaces: 收（２０２６）15 号 → 收〔2026〕15号."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    return _YEAR_IN_BRACKETS.sub(r"〔\1〕", text)
