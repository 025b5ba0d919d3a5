"""The data directory made ready for work: its folders, and an empty search index, so that a
new office's first search finds nothing instead of failing for want of an index."""

from __future__ import annotations

import index
from core.settings import Settings


def prepare(settings: Settings) -> None:
    """Safe to call again: only what is missing is made."""
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    index.create_or_open(settings).close()
