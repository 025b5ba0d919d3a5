"""``IndexDoc``: what the index needs from one registry record, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.errors import InvalidValue
from core.vocab import is_secret


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _datetime(value: Any, key: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue(f"记录的 {key} 不是有效的时间：{value!r}")


def _date(value: Any, key: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InvalidValue(f"记录的 {key} 不是有效的日期：{value!r}")


@dataclass(frozen=True)
class IndexDoc:
    reg_no: str
    direction: str | None
    registered_at: datetime
    doc_type: str | None
    doc_number: str | None
    issuer: str | None
    title: str | None
    date: date | None
    secrecy: str | None
    urgency: str | None
    route: str | None
    department: str | None
    archive_code: str | None
    text: str | None
    version: str
    # 办理时限 and 已登记/已作废: what 待办 and 超期未办 ask about.
    deadline: date | None = None
    status: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "IndexDoc":
        """Build from a registry record dict (its JSON field names; extra keys are ignored).

        Dates may be ``date``/``datetime`` objects or ISO strings, as ``wenshu show --json``
        prints them.
        """
        reg_no = _text(record.get("reg_no"))
        if reg_no is None:
            raise InvalidValue(f"记录缺少收文号/发文号 reg_no：{dict(record)!r:.200}")
        return cls(
            reg_no=reg_no,
            direction=_text(record.get("direction")),
            registered_at=_datetime(record.get("registered_at"), "registered_at"),
            doc_type=_text(record.get("doc_type")),
            doc_number=_text(record.get("doc_number")),
            issuer=_text(record.get("issuer")),
            title=_text(record.get("title")),
            date=_date(record.get("date"), "date"),
            secrecy=_text(record.get("secrecy")),
            urgency=_text(record.get("urgency")),
            route=_text(record.get("route")),
            department=_text(record.get("department")),
            archive_code=_text(record.get("archive_code")),
            text=record.get("text") or None,
            version=str(record.get("version", "")),
            deadline=_date(record.get("deadline"), "deadline"),
            status=_text(record.get("status")),
        )

    @property
    def is_secret(self) -> bool:
        return is_secret(self.secrecy)
