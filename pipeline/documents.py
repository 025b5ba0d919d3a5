"""One record as a user of some clearance sees and changes it: the 文件 page, its original, and
the clerk's corrections and voids. Each function is what one web route (or its JSON twin)
calls; a record above the user's clearance is ``NotFound`` in every one of them, exactly as a
record that does not exist.

The original is found by registry lookup only: the record's stored path, resolved inside the
store (``settings.store_dir``); nothing of the request names a file. Opening or downloading a
涉密 record's original is audited (``viewed``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue, NotFound
from core.settings import Settings
from core.vocab import is_secret, visible_to
from pipeline import archiving, corrections
from registry import queries, views
from registry.audit import Action
from registry.archive_file import ARCHIVE_CORRECTABLE
from registry.corrections import CHOICES, CORRECTABLE, field_named
from registry.exports import FIELDS, record_json
from registry.models import Document

# Formats a browser shows by itself: PDF in its own viewer (an iframe), images in an <img>.
INLINE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif",
                "webp": "image/webp", "bmp": "image/bmp"}
# Everything else is downloaded, under the type it is.
DOWNLOAD_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword", "wps": "application/vnd.ms-works", "rtf": "application/rtf",
    "odt": "application/vnd.oasis.opendocument.text", "ofd": "application/ofd", "tiff": "image/tiff",
    "txt": "text/plain",
}
FALLBACK_TYPE = "application/octet-stream"

# The fields a clerk may correct, with the 登记簿's headings, in the register's order.
CORRECTABLE_FIELDS: tuple[tuple[str, str], ...] = tuple((name, heading) for name, heading in FIELDS
                                                        if name in CORRECTABLE)
# What 档案更正 may change on a filed record.
ARCHIVE_CORRECTABLE_FIELDS = tuple((name, heading) for name, heading in CORRECTABLE_FIELDS
                                   if name in ARCHIVE_CORRECTABLE)


@dataclass(frozen=True)
class Duplicate:
    """A file that arrived again and was recognised as this record (not registered twice)."""

    at: str
    actor: str
    file_name: str | None
    kind: str | None      # same_file | same_document


@dataclass(frozen=True)
class DocumentView:
    record: dict[str, Any]                 # ``show --json``: record_json(..., with_text=True)
    history: tuple[views.Event, ...]       # its audit events, oldest first
    linked: tuple[views.Linked, ...]       # 批复 ↔ 请示, cited numbers, the same 发文字号
    duplicates: tuple[Duplicate, ...]
    shown_as: str                          # how the page shows the original: pdf | image | text
    secret: bool                           # 涉密: no text; opening the original is audited


@dataclass(frozen=True)
class Original:
    path: Path
    media_type: str
    file_name: str
    inline: bool


def view(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance) -> DocumentView:
    """Everything the 文件 page shows of one record."""
    document = queries.get_visible(engine, reg_no, clearance)
    history = tuple(views.history(engine, document.reg_no))
    duplicates = tuple(Duplicate(event.at, event.actor, event.details.get("file_name"), event.details.get("kind"))
                       for event in history if event.action == Action.DUPLICATE)
    return DocumentView(record=record_json(document, settings, with_text=True), history=history,
                        linked=tuple(views.linked(engine, document, clearance)), duplicates=duplicates,
                        shown_as=shown_as(document.format), secret=_secret(document))


def record(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance) -> dict[str, Any]:
    """The record as ``wenshu show --json`` gives it."""
    return record_json(queries.get_visible(engine, reg_no, clearance), settings, with_text=True)


def shown_as(fmt: str | None) -> str:
    if fmt == "pdf":
        return "pdf"
    return "image" if fmt in INLINE_TYPES else "text"


def original(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance, actor: str, *,
             download: bool = False, partial: bool = False) -> Original:
    """The stored original of a record, to be sent inline (PDF, images) or as a download. A 涉密
    record's is audited as viewed by ``actor``, once per request for its beginning (a browser's
    PDF viewer may fetch the rest in ranges: ``partial``)."""
    document = queries.get_visible(engine, reg_no, clearance)
    path = stored_file(settings, document)
    inline = not download and document.format in INLINE_TYPES
    media_type = INLINE_TYPES.get(document.format or "") or DOWNLOAD_TYPES.get(document.format or "", FALLBACK_TYPE)
    if _secret(document) and not partial:
        views.record_viewed(engine, document.reg_no, actor, {
            "what": "original", "file_name": document.file_name, "sha256": document.sha256,
            "disposition": "inline" if inline else "attachment", "via": "web"})
    return Original(path=path, media_type=media_type, file_name=document.file_name, inline=inline)


def stored_file(settings: Settings, document: Document) -> Path:
    """The record's stored path from the registry, resolved, and only if it lies inside the
    store: a row pointing elsewhere (edited by hand) is not served."""
    store = settings.store_dir.resolve()
    path = settings.stored_file(document.stored_path).resolve() if document.stored_path else store
    if not path.is_relative_to(store) or path == store or not path.is_file():
        raise NotFound(f"{document.reg_no} 的原件不在存储区中",
                       fix=f"Check the store ({settings.store_dir}) against the registry: is it mounted?")
    return path


def correct(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance, field: str,
            value: str, actor: str, *, reason: str) -> dict[str, Any]:
    """A clerk's correction of one field (reason required); the corrected record as ``show --json``.
    A 密级 above the clerk's own clearance is refused: the record would vanish from their view.
    A filed record takes a 档案更正 instead: its 件号 and category stay."""
    document = queries.get_visible(engine, reg_no, clearance)
    if field_named(field) == "secrecy" and not visible_to(value.strip(), clearance):
        raise InvalidValue(f"不能将密级改为「{value.strip()}」：高于您的保密资格",
                           fix="Ask a clerk with that clearance.")
    if document.item_no is not None:
        archiving.correct_filed(engine, settings, document.reg_no, field, value, actor, reason=reason)
    else:
        corrections.correct(engine, settings, document.reg_no, field, value, actor, reason=reason)
    # read again: the record as `show --json` gives it, with its 办理 and newest correction
    return record(engine, settings, document.reg_no, clearance)


def void(engine: Engine, settings: Settings, reg_no: str, clearance: queries.Clearance, reason: str,
         actor: str) -> str:
    """A clerk voids a record (reason required); its 登记号."""
    document = queries.get_visible(engine, reg_no, clearance)
    return corrections.void(engine, settings, document.reg_no, reason, actor)


def field_choices() -> dict[str, tuple[str, ...]]:
    """The values a choice field accepts, for the correction form's hints."""
    return {name: tuple(values) for name, values in CHOICES.items()}


def _secret(document: Document) -> bool:
    return is_secret(document.secrecy)
