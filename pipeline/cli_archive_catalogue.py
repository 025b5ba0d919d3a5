"""`wenshu archive catalogue`: the 归档文件目录 (XLSX and DOCX) and the 备考表 (DOCX) of a filed
year, written into a folder and recorded in the audit log as an export (docs/archive.md,
「归档文件目录与备考表」)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from core.errors import InvalidValue
from pipeline.cli_app import Edge, console, err_console, print_json
from pipeline.cli_archive import YearOption, archive_app, year_or_default


@archive_app.command("catalogue")
def archive_catalogue(
    ctx: typer.Context,
    year: YearOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the three files into (default: here).")]
    = Path("."),
    checker: Annotated[Optional[str], typer.Option("--checker", help="检查人 on the 备考表 (default: a line to sign).")]
    = None,
    organizer: Annotated[Optional[str], typer.Option(
        "--organizer", help="整理人 on the 备考表 (default: who filed the year, by display name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """The 归档文件目录 (归档文件目录-YEAR.xlsx and .docx) and the 备考表 of each box
    (备考表-YEAR.docx) of the year's filed categories, into --out; audited as an export. Refuses
    while nothing of the year is filed."""
    from pipeline import archive_catalogue as catalogue
    from registry import archive_plan, records

    edge: Edge = ctx.obj
    actor = edge.user()
    year = year_or_default(edge, year)
    categories = archive_plan.filed(edge.engine, edge.settings, year)
    if not categories:
        raise InvalidValue(f"{year} 年度尚无已归档的文件，请先 archive file",
                           fix=f"See `wenshu archive plan --year {year}`, then file it with "
                               f"`wenshu --user NAME archive file --year {year}`.")
    folder = out.absolute()
    if folder.exists() and not folder.is_dir():
        raise InvalidValue(f"「{folder}」不是文件夹", fix="Give --out a folder (it is made when missing).")
    made_by = organizer or catalogue.organizer_of(edge.engine, edge.settings, year) \
        or catalogue.display_name(edge.engine, actor)
    written = [
        catalogue.write_catalogue_xlsx(categories, edge.settings, folder / f"归档文件目录-{year}.xlsx"),
        catalogue.write_catalogue_docx(categories, edge.settings, folder / f"归档文件目录-{year}.docx"),
        catalogue.write_box_notes_docx(categories, edge.settings, folder / f"备考表-{year}.docx", engine=edge.engine,
                                       organizer=made_by, checker=checker, day=edge.settings.today()),
    ]
    count = sum(len(c.items) for c in categories)
    boxes = sum(len(catalogue.boxes(c, edge.settings)) for c in categories)
    records.record_export(edge.engine, what="archive.catalogue", filters={"year": year}, count=count, actor=actor,
                          destination=str(folder))
    untitled = [i.archive_code for c in categories for i in c.items if not (i.title or "").strip()]
    if untitled:
        err_console.print(f"[yellow]注意：[/]{len(untitled)} 件没有题名，目录中暂以文件名代替：{'、'.join(untitled)}；"
                          "请用 wenshu archive correct 登记号 标题 … 补拟题名。", highlight=False)
    if as_json:
        print_json({"year": year, "count": count, "categories": [c.code for c in categories], "boxes": boxes,
                    "files": [str(path) for path in written]})
        return
    console.print(f"{year} 年度：{len(categories)} 个类别，{count} 件，{boxes} 盒。")
    for path in written:
        console.print(escape(str(path)), highlight=False, soft_wrap=True)
