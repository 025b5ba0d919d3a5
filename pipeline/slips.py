"""The 文书处理单 of a 收文: the 收文处理笺 of a 办件, the 阅文处理单 of a 阅件, as a Word file made
from a docxtpl template, with what the register and the handling record already hold filled in
and the rest left blank for signing by hand.

The template is the office's own when the data directory has one (``templates/收文处理笺.docx``,
``templates/阅文处理单.docx``), else the one shipped in ``pipeline/templates/`` (built by
``scripts/make_slip_templates.py``). Both get the same variables (``slip_context``; listed in
docs/handling.md), which the print view of the web application (``slip.html``) uses too.

A slip holds the record's metadata and the handling's opinions, never the document's body text:
the slip of a 涉密 record is as safe to print as its register row."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import INCOMING
from registry import queries
from registry.exports import record_json
from registry.handling import Handling, Opinion, get_handling
from registry.models import Document

SHIPPED = Path(__file__).parent / "templates"
# form → (the office's template in DATA/templates, the shipped one)
FORMS: dict[str, tuple[str, str]] = {
    "收文处理笺": ("收文处理笺.docx", "shouwen_chulijian.docx"),
    "阅文处理单": ("阅文处理单.docx", "yuewen_chulidan.docx"),
}
# The rows a 阅文处理单 has for 传阅 at least, and the blank ones it keeps after the readers.
READER_ROWS, BLANK_READERS = 6, 2
# Who signs an opinion of each kind, as the form says it.
SIGNERS = {"拟办意见": "拟办人", "领导批示": "批示人", "承办意见": "承办人", "办理结果": "承办人",
           "传阅意见": "阅文人", "退回理由": "退回人", "转办说明": "转办人", "催办": "催办人"}
# The opinion lists the templates loop over, by kind; the kinds of 备注.
LISTS = {"proposals": "拟办意见", "instructions": "领导批示", "progress": "承办意见", "results": "办理结果"}
NOTE_KINDS = ("退回理由", "转办说明", "催办")


@dataclass(frozen=True)
class Slip:
    file_name: str      # 文书处理单-<登记号>.docx
    form: str           # 收文处理笺 | 阅文处理单
    content: bytes


def form_of(record: Mapping[str, Any], handling: Handling | None = None) -> str:
    """阅文处理单 for a 阅件 (unless a leader's 批示 made it a 办件), else 收文处理笺."""
    route = getattr(handling, "route", None) or record.get("route")
    return "阅文处理单" if route == "阅件" else "收文处理笺"


def template_path(form: str, settings: Settings) -> Path:
    """The office's own template for this form when the data directory has one, else the shipped one."""
    own, shipped = FORMS[form]
    path = settings.data_dir / "templates" / own
    return path if path.is_file() else SHIPPED / shipped


def slip_record(document: Document, settings: Settings) -> dict[str, Any]:
    """What a slip shows of a record: its register row (never its text) and the 附件 that
    understanding found."""
    record = record_json(document, settings)
    record["attachments"] = list((document.details or {}).get("attachments") or ())
    return record


def slip_context(record: Mapping[str, Any], handling: Handling | None, settings: Settings,
                 names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The template's variables. ``handling``: ``registry.handling.Handling`` or None (nothing
    recorded yet: every opinion cell is left to sign by hand); ``names``: user name → the name
    to print (display names)."""
    names = names or {}

    def person(user: str | None) -> str:
        return names.get(user or "", user or "") if user else ""

    def opinion(item: Opinion) -> dict[str, str]:
        when = chinese_date(local_day(item.at, settings))
        who = person(item.user)
        return {"kind": item.kind, "text": item.text or "", "name": who, "date": when,
                "signature": f"{SIGNERS.get(item.kind, '签名')}：{who}　{when}"}

    opinions = [opinion(item) for item in getattr(handling, "opinions", ())]
    lists = {name: [o for o in opinions if o["kind"] == kind] for name, kind in LISTS.items()}
    notes = [f"{o['kind']}：{o['text']}（{o['name']}，{o['date']}）" for o in opinions if o["kind"] in NOTE_KINDS]
    if record.get("status") == "已作废":
        notes.insert(0, f"已作废：{record.get('void_reason') or ''}")
    deadline = getattr(handling, "deadline", None) or record.get("deadline")
    closed = getattr(handling, "closed_at", None)
    readers = [{"name": person(r.user), "date": chinese_date(local_day(r.read_at, settings)) if r.read_at else "",
                "comment": r.comment or ""} for r in getattr(handling, "readers", ())]
    blanks = max(READER_ROWS - len(readers), BLANK_READERS) if readers else READER_ROWS
    readers += [{"name": "", "date": "", "comment": ""}] * blanks
    now = datetime.now(settings.zone)
    return {
        "form": form_of(record, handling),
        "office": settings.office.names[0] if settings.office.names else "",
        "reg_no": record["reg_no"],
        "received": chinese_date(date.fromisoformat(str(record["registered_at"])[:10])),
        "issuer": record.get("issuer") or "",
        "doc_number": record.get("doc_number") or "",
        "title": record.get("title") or record.get("file_name") or "",
        "secrecy": record.get("secrecy") or "",
        "urgency": record.get("urgency") or "",
        "pages": "" if record.get("pages") is None else str(record["pages"]),
        "deadline": chinese_date(_day(deadline)) if deadline else "",
        "attachments": "；".join(record.get("attachments") or ()),
        "route": getattr(handling, "route", None) or record.get("route") or "",
        "state": getattr(handling, "state", None) or "",
        "handlers": handlers(handling, person, record.get("department")),
        "closed": chinese_date(local_day(closed, settings)) if closed else "",
        **lists,
        "readings": [o for o in opinions if o["kind"] == "传阅意见"],
        "notes": "；".join(notes),
        "readers": readers,
        "printed": f"wenshu 打印于 {now:%Y-%m-%d %H:%M}",
    }


def handlers(handling: Handling | None, person, department: str | None) -> str:
    """承办单位/人: the departments, 主办 and 协办 as the form says them."""
    parts = []
    lead_department = getattr(handling, "lead_department", None) or department
    if lead_department:
        parts.append(lead_department)
    lead = [person(user) for user in getattr(handling, "lead", ())]
    assist = [person(user) for user in getattr(handling, "assist", ())]
    if lead:
        parts.append("主办：" + "、".join(lead))
    if assist:
        parts.append("协办：" + "、".join(assist))
    return "；".join(parts)


def slip_docx(record: Mapping[str, Any], handling: Handling | None, settings: Settings,
              names: Mapping[str, str] | None = None, out: Path | None = None) -> bytes:
    """The 文书处理单 as a Word file (its bytes; also written to ``out`` when given)."""
    from docxtpl import DocxTemplate

    context = slip_context(record, handling, settings, names)
    template = DocxTemplate(str(template_path(context["form"], settings)))
    template.render(context, autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    content = buffer.getvalue()
    if out is not None:
        out.write_bytes(content)
    return content


def load(engine: Engine, settings: Settings, reg_no: str,
         clearance: queries.Clearance = queries.UNRESTRICTED) -> tuple[dict[str, Any], Handling | None, dict[str, str]]:
    """A 收文's slip record, its handling (None when there is none) and the names to print; a
    record above ``clearance`` is ``NotFound`` as one that does not exist."""
    document = queries.get_visible(engine, reg_no, clearance)
    if document.direction != INCOMING:
        raise InvalidValue(f"{document.reg_no} 是发文，文书处理单只用于收文",
                           fix="Give the 登记号 of a 收文 (收〔YYYY〕N号).")
    return slip_record(document, settings), handling_of(engine, document.reg_no), display_names(engine)


def make_slip(engine: Engine, settings: Settings, reg_no: str,
              clearance: queries.Clearance = queries.UNRESTRICTED) -> Slip:
    """The 文书处理单 of one 收文, as ``wenshu slip`` and the web application give it."""
    record, handling, names = load(engine, settings, reg_no, clearance)
    content = slip_docx(record, handling, settings, names)
    return Slip(file_name=f"文书处理单-{record['reg_no']}.docx", form=form_of(record, handling), content=content)


def handling_of(engine: Engine, reg_no: str) -> Handling | None:
    return get_handling(engine, reg_no)


def display_names(engine: Engine) -> dict[str, str]:
    from registry.users import list_users

    return {account.name: account.display_name for account in list_users(engine) if account.display_name}


def local_day(moment: datetime | str, settings: Settings) -> date:
    """A stored moment (UTC; naive ones are UTC) as the office's date."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(settings.zone).date()


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
