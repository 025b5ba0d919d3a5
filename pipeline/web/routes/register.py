"""登记簿: the registration log with ``wenshu log``'s filters, newest first in pages with a total,
and its twins: ``GET /api/log`` (``log --json``'s list, streamed), ``/api/log.csv`` and
``/api/log.xlsx`` (audited exports).

Rows above the viewer's clearance are left out everywhere, totals included; an auditor
(``access.masked_register``) sees them masked 「（涉密文件）」 instead, so the numbering shows no
unexplained gap (``registry.queries``)."""

from __future__ import annotations

from typing import Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from core.errors import InvalidValue
from core.vocab import DIRECTIONS, DOC_TYPE_VALUES, ROUTES
from registry import queries
from registry.exports import record_json
from pipeline.web import filters
from pipeline.web.access import masked_register
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.downloads import json_list, register_download, streamed
from pipeline.web.render import render

router = APIRouter()

FILTERS = {"from": "登记日期自", "to": "至", "direction": "收发", "type": "文种", "route": "阅办"}


@router.get("/register")
def register_page(request: Request, viewer: Viewer = Depends(require("register")),
                  date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
                  direction: Optional[str] = None, doc_type: Optional[str] = Query(None, alias="type"),
                  route: Optional[str] = None, order: Optional[str] = None, page: Optional[str] = None) -> Response:
    query = dict(request.query_params)
    partial = filters.fragment(request.headers)
    context = {"query": query, "directions": DIRECTIONS, "doc_types": DOC_TYPE_VALUES, "routes": ROUTES,
               "orders": filters.ORDERS, "is_masked": queries.is_masked, "quote": _quote,
               "described": filters.described(query, FILTERS)}
    try:
        log_filter = filters.log_filter(date_from, date_to, direction, doc_type, route)
        newest = filters.order(order, "newest") == "newest"
        number = filters.page_number(page)
    except InvalidValue as error:
        return render(request, "_register_table.html" if partial else "register.html", viewer, 400,
                      problem=error.message, rows=(), pager=None, export_query="", **context)
    found = queries.log_page(engine_of(request), settings_of(request), log_filter, clearance=viewer.clearance,
                             mask=masked_register(viewer.roles), offset=(number - 1) * filters.PAGE_SIZE,
                             limit=filters.PAGE_SIZE, newest_first=newest)
    return render(request, "_register_table.html" if partial else "register.html", viewer,
                  rows=found.rows, pager=filters.pager("/register", query, number, found.total),
                  export_query=filters.query_string({key: query.get(key, "") for key in FILTERS}),
                  problem=None, **context)


@router.get("/api/log")
def api_log(request: Request, viewer: Viewer = Depends(require("register")),
            date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
            direction: Optional[str] = None, doc_type: Optional[str] = Query(None, alias="type"),
            route: Optional[str] = None, order: Optional[str] = None, limit: Optional[str] = None,
            offset: Optional[str] = None) -> Response:
    """``wenshu log --json``: every row oldest first, streamed; with ``limit``/``offset`` (or
    ``order=newest``) one page. The total is in ``X-Total-Count``."""
    engine, settings = engine_of(request), settings_of(request)
    log_filter = filters.log_filter(date_from, date_to, direction, doc_type, route)
    sort = filters.order(order, "oldest")
    size, start = filters.limit_offset(limit, offset, queries.MAX_PAGE)
    clearance, mask = viewer.clearance, masked_register(viewer.roles)
    if size is None and start == 0 and sort == "oldest":
        total = queries.count_log(engine, settings, log_filter, clearance=clearance, mask=mask)
        rows = queries.log(engine, settings, log_filter, clearance=clearance, mask=mask)
        return StreamingResponse(json_list(record_json(document, settings) for document in rows),
                                 media_type="application/json", headers={"X-Total-Count": str(total)})
    found = queries.log_page(engine, settings, log_filter, clearance=clearance, mask=mask, offset=start,
                             limit=size or 100, newest_first=sort == "newest")
    return JSONResponse([record_json(document, settings) for document in found.rows],
                        headers={"X-Total-Count": str(found.total)})


@router.get("/api/log.csv")
def api_log_csv(request: Request, viewer: Viewer = Depends(require("export")),
                date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
                direction: Optional[str] = None, doc_type: Optional[str] = Query(None, alias="type"),
                route: Optional[str] = None) -> Response:
    return _download(request, viewer, "csv", filters.log_filter(date_from, date_to, direction, doc_type, route))


@router.get("/api/log.xlsx")
def api_log_xlsx(request: Request, viewer: Viewer = Depends(require("export")),
                 date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
                 direction: Optional[str] = None, doc_type: Optional[str] = Query(None, alias="type"),
                 route: Optional[str] = None) -> Response:
    return _download(request, viewer, "xlsx", filters.log_filter(date_from, date_to, direction, doc_type, route))


def _download(request: Request, viewer: Viewer, kind: str, log_filter: queries.LogFilter) -> Response:
    download = register_download(engine_of(request), settings_of(request), log_filter, kind,
                                 clearance=viewer.clearance, mask=masked_register(viewer.roles), actor=viewer.name)
    return streamed(download)


def _quote(value: str) -> str:
    return quote(value, safe="")
