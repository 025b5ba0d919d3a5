"""文件: one record — every field, why it was routed, checks and warnings, linked records, its
own history, the original (PDF and images inline, anything else as text plus a download) —
and the clerk's correction and void forms; with the JSON twins under ``/api/documents/``.

登记号 are percent-encoded UTF-8 in URLs and accepted with any brackets (〔〕 [] () ［］). A
record above the viewer's clearance is 404 here exactly as one that does not exist."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from core.errors import InvalidValue
from pipeline import documents
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.labels import ACTION_LABELS
from pipeline.web.render import TEMPLATES, render
from registry.exports import FIELDS

router = APIRouter()

# What the page says after a change it redirected from.
DONE = {"corrected": "已更正，历史记录中留有原值和理由。", "voided": "已作废，登记号保留。"}
FIELD_HEADINGS = dict(FIELDS)
# The page shows the 公文's own fields first, then how it was registered (the rest of ``FIELDS``).
GONGWEN_FIELDS = ("doc_type", "doc_number", "issuer", "title", "date", "secrecy", "urgency", "route", "deadline",
                  "department", "archive_code", "retention", "status")
# 作废原因 has its own banner at the top of the page.
REGISTER_FIELDS = tuple(name for name, _ in FIELDS if name not in (*GONGWEN_FIELDS, "warnings", "void_reason"))
RELATIONS = {"answers": "本文答复", "answered_by": "答复本文", "cites": "本文引用", "same_number": "同一发文字号"}


def document_url(reg_no: str, *rest: str) -> str:
    """The page of a record (or a path under it): the 登记号 percent-encoded as UTF-8."""
    return "/".join(("/documents", quote(reg_no, safe=""), *rest))


TEMPLATES.env.globals["document_url"] = document_url


@router.get("/documents/{reg_no}")
def document_page(request: Request, reg_no: str, done: str | None = None,
                  viewer: Viewer = Depends(require("document"))) -> Response:
    shown = documents.view(engine_of(request), settings_of(request), reg_no, viewer.clearance)
    return _page(request, viewer, shown, notice=DONE.get(done or ""))


@router.get("/documents/{reg_no}/original")
def original_file(request: Request, reg_no: str, download: bool = False,
                  viewer: Viewer = Depends(require("original"))) -> Response:
    return _send(request, viewer, reg_no, download)


@router.post("/documents/{reg_no}/corrections")
def correct_form(request: Request, reg_no: str, field: str = Form(""), value: str = Form(""),
                 reason: str = Form(""), viewer: Viewer = Depends(require("correct"))) -> Response:
    engine, settings = engine_of(request), settings_of(request)
    try:
        corrected = documents.correct(engine, settings, reg_no, viewer.clearance, field, value, viewer.name,
                                      reason=reason)
    except InvalidValue as error:
        shown = documents.view(engine, settings, reg_no, viewer.clearance)
        return _page(request, viewer, shown, status_code=400, correction_error=error.message,
                     asked={"field": field, "value": value, "reason": reason})
    return RedirectResponse(document_url(corrected["reg_no"]) + "?done=corrected", status_code=303)


@router.post("/documents/{reg_no}/void")
def void_form(request: Request, reg_no: str, reason: str = Form(""),
              viewer: Viewer = Depends(require("void"))) -> Response:
    engine, settings = engine_of(request), settings_of(request)
    try:
        voided = documents.void(engine, settings, reg_no, viewer.clearance, reason, viewer.name)
    except InvalidValue as error:
        shown = documents.view(engine, settings, reg_no, viewer.clearance)
        return _page(request, viewer, shown, status_code=400, void_error=error.message,
                     asked={"void_reason": reason})
    return RedirectResponse(document_url(voided) + "?done=voided", status_code=303)


# --- JSON ------------------------------------------------------------------------------------

class Correction(BaseModel):
    field: str
    value: str | None = ""
    reason: str = ""


class Voiding(BaseModel):
    reason: str = ""


@router.get("/api/documents/{reg_no}")
def document_api(request: Request, reg_no: str, viewer: Viewer = Depends(require("document"))) -> Response:
    return JSONResponse(documents.record(engine_of(request), settings_of(request), reg_no, viewer.clearance))


@router.get("/api/documents/{reg_no}/original")
def original_api(request: Request, reg_no: str, download: bool = False,
                 viewer: Viewer = Depends(require("original"))) -> Response:
    return _send(request, viewer, reg_no, download)


@router.post("/api/documents/{reg_no}/corrections")
def correct_api(request: Request, reg_no: str, correction: Correction,
                viewer: Viewer = Depends(require("correct"))) -> Response:
    corrected = documents.correct(engine_of(request), settings_of(request), reg_no, viewer.clearance,
                                  correction.field, correction.value or "", viewer.name, reason=correction.reason)
    return JSONResponse(corrected)


@router.post("/api/documents/{reg_no}/void")
def void_api(request: Request, reg_no: str, voiding: Voiding, viewer: Viewer = Depends(require("void"))) -> Response:
    voided = documents.void(engine_of(request), settings_of(request), reg_no, viewer.clearance, voiding.reason,
                            viewer.name)
    return JSONResponse({"reg_no": voided, "status": "已作废"})


# --- helpers ---------------------------------------------------------------------------------

def _page(request: Request, viewer: Viewer, shown: documents.DocumentView, status_code: int = 200,
          **context: Any) -> Response:
    record = shown.record
    checks = list(record.get("checks") or ())
    # A filed record (it has its 档号) takes 档案更正 of its description only.
    correctable = documents.ARCHIVE_CORRECTABLE_FIELDS if record["archive_code"] else documents.CORRECTABLE_FIELDS
    return render(request, "document.html", viewer, status_code, doc=shown, record=record,
                  url=document_url(record["reg_no"]), gongwen_fields=GONGWEN_FIELDS,
                  register_fields=REGISTER_FIELDS, headings=FIELD_HEADINGS,
                  warnings=[w for w in record.get("warnings") or () if w not in checks], checks=checks,
                  action_labels=ACTION_LABELS, relations=RELATIONS, correctable=correctable,
                  choices=documents.field_choices(), **context)


def _send(request: Request, viewer: Viewer, reg_no: str, download: bool) -> Response:
    asked_range = request.headers.get("range", "").replace(" ", "")
    original = documents.original(engine_of(request), settings_of(request), reg_no, viewer.clearance, viewer.name,
                                  download=download, partial=bool(asked_range) and not asked_range.startswith("bytes=0-"))
    return FileResponse(original.path, media_type=original.media_type, headers={
        "Content-Disposition": content_disposition(original.file_name, inline=original.inline)})


def content_disposition(file_name: str, *, inline: bool) -> str:
    """``inline`` or ``attachment`` with the file's name: an ASCII stand-in for old clients and
    the real name as RFC 5987 UTF-8 (``filename*``)."""
    name = "".join(ch for ch in file_name if ch.isprintable() and ch not in "/\\") or "original"
    fallback = "".join(ch if ch.isascii() and ch not in '"%;' else "_" for ch in name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
