"""CLI commands of the search index: `search`, `reindex`, `index check [--fix]`."""

from __future__ import annotations

import re
import time
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from core.errors import Exit
from pipeline.cli_app import Edge, app, console, err_console, print_json

index_app = typer.Typer(no_args_is_help=True, help="搜索索引：检查与修复。")
app.add_typer(index_app, name="index")


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, e.g. '教务处的函', '\"科研项目\" 办件', '文种:通知 日期:2026-11'.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Hits per page.")] = 20,
    page: Annotated[int, typer.Option("--page", help="Page of results, from 1.")] = 1,
    doc_type: Annotated[Optional[str], typer.Option("--type", help="文种, e.g. 通知.")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="成文日期 from, YYYY-MM-DD.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="成文日期 to, YYYY-MM-DD.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date.")] = "relevance",
) -> None:
    """Search the archive in Chinese."""
    from pipeline.searching import search as search_archive

    edge: Edge = ctx.obj
    result = search_archive(edge.settings, query, limit=limit, page=page, doc_type=doc_type,
                            date_from=date_from, date_to=date_to, sort=sort)
    if as_json:
        print_json(result.to_json())
        return
    understood = "，".join(f"{key}={value}" for key, value in result.understood_as.items() if value)
    console.print(f"共 {result.total} 条" + (f"（理解为：{escape(understood)}）" if understood else ""))
    table = Table("登记号", "成文日期", "发文字号", "标题 / 摘要")
    for hit in result.hits:
        snippet = escape(re.sub(r"</?mark>", "", hit.snippet))
        table.add_row(hit.reg_no, hit.date.isoformat() if hit.date else "", hit.doc_number or "",
                      f"[bold]{escape(hit.title or '')}[/]\n{snippet}")
    console.print(table)


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Rebuild the search index from the registry (resumable; the old index serves until done)."""
    import index
    from pipeline.indexing import all_records, count_records, in_database, rebuild_rows

    edge: Edge = ctx.obj
    total = count_records(edge.engine)
    if in_database(edge.engine):
        began = time.monotonic()
        with Progress(TextColumn("重建检索行"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err_console) as progress:
            task = progress.add_task("reindex", total=total)
            written = rebuild_rows(edge.engine, progress=lambda done: progress.update(task, completed=done))
        console.print(f"检索在 PostgreSQL 中，随每次登记同步写入；已重写全部检索行：{written} 条"
                      f"（用时 {time.monotonic() - began:.1f} 秒）")
        return
    with Progress(TextColumn("重建索引"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console) as progress:
        task = progress.add_task("reindex", total=total)
        report = index.reindex(edge.settings, all_records(edge.engine, edge.settings), total=total,
                               progress=lambda done, _total=None: progress.update(task, completed=done))
    console.print(f"索引已重建：{report.total} 条（本次写入 {report.indexed}，沿用 {report.skipped}，"
                  f"{'续做，' if report.resumed else ''}用时 {report.seconds:.1f} 秒）")


@index_app.command("check")
def index_check(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what is found.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compare the index with the registry: missing, stale and orphan entries (exit 16 on drift)."""
    import index
    from pipeline.indexing import all_records, check_rows, expected_versions, fix_rows, in_database

    edge: Edge = ctx.obj
    rows = in_database(edge.engine)  # PostgreSQL: the search rows written with each record
    drift = check_rows(edge.engine) if rows else index.check(edge.settings, expected_versions(edge.engine))
    repaired = 0
    if fix and (drift.missing or drift.stale or drift.orphans or drift.error):
        if rows:
            repaired = fix_rows(edge.engine, drift)
        elif drift.error:  # unreadable index: only a rebuild helps
            index.reindex(edge.settings, all_records(edge.engine, edge.settings))
            repaired = -1
        else:
            wanted = set(drift.missing) | set(drift.stale)
            records = {doc.reg_no: doc for doc in all_records(edge.engine, edge.settings) if doc.reg_no in wanted}
            repaired = index.fix(edge.settings, drift, records)
    if as_json:
        print_json({**drift.to_json(), "repaired": repaired})
    else:
        console.print(("检索行（PostgreSQL）：" if rows else "")
                      + f"缺失 {len(drift.missing)}，过期 {len(drift.stale)}，多余 {len(drift.orphans)}"
                      + (f"；索引无法读取：{escape(drift.error)}" if drift.error else ""))
        if fix:
            console.print("已重建索引。" if repaired == -1 else f"已修复 {repaired} 条。")
    if not fix and (drift.missing or drift.stale or drift.orphans or drift.error):
        raise typer.Exit(Exit.INDEX_DRIFT)


