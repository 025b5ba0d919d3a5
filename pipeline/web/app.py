"""The web application: ``create_app(settings)`` builds it; ``wenshu serve`` / ``wenshu web``
run it with uvicorn. Routes live in ``routes/`` (one module per page and its JSON twin), each a
thin function over pipeline/registry/index calls."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from urllib.parse import quote

from core.errors import Exit, WenshuError
from core.settings import Settings
from pipeline.database import open_registry
from registry.sessions import LoginThrottled
from pipeline.web import routes
from pipeline.web.auth import Forbidden, NotSignedIn
from pipeline.web.render import error_json, render, wants_json

STATIC = Path(__file__).parent / "static"

# No inline script or style anywhere (htmx is told not to add its indicator style), frames only
# from here (the PDF viewer), nothing embeds us.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
                               "form-action 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# WenshuError exit codes as HTTP statuses (the rest: 400).
_STATUS = {Exit.NOT_FOUND: 404, Exit.TAMPERED: 503, Exit.DATABASE: 503, Exit.STORAGE_FULL: 507,
           Exit.INDEX_UNAVAILABLE: 503, Exit.AUDIT_CHAIN_BROKEN: 409,
           # 办理 (issue 16): a step the record's state does not allow; one this user may not take
           Exit.HANDLING_CONFLICT: 409, Exit.HANDLING_REFUSED: 403,
           # 归档 (issue 17): the year has records that block filing; a filed record refuses a change
           Exit.ARCHIVE_BLOCKED: 409, Exit.ARCHIVED_RECORD: 409}


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="wenshu 文书", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = open_registry(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in routes.MODULES:
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:  # noqa: ANN001
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages may show 涉密 metadata
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        if wants_json(request):
            return error_json(401, "not_signed_in", "未登录或登录已过期")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        if wants_json(request):
            return error_json(403, "forbidden", error.message)
        return render(request, "error.html", getattr(request.state, "viewer", None), 403,
                      title="无权操作", message=error.message)

    @app.exception_handler(WenshuError)
    async def wenshu_error(request: Request, error: WenshuError) -> Response:
        status = 429 if isinstance(error, LoginThrottled) else _STATUS.get(error.exit_code, 400)
        name = type(error).__name__
        if wants_json(request):
            return error_json(status, name, error.message)
        return render(request, "error.html", getattr(request.state, "viewer", None), status,
                      title="出错了" if status != 404 else "找不到", message=error.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        message = {404: "找不到此页面", 405: "不支持此请求方式"}.get(error.status_code, str(error.detail))
        if wants_json(request):
            return error_json(error.status_code, "http", message)
        return render(request, "error.html", getattr(request.state, "viewer", None), error.status_code,
                      title="找不到" if error.status_code == 404 else "出错了", message=message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        fields = "、".join(str(problem["loc"][-1]) for problem in error.errors())
        message = f"请求的参数不完整或无效：{fields}"
        if wants_json(request):
            return error_json(422, "invalid_request", message)
        return render(request, "error.html", getattr(request.state, "viewer", None), 422,
                      title="出错了", message=message)

    return app
