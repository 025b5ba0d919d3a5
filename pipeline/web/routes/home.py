"""工作台: what the office needs to see first. Each block only for those who may see it: today's
收文/发文 and the 办件 due for readers of the register (within their clearance), my 待办 for
those given 办理 steps, the quarantine
count for those who handle it, the audit chain's head for auditors and administrators, and for
everyone whether the inbox is being watched."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pipeline import workbench
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.render import render

router = APIRouter()


@router.get("/")
def home(request: Request, viewer: Viewer = Depends(require("home"))) -> Response:
    overview = workbench.overview(settings_of(request), engine_of(request), clearance=viewer.clearance,
                                  counts=viewer.may("search") or viewer.may("register"),
                                  due=viewer.may("document"), quarantine=viewer.may("quarantine"),
                                  chain=viewer.may("audit"), tasks_of=viewer.account if viewer.may("tasks") else None)
    return render(request, "home.html", viewer, overview=overview, highlighted=workbench.HIGHLIGHTED_URGENCIES)


@router.get("/home/watcher")
def watcher(request: Request, viewer: Viewer = Depends(require("home"))) -> Response:
    """The watcher block alone: the page refreshes it (htmx, every 15 s)."""
    return render(request, "_home_watcher.html", viewer, watcher=workbench.watcher_state(engine_of(request)))
