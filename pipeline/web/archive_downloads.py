"""What the 归档 page hands out for a filed year: the 归档文件目录 (XLSX, DOCX), the 备考表 (DOCX)
and the archive package (the BagIt bag of ``pipeline.archive_export``, as one .zip).

As the 登记簿's downloads (``downloads.py``): each is written into a private temporary folder,
recorded in the audit log (the 目录 and 备考表 here, with the year and how many 件; the package by
``export_year`` itself) before its first byte leaves, then opened, its folder removed, and
streamed from the open file — nothing is left behind however the download ends. Only 件 already
filed are in them; a year with none is refused with the reason.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from registry import archive_plan, records
from registry.archive_plan import Category
from pipeline import archive_catalogue, archive_export
from pipeline.web.downloads import Download, file_chunks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
CATALOGUE_KINDS = {"xlsx": XLSX, "docx": DOCX}


def catalogue_download(engine: Engine, settings: Settings, year: int, kind: str, *, actor: str) -> Download:
    """The year's 归档文件目录, one table per category, as filed."""
    if kind not in CATALOGUE_KINDS:
        raise InvalidValue(f"目录格式「{kind}」无效，可选：xlsx、docx", fix="Use xlsx or docx.")
    categories = filed(engine, settings, year)
    write = archive_catalogue.write_catalogue_xlsx if kind == "xlsx" else archive_catalogue.write_catalogue_docx
    with _folder() as folder:
        path = write(categories, settings, folder / f"catalogue.{kind}")
        count = _count(categories)
        records.record_export(engine, what="archive.catalogue", filters={"year": year, "format": kind}, count=count,
                              actor=actor, destination="web")
        return Download(f"归档文件目录-{year}.{kind}", CATALOGUE_KINDS[kind], count, file_chunks(path))


def box_notes_download(engine: Engine, settings: Settings, year: int, *, actor: str, organizer: str,
                       checker: str | None) -> Download:
    """The 备考表 of every 档案盒 of the year: 整理人 whoever filed the year (else ``organizer``),
    检查人 as given (None: a line to sign by hand), dated today."""
    categories = filed(engine, settings, year)
    with _folder() as folder:
        path = archive_catalogue.write_box_notes_docx(
            categories, settings, folder / "box-notes.docx", engine=engine,
            organizer=archive_catalogue.organizer_of(engine, settings, year) or organizer, checker=checker,
            day=settings.today())
        count = _count(categories)
        records.record_export(engine, what="archive.box_notes", filters={"year": year, "checker": checker or ""},
                              count=count, actor=actor, destination="web")
        return Download(f"备考表-{year}.docx", DOCX, count, file_chunks(path))


def package_download(engine: Engine, settings: Settings, year: int, *, actor: str,
                     include_secret: bool) -> Download:
    """The year's archive package: ``export_year`` writes the bag (and records the export),
    then the bag's folder goes into one zip, under a folder of its own."""
    filed(engine, settings, year)
    name = f"归档数据包-{settings.office.fonds_code}-{year}"
    with _folder() as folder:
        bag = folder / name
        bag.mkdir()
        made = archive_export.export_year(engine, settings, year, bag, actor=actor, include_secret=include_secret,
                                          destination="web")
        path = folder / "package.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(bag.rglob("*")):
                if member.is_file():
                    archive.write(member, member.relative_to(folder).as_posix())
        return Download(f"{name}.zip", ZIP, made.items, file_chunks(path))


def filed(engine: Engine, settings: Settings, year: int) -> tuple[Category, ...]:
    categories = archive_plan.filed(engine, settings, year)
    if not categories:
        raise InvalidValue(f"{year} 年度尚无已归档的文件，请先归档", fix="File the year first (`wenshu archive file`).")
    return categories


def _count(categories: tuple[Category, ...]) -> int:
    return sum(len(c.items) for c in categories)


@contextmanager
def _folder() -> Iterator[Path]:
    """A private temporary folder, gone when the block ends."""
    with tempfile.TemporaryDirectory(prefix="wenshu-archive-") as folder:
        yield Path(folder)


