"""审计: the audit events filtered by record, actor, action and the office's days, newest first
in pages with a total, each in local time with its Chinese name and readable details; "校验审计链"
(``pipeline.auditing.verify_registry``); exports; and the JSON twins ``GET /api/audit`` and
``POST /api/audit/verify``.

An event about a record above the viewer's clearance keeps its time, actor and action, but its
details read 「（涉密文件）」; its 登记号 stays for an auditor, who sees the record masked in the
登记簿 too, and is masked as well for anyone else (``registry.auditlog``)."""

from __future__ import annotations

from typing import Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from core.errors import InvalidValue
from registry import auditlog
from pipeline import auditing
from pipeline.auditview import ACTION_LABELS, action_name, details_lines
from pipeline.web import filters
from pipeline.web.access import masked_register
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.downloads import audit_download, json_list, streamed
from pipeline.web.render import render

router = APIRouter()

FILTERS = {"record": "登记号", "actor": "操作人", "action": "操作", "from": "日期自", "to": "至"}


@router.get("/audit")
def audit_page(request: Request, viewer: Viewer = Depends(require("audit")), record: Optional[str] = None,
               actor: Optional[str] = None, action: Optional[str] = None,
               date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
               page: Optional[str] = None) -> Response:
    query = dict(request.query_params)
    template = "_audit_table.html" if filters.fragment(request.headers) else "audit.html"
    context = {"query": query, "actions": ACTION_LABELS, "action_name": action_name, "details_lines": details_lines,
               "quote": _quote, "described": filters.described(
                   {**query, "action": action_name(query["action"]) if query.get("action") else ""}, FILTERS)}
    try:
        audit_filter = filters.audit_filter(record, actor, action, date_from, date_to)
        number = filters.page_number(page)
    except InvalidValue as error:
        return render(request, template, viewer, 400, problem=error.message, rows=(), pager=None,
                      export_query="", **context)
    found = auditlog.audit_page(engine_of(request), settings_of(request), audit_filter, clearance=viewer.clearance,
                                reveal_numbers=masked_register(viewer.roles),
                                offset=(number - 1) * filters.PAGE_SIZE, limit=filters.PAGE_SIZE)
    return render(request, template, viewer, rows=found.rows,
                  pager=filters.pager("/audit", query, number, found.total),
                  export_query=filters.query_string({key: query.get(key, "") for key in FILTERS}),
                  problem=None, **context)


@router.post("/audit/verify")
def verify_page(request: Request, viewer: Viewer = Depends(require("verify"))) -> Response:
    """The check's result: the htmx fragment under the button, or a page of its own without script."""
    result = auditing.verify_registry(engine_of(request), settings_of(request))
    template = "_audit_verify.html" if filters.fragment(request.headers) else "audit_verify.html"
    return render(request, template, viewer, result=result)


@router.get("/api/audit")
def api_audit(request: Request, viewer: Viewer = Depends(require("audit")), record: Optional[str] = None,
              actor: Optional[str] = None, action: Optional[str] = None,
              date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
              order: Optional[str] = None, limit: Optional[str] = None, offset: Optional[str] = None) -> Response:
    """``wenshu audit log --json``'s list (``registry.audit.event_to_json``; a masked event has
    ``"masked": true`` and empty details): every event oldest first, streamed; with
    ``limit``/``offset`` (or ``order=newest``) one page. The total is in ``X-Total-Count``."""
    engine, settings = engine_of(request), settings_of(request)
    audit_filter = filters.audit_filter(record, actor, action, date_from, date_to)
    sort = filters.order(order, "oldest")
    size, start = filters.limit_offset(limit, offset, auditlog.MAX_PAGE)
    clearance, reveal = viewer.clearance, masked_register(viewer.roles)
    if size is None and start == 0 and sort == "oldest":
        total = auditlog.count_events(engine, settings, audit_filter, clearance=clearance, reveal_numbers=reveal)
        rows = auditlog.events(engine, settings, audit_filter, clearance=clearance, reveal_numbers=reveal)
        return StreamingResponse(json_list(entry.to_json() for entry in rows), media_type="application/json",
                                 headers={"X-Total-Count": str(total)})
    found = auditlog.audit_page(engine, settings, audit_filter, clearance=clearance, reveal_numbers=reveal,
                                offset=start, limit=size or 100, newest_first=sort == "newest")
    return JSONResponse([entry.to_json() for entry in found.rows], headers={"X-Total-Count": str(found.total)})


@router.post("/api/audit/verify")
def api_verify(request: Request, viewer: Viewer = Depends(require("verify"))) -> Response:
    result = auditing.verify_registry(engine_of(request), settings_of(request))
    return JSONResponse({"ok": not result.problems, "events": result.events, "checkpoints": result.checkpoints,
                         "problems": [{"where": problem.where, "problem": problem.problem}
                                      for problem in result.problems]})


@router.get("/api/audit.csv")
def api_audit_csv(request: Request, viewer: Viewer = Depends(require("export_audit")),
                  record: Optional[str] = None, actor: Optional[str] = None, action: Optional[str] = None,
                  date_from: Optional[str] = Query(None, alias="from"),
                  date_to: Optional[str] = Query(None, alias="to")) -> Response:
    return _download(request, viewer, "csv", filters.audit_filter(record, actor, action, date_from, date_to))


@router.get("/api/audit.xlsx")
def api_audit_xlsx(request: Request, viewer: Viewer = Depends(require("export_audit")),
                   record: Optional[str] = None, actor: Optional[str] = None, action: Optional[str] = None,
                   date_from: Optional[str] = Query(None, alias="from"),
                   date_to: Optional[str] = Query(None, alias="to")) -> Response:
    return _download(request, viewer, "xlsx", filters.audit_filter(record, actor, action, date_from, date_to))


def _download(request: Request, viewer: Viewer, kind: str, audit_filter: auditlog.AuditFilter) -> Response:
    return streamed(audit_download(engine_of(request), settings_of(request), audit_filter, kind,
                                   clearance=viewer.clearance, reveal_numbers=masked_register(viewer.roles),
                                   actor=viewer.name))


def _quote(value: str) -> str:
    return quote(value, safe="")
