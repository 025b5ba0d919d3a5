"""What a search gives, whichever backend answered it (whoosh, or PostgreSQL's search rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Hit:
    reg_no: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: date | None
    score: float | None
    snippet: str
    doc_type: str | None = None
    direction: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"reg_no": self.reg_no, "title": self.title, "doc_number": self.doc_number, "issuer": self.issuer,
                "date": self.date.isoformat() if self.date else None,
                "score": round(self.score, 4) if self.score is not None else None,
                "snippet": self.snippet, "doc_type": self.doc_type, "direction": self.direction}


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    understood_as: dict[str, Any]
    page: int = 1
    limit: int = 20

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "hits": [hit.to_json() for hit in self.hits],
                "understood_as": self.understood_as}
