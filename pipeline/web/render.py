"""Pages and JSON answers: one Jinja2 environment (autoescaped), the navigation each role sees,
and errors as a Chinese page or as ``{error, message}``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from core.vocab import HANDLING_ACTIONS, ROLES
from pipeline.web.access import ACTION_NAMES
from pipeline.web.auth import Viewer, settings_of

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The navigation bar: (action, path); a link shows only to roles that may follow it.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("home", "/"), ("tasks", "/tasks"), ("search", "/search"), ("register", "/register"), ("audit", "/audit"),
    ("archive_view", "/archive"), ("quarantine", "/quarantine"), ("upload", "/upload"), ("users", "/users"),
)


@pass_context
def local_time(context: Any, value: datetime | str | None) -> str:
    """A stored moment (UTC) as the office's local time, to the minute."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(settings_of(context["request"]).zone).strftime("%Y-%m-%d %H:%M")


def day(value: date | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


TEMPLATES.env.filters["local"] = local_time
TEMPLATES.env.filters["day"] = day
TEMPLATES.env.globals["role_names"] = ROLES
TEMPLATES.env.globals["action_names"] = ACTION_NAMES
TEMPLATES.env.globals["handling_actions"] = HANDLING_ACTIONS


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page. Every page gets the viewer, its CSRF token and its navigation."""
    settings = settings_of(request)
    navigation = [(ACTION_NAMES[action], path) for action, path in NAVIGATION if viewer and viewer.may(action)]
    return TEMPLATES.TemplateResponse(request, template, {
        "viewer": viewer, "csrf_token": viewer.csrf_token if viewer else None, "navigation": navigation,
        "office": settings.office.names[0] if settings.office.names else "", "path": request.url.path,
        **context}, status_code=status_code)


def error_json(status_code: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status_code)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")
