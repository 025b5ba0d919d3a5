"""`wenshu archive …`: 归档 from the command line (docs/archive.md). The plan of a year, filing
it, the clerk's check of 初审 warnings, and 档案更正; the 目录 and the package commands live
beside it (cli_archive_catalogue.py, cli_archive_export.py) on the same ``archive_app``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli_app import Edge, app, console, print_json

archive_app = typer.Typer(help="归档：归档计划、归档（编件号）、归档文件目录、归档数据包与四性检测。",
                          no_args_is_help=True)
app.add_typer(archive_app, name="archive")

YearOption = Annotated[Optional[int], typer.Option("--year", help="年度, e.g. 2026 (default: last year).")]


def year_or_default(edge: Edge, year: int | None) -> int:
    """Offices file a year's documents in the following year: last year unless told."""
    return year if year is not None else edge.settings.today().year - 1


@archive_app.command("plan")
def archive_plan(
    ctx: typer.Context,
    year: YearOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """What would be filed, per category (年度-期限-机构) in 件号 order, what blocks filing and
    what is left out (voided records)."""
    from pipeline import archiving

    edge: Edge = ctx.obj
    found = archiving.plan(edge.engine, edge.settings, year_or_default(edge, year))
    if as_json:
        print_json(archiving.plan_to_json(found))
        return
    for category in found.categories:
        table = Table("件号", "档号", "登记号", "文号", "题名", "日期", "页数", "", title=(
            f"{category.code}（{category.retention}，{category.unit_name}）"), title_justify="left")
        for item in category.items:
            table.add_row(str(item.item_no), item.archive_code, item.reg_no, escape(item.doc_number or ""),
                          escape(item.title or ""), item.date.isoformat() if item.date else "",
                          str(item.pages or ""), "已归档" if item.filed else escape(item.note))
        console.print(table)
    if found.excluded:
        console.print("[bold]不归档：[/]")
        for excluded in found.excluded:
            console.print(f"  {excluded.reg_no} {escape(excluded.title or '')}：{escape(excluded.reason)}")
    if found.blockers:
        console.print(f"[bold red]尚不能归档（{len(found.blockers)} 件）：[/]")
        for blocker in found.blockers:
            console.print(f"  {blocker.reg_no} {escape(blocker.title or '')}：{escape('；'.join(blocker.reasons))}")
    console.print(f"{found.year} 年度：待归档 {found.to_file} 件，已归档 {found.filed} 件，"
                  f"不归档 {len(found.excluded)} 件，阻碍 {len(found.blockers)} 件。")


@archive_app.command("file")
def archive_file(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="年度 to file, e.g. 2026.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """File a year as the acting user (--user): 件号 1..n per category in the plan's order, in one
    transaction, audited; the 档号 become final. Refuses, filing nothing, while anything blocks."""
    from pipeline import archiving

    edge: Edge = ctx.obj
    done = archiving.file_year(edge.engine, edge.settings, year, edge.user())
    if as_json:
        print_json(done.to_json())
        return
    console.print(f"{year} 年度已归档 {len(done.filed)} 件，{len(done.categories)} 个类别："
                  + "、".join(done.categories))


@archive_app.command("review")
def archive_review(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number, e.g. 收〔2026〕15号.")],
    reason: Annotated[str, typer.Option("--reason", help="What was checked (required; audited).")] = "",
) -> None:
    """Mark a record's 初审 warnings as checked (after correcting what was wrong): they no longer
    block filing."""
    from pipeline import archiving

    edge: Edge = ctx.obj
    checked = archiving.review(edge.engine, reg_no, edge.user(), reason)
    console.print(f"已核对 {len(checked)} 条提示：" + escape("；".join(checked)))


@archive_app.command("correct")
def archive_correct(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number of a filed record.")],
    field: Annotated[str, typer.Argument(help="标题, 发文字号, 发文机关, 成文日期, 文种, 密级 or 紧急程度.")],
    value: Annotated[str, typer.Argument(help="The right value; '' clears an optional field.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; audited).")] = "",
) -> None:
    """档案更正 of a filed record, with the reason: its 件号 and category stay."""
    from pipeline import archiving

    edge: Edge = ctx.obj
    document = archiving.correct_filed(edge.engine, edge.settings, reg_no, field, value, edge.user(), reason=reason)
    console.print(f"{document.archive_code}（{document.reg_no}）的 {field} 已档案更正为「{escape(value)}」")
