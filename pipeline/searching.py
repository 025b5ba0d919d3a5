"""Search with the office's own words: the index reads no rules, so the issuers' short names
the rules know (校党委 for 中共东湖大学委员会 …) are handed to it here."""

from __future__ import annotations

from collections.abc import Mapping

import index
from core.settings import Settings
from index.search import UNRESTRICTED, Clearance
from pipeline.understand import Rules, load_rules


def issuer_aliases(rules: Rules) -> dict[str, list[str]]:
    """Each short name the rules derive from a known sender, with the full names it stands for."""
    aliases: dict[str, list[str]] = {}
    for full in rules.senders:
        for pattern, replacement in rules.short_names:
            if pattern.fullmatch(full):
                short = pattern.sub(replacement, full)
                if short and short != full:
                    aliases.setdefault(short, []).append(full)
                break
    return aliases


def search(settings: Settings, query: str, *, clearance: Clearance = UNRESTRICTED,
           **options: object) -> index.SearchResult:
    """``index.search`` with the rules' issuer aliases. ``clearance``: the user's 保密 clearance
    (None or a level); records above it are in no hit and no total. The CLI leaves it out: no
    restriction."""
    aliases: Mapping[str, list[str]] = issuer_aliases(load_rules(settings))
    return index.search(settings, query, issuer_aliases=aliases, clearance=clearance, **options)
