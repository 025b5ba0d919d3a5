"""The query parameters of the 登记簿 and 审计 pages (and their API twins) as the registry's
filters, the pager both pages show, and whether htmx asks for a fragment. A blank field of a submitted form means "any"; a value
that cannot be used is an ``InvalidValue`` with a Chinese message (400, or the page's notice)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from core.errors import InvalidValue
from registry.auditlog import AuditFilter
from registry.queries import LogFilter

PAGE_SIZE = 50
ORDERS = {"newest": "最新在前", "oldest": "最早在前"}


def blank(value: str | None) -> str | None:
    """None for a field left empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def day(value: str | None, label: str) -> date | None:
    value = blank(value)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"{label}「{value}」无法识别，请写作 YYYY-MM-DD", fix="Write the day as YYYY-MM-DD.") from None


def log_filter(date_from: str | None, date_to: str | None, direction: str | None, doc_type: str | None,
               route: str | None) -> LogFilter:
    """``wenshu log``'s filters: --from, --to, --direction, --type, --route."""
    return LogFilter(date_from=day(date_from, "起始日期"), date_to=day(date_to, "截止日期"),
                     direction=blank(direction), doc_type=blank(doc_type), route=blank(route))


def audit_filter(record: str | None, actor: str | None, action: str | None, date_from: str | None,
                 date_to: str | None) -> AuditFilter:
    return AuditFilter(record=blank(record), actor=blank(actor), action=blank(action),
                       date_from=day(date_from, "起始日期"), date_to=day(date_to, "截止日期"))


def order(value: str | None, default: str) -> str:
    value = blank(value) or default
    if value not in ORDERS:
        raise InvalidValue(f"排序「{value}」无效，可选：newest（最新在前）、oldest（最早在前）",
                           fix="Use order=newest or order=oldest.")
    return value


def page_number(value: str | None) -> int:
    value = blank(value)
    if value is None:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise InvalidValue(f"页码「{value}」无效", fix="Use page=1, 2, …")
    return int(value)


def limit_offset(limit: str | None, offset: str | None, largest: int) -> tuple[int | None, int]:
    """The API's ``limit`` (None: everything) and ``offset``."""
    limit, offset = blank(limit), blank(offset)
    if limit is not None and (not limit.isdigit() or not 1 <= int(limit) <= largest):
        raise InvalidValue(f"limit 应在 1 到 {largest} 之间，收到「{limit}」", fix=f"Use 1 <= limit <= {largest}.")
    if offset is not None and not offset.isdigit():
        raise InvalidValue(f"offset 应是不小于 0 的整数，收到「{offset}」", fix="Use offset >= 0.")
    return (int(limit) if limit is not None else None), (int(offset) if offset is not None else 0)


@dataclass(frozen=True)
class Pager:
    """Where this page is among all the rows, and the links to its neighbours (same filters)."""

    page: int
    pages: int
    total: int
    first: int          # 1-based number of the first row shown (0: none)
    last: int
    previous: str | None
    next: str | None


def pager(path: str, query: dict[str, str], page: int, total: int, size: int = PAGE_SIZE) -> Pager:
    pages = max(1, -(-total // size))

    def link(number: int) -> str:
        kept = {key: value for key, value in query.items() if value and key != "page"}
        return f"{path}?{urlencode({**kept, 'page': number})}"
    first = (page - 1) * size + 1 if total and page <= pages else 0
    last = min(page * size, total) if first else 0
    return Pager(page=page, pages=pages, total=total, first=first, last=last,
                 previous=link(page - 1) if page > 1 else None, next=link(page + 1) if page < pages else None)


def fragment(headers: Mapping[str, str]) -> bool:
    """Whether htmx asks for the page's fragment (not a whole page: htmx restoring one from
    history sends HX-Request too)."""
    return "HX-Request" in headers and "HX-History-Restore-Request" not in headers


def described(query: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """The filters chosen, in words (for the printed page, which has no form): 「文种 通知；阅办 办件」."""
    said = [f"{label} {query[key].strip()}" for key, label in labels.items() if (query.get(key) or "").strip()]
    return "；".join(said) or "全部"


def query_string(query: dict[str, str], drop: tuple[str, ...] = ("page",)) -> str:
    """The filters as a query string, for the export links (the page number dropped)."""
    return urlencode({key: value for key, value in query.items() if value and key not in drop})
