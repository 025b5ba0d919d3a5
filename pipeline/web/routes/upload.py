"""上传: files put into 收文 (inbox/) or 发文 (outbox/) from the browser, for offices without a
scanner share; then what became of each, by its SHA-256, until the watcher has registered it.

The page sends each dropped or chosen file on its own (``static/upload.js``, with the CSRF
header) and shows the answer's status line, which htmx polls every 2 s until it is final;
without JavaScript the plain form posts them all at once and the answer is a whole page.
The body is read as it arrives, straight into the inbox (``pipeline/web/multipart.py``): a file
over ``[limits] max_file_mb`` is refused (413) as soon as it passes the limit, and a request
announcing more than any upload may carry is refused before it is read.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from core.errors import InvalidValue
from pipeline import uploads, workbench
from pipeline.uploads import UploadTooLarge
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.multipart import receive
from pipeline.web.render import error_json, render

router = APIRouter()
MAX_POLLS = 150  # 5 minutes of asking every 2 s


def refuse_oversize(request: Request) -> None:
    """Before anything else reads the body (the CSRF check may): a request announcing more than
    an upload may carry is refused at once."""
    settings = settings_of(request)
    try:
        announced = int(request.headers.get("content-length", "0"))
    except ValueError:
        announced = 0
    if announced > uploads.request_limit(settings):
        raise HTTPException(413, uploads.too_large(settings).message)


@router.get("/upload")
def upload_page(request: Request, viewer: Viewer = Depends(require("upload"))) -> Response:
    return render(request, "upload.html", viewer, watcher=workbench.watcher_state(engine_of(request)),
                  max_file_mb=settings_of(request).limits.max_file_mb)


async def _receive(request: Request, viewer: Viewer) -> list[uploads.Uploaded]:
    receiver = await run_in_threadpool(uploads.Receiver, settings_of(request))
    try:
        await receive(request, receiver)
    except BaseException:
        await run_in_threadpool(receiver.abort)
        raise
    return await run_in_threadpool(receiver.place, engine_of(request), viewer.name)


@router.post("/upload", dependencies=[Depends(refuse_oversize)])
async def upload_form(request: Request, viewer: Viewer = Depends(require("upload"))) -> Response:
    partial = request.headers.get("hx-request") == "true"
    try:
        placed = await _receive(request, viewer)
    except (UploadTooLarge, InvalidValue) as error:
        status = 413 if isinstance(error, UploadTooLarge) else 400
        if partial:
            return render(request, "_upload_refused.html", viewer, status, message=error.message)
        return render(request, "error.html", viewer, status, title="未能上传", message=error.message)
    except ClientDisconnect:
        return Response(status_code=400)
    template = "_upload_items.html" if partial else "upload.html"
    return render(request, template, viewer, placed=placed, status_path=_status_path, waiting=uploads.WAITING,
                  first_poll=lambda item: _status_path(item) + "&n=1",
                  watcher=workbench.watcher_state(engine_of(request)),
                  max_file_mb=settings_of(request).limits.max_file_mb)


@router.post("/api/upload", dependencies=[Depends(refuse_oversize)])
async def upload_api(request: Request, viewer: Viewer = Depends(require("upload"))) -> Response:
    try:
        placed = await _receive(request, viewer)
    except UploadTooLarge as error:
        return error_json(413, "UploadTooLarge", error.message)
    except ClientDisconnect:
        return Response(status_code=400)
    return JSONResponse({"uploads": [{**item.to_json(), "status": _status_path(item, api=True)} for item in placed]},
                        status_code=201)


def _status_path(item: uploads.Uploaded, *, api: bool = False) -> str:
    since = item.uploaded_at.isoformat(timespec="microseconds").replace("+00:00", "Z")
    query = {"since": since, "placed": item.placed_as}
    if api:
        return f"/api/upload/{item.sha256}?{urlencode(query)}"
    return f"/upload/status/{item.sha256}?{urlencode({**query, 'name': item.file_name})}"


def _since(since: str | None) -> datetime | None:
    if not since:
        return None
    try:
        return datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"时间「{since}」无法识别", fix="Use the status address the upload returned.") from None


@router.get("/upload/status/{sha256}")
def upload_status(request: Request, sha256: str, since: str | None = None, placed: str | None = None,
                  name: str = "", n: int = 0, viewer: Viewer = Depends(require("upload"))) -> Response:
    outcome = uploads.outcome(engine_of(request), sha256, _since(since), viewer.clearance, placed)
    query = {"since": since or "", "placed": placed or "", "name": name}
    # htmx asks again every 2 s, for at most MAX_POLLS times: a page left open on a file no
    # watcher takes must not keep its session from going idle for ever
    context = {"outcome": outcome, "name": name, "poll": f"/upload/status/{sha256}?{urlencode(query)}",
               "next_poll": f"/upload/status/{sha256}?{urlencode({**query, 'n': n + 1})}" if n < MAX_POLLS else None}
    if request.headers.get("hx-request") == "true":
        return render(request, "_upload_status.html", viewer, **context)
    return render(request, "upload.html", viewer, status_only=True, watcher=workbench.watcher_state(engine_of(request)),
                  max_file_mb=settings_of(request).limits.max_file_mb, **context)


@router.get("/api/upload/{sha256}")
def upload_status_api(request: Request, sha256: str, since: str | None = None, placed: str | None = None,
                      viewer: Viewer = Depends(require("upload"))) -> Response:
    outcome = uploads.outcome(engine_of(request), sha256, _since(since), viewer.clearance, placed)
    return JSONResponse(outcome.to_json())
