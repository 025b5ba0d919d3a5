"""检索: one box with the query language of ``wenshu search``, filters, removable chips of what
was understood, highlighted snippets, sort and pages; and its JSON twin ``/api/search`` (the
``search --json`` shape). Results never include a record above the viewer's clearance.

A plain GET renders the whole page (bookmarkable: ``/search?q=…&page=2``); htmx requests from
the page itself get only the search section back."""

from __future__ import annotations

from math import ceil

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from index import IndexUnavailable, QueryError
from pipeline import searching
from pipeline.search_form import (DIRECTION_CHOICES, DOC_TYPE_CHOICES, PAGE_SIZE, ROUTE_CHOICES, SORTS, SearchForm,
                                  secrecy_choices)
from pipeline.web.auth import Viewer, require, settings_of
from pipeline.web.render import render

router = APIRouter()
SECTION = "search"  # the id of the part htmx swaps


@router.get("/search")
def search_page(request: Request, viewer: Viewer = Depends(require("search"))) -> Response:
    form = SearchForm.parse(request.query_params)
    result, error = None, None
    if form.asked:
        try:
            result = searching.search(settings_of(request), form.query(), clearance=viewer.clearance, **form.options())
        except (QueryError, IndexUnavailable) as problem:
            error = problem.message
    template = "_search_section.html" if _partial(request) else "search.html"
    response = render(request, template, viewer, status_code=400 if error and not _partial(request) else 200,
                      form=form, result=result, error=error, chips=form.chips(result.understood_as) if result else [],
                      pages=ceil(result.total / PAGE_SIZE) if result else 0, first=(form.page - 1) * PAGE_SIZE + 1,
                      doc_types=DOC_TYPE_CHOICES, routes=ROUTE_CHOICES, directions=DIRECTION_CHOICES,
                      secrecies=secrecy_choices(viewer.clearance),
                      sorts=SORTS)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/api/search")
def search_api(request: Request, q: str = "", limit: int = PAGE_SIZE, page: int = 1, sort: str = "relevance",
               doc_type: str | None = None, date_from: str | None = Query(None, alias="from"),
               date_to: str | None = Query(None, alias="to"),
               viewer: Viewer = Depends(require("search"))) -> Response:
    result = searching.search(settings_of(request), q, clearance=viewer.clearance, limit=limit, page=page, sort=sort,
                              doc_type=doc_type or None, date_from=date_from or None, date_to=date_to or None)
    return JSONResponse(result.to_json())


def _partial(request: Request) -> bool:
    """An htmx request for the search section (not a history restore, which wants the page)."""
    return (request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == SECTION
            and request.headers.get("hx-history-restore-request") != "true")
