"""隔离区: each quarantined file with its reason, size and time; 重新处理 (``wenshu retry``) and
删除 with a required reason (``wenshu discard``), as the signed-in user. Files are named by
their path inside quarantine/, which ``pipeline.quarantined.locate`` checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from pipeline import quarantined
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.render import render

router = APIRouter()


def _page(request: Request, viewer: Viewer, **context: Any) -> Response:
    return render(request, "quarantine.html", viewer, files=quarantined.listing(settings_of(request)), **context)


@router.get("/quarantine")
def quarantine_page(request: Request, viewer: Viewer = Depends(require("quarantine"))) -> Response:
    return _page(request, viewer)


@router.get("/api/quarantine")
def quarantine_api(request: Request, viewer: Viewer = Depends(require("quarantine"))) -> Response:
    return JSONResponse([item.to_json() for item in quarantined.listing(settings_of(request))])


@router.post("/quarantine/retry")
def retry(request: Request, name: str = Form(...), direction: str = Form(""),
          viewer: Viewer = Depends(require("retry"))) -> Response:
    outcome = quarantined.retry(settings_of(request), engine_of(request), viewer.name, name, direction or None,
                                  clearance=viewer.clearance)
    return _page(request, viewer, retried=name, outcome=outcome)


@router.post("/quarantine/discard")
def discard(request: Request, name: str = Form(...), reason: str = Form(""),
            viewer: Viewer = Depends(require("discard"))) -> Response:
    quarantined.discard(settings_of(request), engine_of(request), viewer.name, name, reason)
    return _page(request, viewer, discarded=name, reason=reason.strip())


class RetryRequest(BaseModel):
    name: str
    direction: str | None = None


class DiscardRequest(BaseModel):
    name: str
    reason: str = ""


@router.post("/api/quarantine/retry")
def retry_api(request: Request, body: RetryRequest, viewer: Viewer = Depends(require("retry"))) -> Response:
    outcome = quarantined.retry(settings_of(request), engine_of(request), viewer.name, body.name, body.direction,
                                  clearance=viewer.clearance)
    # as `retry --json` prints it, without the path it had in work/ on the server
    return JSONResponse({key: value for key, value in outcome.to_json().items() if key != "path"})


@router.post("/api/quarantine/discard")
def discard_api(request: Request, body: DiscardRequest, viewer: Viewer = Depends(require("discard"))) -> Response:
    removed = quarantined.discard(settings_of(request), engine_of(request), viewer.name, body.name, body.reason)
    return JSONResponse({"discarded": removed, "reason": body.reason.strip()})
