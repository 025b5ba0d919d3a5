"""The `wenshu` command. Settings are built here, once; errors become output here, once."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from core.errors import AuditChainBroken, Exit, InvalidValue, WenshuError
from core.vocab import SYSTEM_ACTOR, Status
from pipeline import cli_archive, cli_archive_catalogue, cli_archive_export, cli_handling, cli_search, cli_slip, cli_users, cli_watch, cli_web  # noqa: F401  (their commands register on `app`)
from pipeline.cli_app import Edge, app, audit_app, check_direction, console, err_console, print_json

@app.command()
def init(ctx: typer.Context) -> None:
    """Create the data directory, its folders and the database (safe to run again)."""
    edge: Edge = ctx.obj
    from pipeline.datadir import prepare
    from registry.maintenance import enable_key

    prepare(edge.settings, edge.engine)

    # connecting migrates; init needs no --user: the key it may make is the system's doing
    key = enable_key(edge.engine, edge.settings.audit_key_file, SYSTEM_ACTOR)
    if key is not None:
        console.print(f"已启用审计密钥：第 {key.keyed_from} 条起的审计事件以密钥封存（之前的事件仍为 SHA-256 链）")
    console.print(f"数据目录已就绪：{edge.settings.data_dir}")
    console.print(f"审计密钥：{edge.settings.audit_key_file}（与数据库分开备份）")
    console.print(f"数据库：{edge.settings.database_url}")


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files (or folders of files) to register; they are copied, not moved.")],
    direction: Annotated[str, typer.Option("--direction", help="收文 or 发文.")] = "收文",
    series: Annotated[Optional[str], typer.Option("--series", help="Numbering series (default per direction).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per path.")] = False,
) -> None:
    """Register files: extract, understand, number, file and index each one."""
    from pipeline.batch import ingest_paths
    from pipeline.ingest import Context

    check_direction(direction)
    edge: Edge = ctx.obj
    actor = edge.user()
    from pipeline.datadir import make_folders

    make_folders(edge.settings, edge.engine)  # the index is made with the first registration
    context = Context(settings=edge.settings, engine=edge.engine, actor=actor)
    batch = ingest_paths(paths, context, direction=direction, series=series)
    if batch.registered:
        from pipeline.indexing import index_registered  # imported now: 40 MB less while files are read

        index_registered(edge.engine, edge.settings, batch.registered, actor)
    outcomes = batch.outcomes
    if as_json:
        print_json([outcome.to_json() for outcome in outcomes])
    else:
        table = Table("文件", "结果", "登记号", "说明")
        labels = {Status.REGISTERED: "已登记", Status.DUPLICATE: "重复", Status.QUARANTINED: "已隔离",
                  Status.SKIPPED: "未处理"}
        for outcome in outcomes:
            note = outcome.reason or (f"与 {outcome.duplicate_of} 相同" if outcome.duplicate_of else outcome.title or "")
            if outcome.number_allocated:
                note = f"已分配发文字号，请填写在文件上。{note}"
            table.add_row(escape(Path(outcome.path).name), labels[outcome.status], outcome.reg_no or "", escape(note))
        console.print(table)
    if batch.stopped:
        raise batch.stopped  # 磁盘空间不足: exit 20, after what was done is shown and indexed
    if any(outcome.status == Status.SKIPPED for outcome in outcomes):
        raise typer.Exit(Exit.SOME_SKIPPED)
    if any(outcome.status == Status.QUARANTINED for outcome in outcomes):
        raise typer.Exit(Exit.SOME_QUARANTINED)


@app.command()
def extract(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The file to read.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Extract the text of a file and show the method per page, without registering it."""
    from extractors import extract as extract_file

    edge: Edge = ctx.obj
    if not path.is_file():
        raise InvalidValue(f"找不到文件：{path}", fix="Check the path.")
    extracted = extract_file(path, edge.settings)
    if as_json:
        print_json({"path": str(path), "format": extracted.format,
                     "pages": [{"n": page.n, "method": page.method, "text": page.text} for page in extracted.pages],
                     "text": extracted.text, "warnings": list(extracted.warnings)})
        return
    for page in extracted.pages:
        console.rule(f"第 {page.n} 页 · {page.method}")
        console.print(page.text, highlight=False, markup=False)
    for warning in extracted.warnings:
        err_console.print(f"[yellow]提示：[/]{escape(warning)}", highlight=False)


@app.command()
def show(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number, e.g. 收〔2026〕15号.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one record, including its text."""
    from registry import queries
    from registry.exports import record_json

    edge: Edge = ctx.obj
    record = record_json(queries.get(edge.engine, reg_no), edge.settings, with_text=True)
    if as_json:
        print_json(record)
        return
    table = Table(show_header=False)
    for key, value in record.items():
        if key != "text":
            table.add_row(key, "" if value is None else str(value))
    console.print(table)
    if record["number_allocated"]:
        console.print(f"已分配发文字号 {record['doc_number']}，请填写在文件上。", style="bold")
    withheld = "（涉密文件，正文不在此显示，请按机要渠道查阅原件）" if record["secrecy"] else "（无正文）"
    console.print(record["text"] or withheld, highlight=False, markup=False)


@app.command("log")
def log_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list on stdout.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Write an Excel 登记簿 to this file.")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First registration day, YYYY-MM-DD.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last registration day, YYYY-MM-DD.")] = None,
    direction: Annotated[Optional[str], typer.Option("--direction", help="收文 or 发文.")] = None,
    doc_type: Annotated[Optional[str], typer.Option("--type", help="文种, e.g. 通知.")] = None,
    route: Annotated[Optional[str], typer.Option("--route", help="阅件 or 办件.")] = None,
    gaps: Annotated[bool, typer.Option("--gaps", help="List the numbers each series skipped, instead of the log.")] = False,
) -> None:
    """The registration log (登记簿), oldest first."""
    from registry import queries, records
    from registry.exports import record_json, write_csv, write_xlsx

    edge: Edge = ctx.obj
    if gaps:
        _print_gaps(edge, as_json)
        return
    filters = queries.LogFilter(date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"),
                                direction=direction, doc_type=doc_type, route=route)
    actor = edge.user() if xlsx or as_csv else None  # an export is audited: who took the register out
    rows = (record_json(document, edge.settings) for document in queries.log(edge.engine, edge.settings, filters))
    if xlsx or as_csv:
        count = write_xlsx(rows, xlsx) if xlsx else write_csv(rows, sys.stdout)
        records.record_export(edge.engine, what="xlsx" if xlsx else "csv", filters=filters.as_dict(),
                              count=count, actor=actor,
                              destination=str(xlsx.resolve()) if xlsx else "stdout")
        if xlsx:
            err_console.print(f"已导出 {count} 条登记记录到 {xlsx}")
    elif as_json:
        print_json(list(rows))
    else:
        table = Table("登记号", "登记时间", "文种", "发文字号", "发文机关", "标题", "阅办", "状态")
        for row in rows:
            table.add_row(row["reg_no"], row["registered_at"][:16].replace("T", " "), row["doc_type"] or "",
                          row["doc_number"] or "", row["issuer"] or "", row["title"] or row["file_name"],
                          row["route"] or "", row["status"])
        console.print(table)


def _print_gaps(edge: Edge, as_json: bool) -> None:
    from registry import queries

    found = queries.number_gaps(edge.engine)
    if as_json:
        print_json([{"series": series, "year": year, "missing": missing} for series, year, missing in found])
        return
    if not found:
        console.print("各编号序列均无缺号。")
        return
    table = Table("编号序列", "年度", "缺号")
    for series, year, missing in found:
        table.add_row(series, str(year), "、".join(str(n) for n in missing))
    console.print(table)


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"{flag} 的日期「{value}」无法识别", fix=f"Write it as YYYY-MM-DD, e.g. {flag} 2026-03-01.") from None


@app.command()
def void(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number to void (any brackets).")],
    reason: Annotated[str, typer.Argument(help="Why (kept with the record and in the audit log).")],
) -> None:
    """Void a record: it keeps its number for ever, with the reason."""
    from pipeline import corrections

    edge: Edge = ctx.obj
    voided = corrections.void(edge.engine, edge.settings, reg_no, reason, edge.user())
    console.print(f"{voided} 已作废：{reason}")


@app.command()
def correct(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number (any brackets).")],
    field: Annotated[str, typer.Argument(help="The field as the register names it (标题, 发文机关, 保管期限 …) or its JSON name.")],
    value: Annotated[str, typer.Argument(help="The right value, as displayed (定期30年); '' clears an optional field.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept in the audit log).")] = "",
) -> None:
    """Correct a field, with the reason: audited with the old value; the index follows; re-filed
    when needed."""
    from pipeline import corrections

    edge: Edge = ctx.obj
    document = corrections.correct(edge.engine, edge.settings, reg_no, field, value, edge.user(), reason=reason)
    console.print(f"{document.reg_no} 的 {field} 已更正为「{value}」" +
                  (f"；档号 {document.archive_code}" if document.archive_code else ""))


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    deep: Annotated[bool, typer.Option("--deep", help="Also hash every stored original again and compare.")] = False,
    checkpoint: Annotated[Optional[list[str]], typer.Option(
        "--checkpoint", help="A line `audit checkpoint` printed, kept off this system (repeatable).")] = None,
) -> None:
    """Check the audit log, the register and the counters against each other (and the
    checkpoints given or kept in [audit] checkpoint_dir); exit 0 when intact, 6 naming each problem."""
    from pipeline import auditing

    edge: Edge = ctx.obj
    result = auditing.verify_registry(edge.engine, edge.settings, given=checkpoint or [], deep=deep)
    if result.problems:
        details = "\n".join(f"  - {p.where}：{p.problem}" for p in result.problems[:50])
        more = f"\n  ……另有 {len(result.problems) - 50} 处" if len(result.problems) > 50 else ""
        raise AuditChainBroken(f"审计校验未通过，{len(result.problems)} 处问题：\n{details}{more}",
                               fix="Keep the database as it is for the investigation; compare it with a backup "
                                   "and with the auditors' checkpoints (docs/security.md).")
    said = [f"{result.events} 条事件"]
    if result.checkpoints:
        said.append(f"{result.checkpoints} 个检查点")
    if result.originals is not None:
        said.append(f"{result.originals} 份原件")
    console.print(f"审计链完整：{'、'.join(said)}校验通过。")


@audit_app.command("checkpoint")
def audit_checkpoint(ctx: typer.Context) -> None:
    """Print the chain's head, sealed with the audit key: keep the line off this system and give
    it to `audit verify --checkpoint` later."""
    from pipeline import auditing

    edge: Edge = ctx.obj
    sys.stdout.write(auditing.take_checkpoint(edge.engine).line + "\n")


@audit_app.command("repair-triggers")
def audit_repair_triggers(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option("--reason", help="Why (required; recorded in the audit log).")],
) -> None:
    """Restore the protective triggers someone dropped, audited with who (--user) and why."""
    from registry.maintenance import repair_triggers

    edge: Edge = ctx.obj
    restored = repair_triggers(edge.engine, edge.user(), reason)
    console.print(f"已恢复保护触发器：{'、'.join(restored)}" if restored else "保护触发器齐全，无需修复。")


@audit_app.command("log")
def audit_log(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list on stdout (`at` in UTC, as hashed).")] = False,
    record: Annotated[Optional[str], typer.Option("--record", help="Only events about this registration number.")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only what this user did (login name, or 系统).")] = None,
    action: Annotated[Optional[str], typer.Option("--action", help="Only this action: Chinese name (更正) or code (corrected).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, YYYY-MM-DD (office time zone).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, YYYY-MM-DD (office time zone).")] = None,
) -> None:
    """The audit events, oldest first, in local time with Chinese action names and details."""
    from rich.text import Text

    from core.vocab import UNRESTRICTED
    from pipeline.auditview import action_name, details_lines, local_moment
    from registry import auditlog

    edge: Edge = ctx.obj
    filters = _audit_filter(record, actor, action, date_from, date_to)
    # the CLI is the operator's trusted access: every event, nothing masked
    entries = auditlog.events(edge.engine, edge.settings, filters, clearance=UNRESTRICTED)
    if as_json:  # the shape of GET /api/audit (registry.audit.event_to_json): `at` in UTC, as hashed
        print_json([entry.to_json() for entry in entries])
        return
    table = Table("序号", "时间", "操作人", "操作", "登记号", "详情")
    for entry in entries:
        table.add_row(str(entry.seq), local_moment(entry, edge.settings).strftime("%Y-%m-%d %H:%M:%S"),
                      Text(entry.actor), action_name(entry.action), Text(entry.record or ""),
                      Text("\n".join(details_lines(entry))))
    console.print(table)


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV (UTF-8 with BOM) on stdout, or to --out.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="With --csv: write the CSV to this file.")] = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Write an Excel file of the events.")] = None,
    record: Annotated[Optional[str], typer.Option("--record", help="Only events about this registration number.")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only what this user did.")] = None,
    action: Annotated[Optional[str], typer.Option("--action", help="Only this action: Chinese name or code.")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day, YYYY-MM-DD (office time zone).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, YYYY-MM-DD (office time zone).")] = None,
) -> None:
    """Export the audit events (the filters of `audit log`) as CSV or Excel; the export is itself
    audited, with who (--user) and where to."""
    from collections.abc import Iterator

    from core.vocab import UNRESTRICTED
    from pipeline.auditview import AUDIT_HEADINGS, audit_row
    from registry import auditlog, records
    from registry.exports import write_table_csv, write_table_xlsx

    if as_csv == (xlsx is not None):
        raise InvalidValue("请选择一种导出格式：--csv 或 --xlsx 文件名",
                           fix="e.g. `wenshu audit export --csv > 审计日志.csv` or `wenshu audit export --xlsx 审计日志.xlsx`.")
    if out is not None and not as_csv:
        raise InvalidValue("--out 只用于 --csv；Excel 文件名写在 --xlsx 之后", fix="Use --xlsx FILE alone.")
    edge: Edge = ctx.obj
    filters = _audit_filter(record, actor, action, date_from, date_to)
    who = edge.user()  # an export is audited: who took the log out
    clearance = UNRESTRICTED  # the CLI is the operator's trusted access: every event, nothing masked

    def rows() -> Iterator[list]:
        for entry in auditlog.events(edge.engine, edge.settings, filters, clearance=clearance):
            yield audit_row(entry, edge.settings)

    if xlsx is not None:
        # written first (its rows counted), recorded, and removed again if it cannot be recorded
        count = write_table_xlsx(AUDIT_HEADINGS, rows(), xlsx, "审计日志")
        try:
            records.record_export(edge.engine, what="audit.xlsx", filters=filters.as_dict(), count=count,
                                  actor=who, destination=str(xlsx.resolve()))
        except BaseException:
            xlsx.unlink(missing_ok=True)
            raise
        err_console.print(f"已导出 {count} 条审计事件到 {xlsx}")
        return
    # recorded before the first byte leaves, as the web does: the events then (the export's own
    # event, and any after it, are not in it)
    count = auditlog.count_events(edge.engine, edge.settings, filters, clearance=clearance)
    if out is not None and out.is_dir():
        raise InvalidValue(f"「{out}」是文件夹，--out 需要一个文件名", fix=f"Give a file name, e.g. {out / '审计日志.csv'}.")
    records.record_export(edge.engine, what="audit.csv", filters=filters.as_dict(), count=count, actor=who,
                          destination=str(out.resolve()) if out else "stdout")
    if out is None:
        write_table_csv(AUDIT_HEADINGS, rows(), sys.stdout, limit=count)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as handle:
            write_table_csv(AUDIT_HEADINGS, rows(), handle, limit=count)
    except OSError as exc:
        raise InvalidValue(f"无法写入「{out}」：{exc.strerror}", fix="Choose a file in a folder you can write to.") from exc
    err_console.print(f"已导出 {count} 条审计事件到 {out}")


def _audit_filter(record: str | None, actor: str | None, action: str | None, date_from: str | None,
                  date_to: str | None):  # noqa: ANN202  (registry.auditlog.AuditFilter, imported late)
    """`audit log` and `audit export`'s filters; an action by its Chinese name or its code."""
    from pipeline.auditview import action_code
    from registry.auditlog import AuditFilter

    return AuditFilter(record=record or None, actor=actor or None, action=action_code(action) if action else None,
                       date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"))


def main() -> None:
    """Entry point: the one place where wenshu's errors become messages and exit codes.

    Usage errors are reported by typer itself (exit 2); everything wenshu raises lands here.
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=sys.argv[1:], prog_name="wenshu")
    except WenshuError as error:
        err_console.print(f"[bold red]错误：[/]{escape(error.message)}", highlight=False)
        if error.fix:
            err_console.print(f"[yellow]How to fix:[/] {escape(error.fix)}", highlight=False)
        if error.cause:
            err_console.print(f"[dim]Cause: {escape(error.cause)}[/]", highlight=False)
        sys.exit(error.exit_code)
