"""工作台: what the office needs to see first (filled in by the dashboard work)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pipeline.web.auth import Viewer, require
from pipeline.web.render import render

router = APIRouter()


@router.get("/")
def home(request: Request, viewer: Viewer = Depends(require("home"))) -> Response:
    return render(request, "home.html", viewer)
