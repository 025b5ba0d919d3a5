"""The printed forms of a 收文: its 文书处理单 as Word (``slip.docx``) and as a page to print
(``/documents/{登记号}/slip``), and its first page with the 收文章 (``stamped.pdf``).

Readers only, within their clearance: a record above it is 404 here as everywhere. The slip
holds metadata and opinions, never body text; the stamped page is the original's, so it asks
for the ``original`` permission (the same readers) and opening a 涉密 one is audited as
viewing its original."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pipeline import slips, stamp
from pipeline.web.auth import Viewer, engine_of, require, settings_of
from pipeline.web.render import render
from pipeline.web.routes.documents import content_disposition

router = APIRouter()

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/documents/{reg_no}/slip")
def slip_page(request: Request, reg_no: str, viewer: Viewer = Depends(require("document"))) -> Response:
    settings = settings_of(request)
    record, handling, names = slips.load(engine_of(request), settings, reg_no, viewer.clearance)
    return render(request, "slip.html", viewer, slip=slips.slip_context(record, handling, settings, names),
                  record=record)


@router.get("/api/documents/{reg_no}/slip.docx")
def slip_docx(request: Request, reg_no: str, viewer: Viewer = Depends(require("document"))) -> Response:
    made = slips.make_slip(engine_of(request), settings_of(request), reg_no, viewer.clearance)
    return Response(made.content, media_type=DOCX,
                    headers={"Content-Disposition": content_disposition(made.file_name, inline=False)})


@router.get("/api/documents/{reg_no}/stamped.pdf")
def stamped_pdf(request: Request, reg_no: str, download: bool = False,
                viewer: Viewer = Depends(require("original"))) -> Response:
    made = stamp.stamped_pdf(engine_of(request), settings_of(request), reg_no, viewer.clearance, viewer=viewer.name)
    return Response(made.content, media_type="application/pdf",
                    headers={"Content-Disposition": content_disposition(made.file_name, inline=not download)})
