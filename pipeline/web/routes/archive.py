"""归档 (issue 17): a year's plan — its categories with their 件 in 件号 order, what blocks filing
and what is left out — with 核对提示 for a record's 初审 warnings, 归档 itself (irreversible:
the form asks the clerk to confirm they checked the plan, and names the plan they saw), and the
filed year's 归档文件目录 (XLSX, DOCX), 备考表 (DOCX) and archive package (.zip of the BagIt bag).

``GET /api/archive/plan`` is ``wenshu archive plan --json``'s shape (plus ``hidden``);
``POST /api/archive/file`` and ``POST /api/archive/review`` are the CLI's ``archive file`` and
``archive review``.

涉密: a record above the viewer's clearance is not listed (the page says how many there are);
filing numbers every 件 of the year, so such a viewer may neither file it nor take out its 目录,
备考表 or package (403), and a record they cannot see is 404 to 核对提示 as everywhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from core.errors import ArchiveBlocked, ArchivedRecord, InvalidValue
from pipeline import archive_view, archiving
from pipeline.archive_view import YearView
from pipeline.web.archive_downloads import box_notes_download, catalogue_download, package_download
from pipeline.web.auth import Forbidden, Viewer, engine_of, require, settings_of
from pipeline.web.downloads import streamed
from pipeline.web.render import error_json, render

router = APIRouter()

CONFIRMATION = "我已核对归档计划"
PLAN_CHANGED = "归档计划在您核对之后有了变化（有文件新登记、更正或办结），请重新核对后再归档"


@router.get("/archive")
def archive_page(request: Request, year: str = "", filed: str = "", reviewed: str = "",
                 viewer: Viewer = Depends(require("archive_view"))) -> Response:
    notice = None
    if filed.isdigit():
        notice = f"已归档 {filed} 件：件号已编定，档号为最终档号。"
    elif reviewed:
        notice = f"已核对 {reviewed} 的初审提示。"
    return _page(request, viewer, _year(request, year), notice=notice)


@router.post("/archive/file")
def file_form(request: Request, year: str = Form(""), plan: str = Form(""), confirmed: str = Form(""),
              viewer: Viewer = Depends(require("archive_file"))) -> Response:
    number = _year(request, year, required=True)
    view = _view(request, viewer, number)
    _check_complete(view)
    if not confirmed:
        return _page(request, viewer, number, 400, problem=f"归档后件号不能更改：请先勾选「{CONFIRMATION}」。", view=view)
    if plan and plan != view.fingerprint:
        return _page(request, viewer, number, 409, problem=PLAN_CHANGED, view=view)
    try:
        done = archiving.file_year(engine_of(request), settings_of(request), number, viewer.name)
    except ArchiveBlocked as error:
        first = error.message.splitlines()[0].rstrip("：")
        return _page(request, viewer, number, 409, problem=f"{first}。见下方「尚不能归档」。")
    except InvalidValue as error:
        return _page(request, viewer, number, 400, problem=error.message)
    return RedirectResponse(f"/archive?year={number}&filed={len(done.filed)}", status_code=303)


@router.post("/archive/review")
def review_form(request: Request, reg_no: str = Form(""), reason: str = Form(""), year: str = Form(""),
                viewer: Viewer = Depends(require("archive_file"))) -> Response:
    number = _year(request, year)
    try:
        _review(request, viewer, reg_no, reason)
    except (InvalidValue, ArchivedRecord) as error:
        return _page(request, viewer, number, 409 if isinstance(error, ArchivedRecord) else 400,
                     problem=f"{reg_no}：{error.message}")
    shown = f"year={number}&" if number else ""
    return RedirectResponse(f"/archive?{shown}reviewed={quote(reg_no, safe='')}#blockers", status_code=303)


# --- the filed year taken out ---------------------------------------------------------------

@router.get("/api/archive/catalogue.xlsx")
def catalogue_xlsx(request: Request, year: str = "", viewer: Viewer = Depends(require("archive_view"))) -> Response:
    return _catalogue(request, viewer, year, "xlsx")


@router.get("/api/archive/catalogue.docx")
def catalogue_docx(request: Request, year: str = "", viewer: Viewer = Depends(require("archive_view"))) -> Response:
    return _catalogue(request, viewer, year, "docx")


@router.get("/api/archive/box-notes.docx")
def box_notes(request: Request, year: str = "", checker: str = "",
              viewer: Viewer = Depends(require("archive_file"))) -> Response:
    number = _whole_year(request, viewer, year)
    return streamed(box_notes_download(engine_of(request), settings_of(request), number, actor=viewer.name,
                                       organizer=viewer.account.display_name or viewer.name,
                                       checker=checker.strip()[:40] or None))


@router.get("/api/archive/package.zip")
def package(request: Request, year: str = "", include_secret: str = "",
            viewer: Viewer = Depends(require("archive_file"))) -> Response:
    number = _whole_year(request, viewer, year)
    return streamed(package_download(engine_of(request), settings_of(request), number, actor=viewer.name,
                                     include_secret=include_secret in ("1", "on", "true")))


def _catalogue(request: Request, viewer: Viewer, year: str, kind: str) -> Response:
    number = _whole_year(request, viewer, year)
    return streamed(catalogue_download(engine_of(request), settings_of(request), number, kind, actor=viewer.name))


# --- JSON ------------------------------------------------------------------------------------

class Filing(BaseModel):
    year: int
    plan: str = ""       # the plan's fingerprint as read (``GET /api/archive/plan``): refused if it changed


class Review(BaseModel):
    reg_no: str
    reason: str = ""


@router.get("/api/archive/plan")
def plan_api(request: Request, year: str = "", viewer: Viewer = Depends(require("archive_view"))) -> Response:
    view = _view(request, viewer, _year(request, year))
    return JSONResponse({**archiving.plan_to_json(view.plan), "ready": view.may_file, "hidden": view.hidden,
                         "plan": view.fingerprint})


@router.post("/api/archive/file")
def file_api(request: Request, body: Filing, viewer: Viewer = Depends(require("archive_file"))) -> Response:
    number = _checked_year(body.year)
    view = _view(request, viewer, number)
    _check_complete(view)
    if body.plan and body.plan != view.fingerprint:
        return error_json(409, "plan_changed", PLAN_CHANGED)
    done = archiving.file_year(engine_of(request), settings_of(request), number, viewer.name)
    return JSONResponse(done.to_json())


@router.post("/api/archive/review")
def review_api(request: Request, body: Review, viewer: Viewer = Depends(require("archive_file"))) -> Response:
    checked = _review(request, viewer, body.reg_no, body.reason)
    return JSONResponse({"reg_no": body.reg_no, "reviewed": checked})


# --- helpers ---------------------------------------------------------------------------------

def _page(request: Request, viewer: Viewer, year: int | None, status_code: int = 200, *, view: YearView | None = None,
          **context: Any) -> Response:
    context.setdefault("notice", None)
    context.setdefault("problem", None)
    return render(request, "archive.html", viewer, status_code, view=view or _view(request, viewer, year),
                  confirmation=CONFIRMATION, **context)


def _view(request: Request, viewer: Viewer, year: int | None) -> YearView:
    return archive_view.year_view(engine_of(request), settings_of(request), year, viewer.clearance)


def _check_complete(view: YearView) -> None:
    if not view.complete:
        raise Forbidden(archive_view.hidden_notice(view.hidden))


def _whole_year(request: Request, viewer: Viewer, year: str) -> int:
    """The year asked for, once the viewer is known to see every record of it (403 otherwise)."""
    number = _year(request, year, required=True)
    _check_complete(_view(request, viewer, number))
    return number


def _review(request: Request, viewer: Viewer, reg_no: str, reason: str) -> list[str]:
    return archive_view.review(engine_of(request), reg_no, viewer.clearance, viewer.name, reason)


def _year(request: Request, value: str, *, required: bool = False) -> int | None:
    """The year asked for; None when none is and the page's default year will do."""
    value = value.strip()
    if not value:
        if required:
            raise InvalidValue("请指定年度", fix="Give year=YYYY.")
        return None
    if not value.isdigit():
        raise InvalidValue(f"年度应写作四位数字，如 2026，收到「{value}」", fix="Give year=YYYY.")
    return _checked_year(int(value))


def _checked_year(year: int) -> int:
    if not 1900 <= year <= 2999:
        raise InvalidValue(f"年度「{year}」无效", fix="Give year=YYYY.")
    return year
