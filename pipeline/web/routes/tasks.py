"""我的待办 (issue 16): the open 办理 items that wait for me — I hold them or am their 主办; for a
文书 also those waiting for 拟办, returned, or waiting to be circulated; for a 领导 those waiting
for a 批示 — overdue first (an overdue 特急/加急 one highlighted), then the rest, or only those due
within N days. ``?mine=0`` lists every open item. Within clearance: a record above the viewer's
clearance is in no list. ``GET /api/tasks`` is the JSON twin (``wenshu tasks --json``'s shape)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from core.vocab import HANDLING_STATES
from pipeline import handling_view
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.render import render
from pipeline.workbench import HIGHLIGHTED_URGENCIES

router = APIRouter()


@router.get("/tasks")
def tasks_page(request: Request, mine: str = "1", state: str = "", overdue: str = "", due_days: str = "",
               viewer: Viewer = Depends(require("tasks"))) -> Response:
    listing = handling_view.listing(engine_of(request), settings_of(request), viewer.account, mine=mine != "0",
                                    state=state or None, overdue=bool(overdue), due_days=due_days, with_overdue=True)
    return render(request, "tasks.html", viewer, listing=listing, states=HANDLING_STATES,
                  highlighted=HIGHLIGHTED_URGENCIES, today=listing.today, who=listing.who)


@router.get("/api/tasks")
def tasks_api(request: Request, mine: str = "", state: str = "", overdue: str = "", due_days: str = "",
              viewer: Viewer = Depends(require("tasks"))) -> Response:
    listing = handling_view.listing(engine_of(request), settings_of(request), viewer.account,
                                    mine=mine not in ("", "0"), state=state or None,
                                    overdue=overdue not in ("", "0"), due_days=due_days)
    return JSONResponse([task.to_json() for task in listing.tasks])
