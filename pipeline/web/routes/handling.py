"""办理 on the 文件 page (issue 16): the handling panel (``_handling_panel.html``, included by
document.html; ``handling_panel()`` fills it), one step posted from it, and the JSON twins
``GET``/``POST /api/documents/{登记号}/handling``.

A step is one call of ``pipeline.handling.act`` as the signed-in user; the registry decides
whether this state and this user allow it. Refused: 409 (not from this state) or 403 (not by
you) with the Chinese reason, and nothing changes. With htmx the panel is sent back alone (a
refusal too, marked ``X-Wenshu-Panel`` so ``static/handling.js`` swaps it in); a plain form
post is redirected back to the page, or shown the error page."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import pass_context
from pydantic import BaseModel

from core.errors import HandlingConflict, HandlingRefused, InvalidValue, WenshuError
from pipeline import handling, handling_view
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.render import TEMPLATES, render
from pipeline.web.routes.documents import document_url

router = APIRouter()

# What the panel says after a step (``?handled=ACTION`` after a plain post's redirect).
DONE = {"propose": "已提交拟办意见。", "instruct": "已批示。", "progress": "已记录承办意见。", "finish": "已办结。",
        "return": "已退回文书。", "transfer": "已转办。", "urge": "已催办。", "circulate": "已开始传阅。",
        "read": "已阅。", "deadline": "已设定办理时限。", "supervise": "已确认为督办事项，按办件跟踪。"}
SUPERVISE = "supervise"   # the clerk confirms a 纪要's 督办 proposals (``proposals``: their numbers)
PANEL_HEADER = {"X-Wenshu-Panel": "1"}


@pass_context
def handling_panel(context: Any) -> handling_view.Panel | None:
    """The panel for the record the 文件 page shows (document.html includes the template)."""
    request, viewer, record = context["request"], context.get("viewer"), context.get("record")
    if viewer is None or not record:
        return None
    return handling_view.panel(engine_of(request), settings_of(request), record["reg_no"], viewer.account,
                               notice=DONE.get(request.query_params.get("handled", "")))


TEMPLATES.env.globals["handling_panel"] = handling_panel


@router.post("/documents/{reg_no}/handling")
def handling_form(request: Request, reg_no: str, action: str = Form(""), text: str = Form(""),
                  assignees: list[str] = Form([]), assist: list[str] = Form([]), deadline: str = Form(""),
                  readers: list[str] = Form([]), ordered: str = Form(""), item: int = Form(0),
                  proposals: list[int] = Form([]), viewer: Viewer = Depends(require("handle"))) -> Response:
    engine, settings = engine_of(request), settings_of(request)
    partial = request.headers.get("hx-request") == "true"
    try:
        if action == SUPERVISE:
            handled = handling_view.confirm(engine, settings, reg_no, viewer.account, proposals)[0]
        else:
            handled = handling.act(engine, settings, reg_no, action, viewer.name, text=text.strip() or None,
                                   assignees=_names(assignees), assist=_names(assist), deadline=_day(deadline),
                                   readers=_names(readers), ordered=ordered in ("1", "on", "true"), item=item)
    except (HandlingConflict, HandlingRefused, InvalidValue) as error:
        if not partial:
            raise
        shown = handling_view.panel(engine, settings, reg_no, viewer.account, error=error.message)
        response = render(request, "_handling_panel.html", viewer, status_of(error), panel=shown, fragment=True)
        response.headers.update(PANEL_HEADER)
        return response
    if partial:
        shown = handling_view.panel(engine, settings, handled.reg_no, viewer.account, notice=DONE.get(action))
        return render(request, "_handling_panel.html", viewer, panel=shown, fragment=True)
    return RedirectResponse(document_url(handled.reg_no) + f"?handled={action}#handling", status_code=303)


# --- JSON ------------------------------------------------------------------------------------

class Step(BaseModel):
    action: str
    text: str | None = None
    assignees: list[str] = []
    assist: list[str] = []
    deadline: date | None = None
    readers: list[str] = []
    ordered: bool = False
    item: int = 0
    proposals: list[int] = []     # for ``supervise``: the numbers of the 督办 proposals confirmed


@router.get("/api/documents/{reg_no}/handling")
def handling_api(request: Request, reg_no: str, item: int = 0,
                 viewer: Viewer = Depends(require("document"))) -> Response:
    handling = handling_view.handling_of(engine_of(request), reg_no, viewer.clearance, item=item)
    return JSONResponse(handling.to_json() if handling else None)


@router.post("/api/documents/{reg_no}/handling")
def handling_step_api(request: Request, reg_no: str, step: Step,
                      viewer: Viewer = Depends(require("handle"))) -> Response:
    if step.action == SUPERVISE:
        made = handling_view.confirm(engine_of(request), settings_of(request), reg_no, viewer.account, step.proposals)
        return JSONResponse([item.to_json() for item in made])
    handled = handling.act(engine_of(request), settings_of(request), reg_no, step.action, viewer.name,
                           text=(step.text or "").strip() or None, assignees=_names(step.assignees),
                           assist=_names(step.assist), deadline=step.deadline, readers=_names(step.readers),
                           ordered=step.ordered, item=step.item)
    return JSONResponse(handled.to_json())


# --- helpers ---------------------------------------------------------------------------------

def status_of(error: WenshuError) -> int:
    """As the application's error handler answers them (``app._STATUS``)."""
    return 409 if isinstance(error, HandlingConflict) else 403 if isinstance(error, HandlingRefused) else 400


def _names(values: list[str]) -> tuple[str, ...]:
    """Chosen user names, in order, blanks (an empty 传阅 row) and repeats left out."""
    return tuple(dict.fromkeys(value.strip() for value in values if value and value.strip()))


def _day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"办理时限应写作 2026-03-31，收到「{value}」", fix="Give the date as YYYY-MM-DD.") from None

