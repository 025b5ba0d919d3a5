"""CLI commands of the watched inbox: `watch`, `retry`, `status`."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import Exit, InvalidValue, StorageFull
from core.vocab import SYSTEM_ACTOR, Status
from pipeline.cli_app import Edge, app, check_direction, console, err_console
from pipeline.files import readable_name

LABELS = {Status.REGISTERED: "已登记", Status.DUPLICATE: "重复", Status.QUARANTINED: "已隔离",
          Status.RETRY: "稍后重试", Status.RELEASED: "已放弃"}


def _line(report) -> str:  # noqa: ANN001
    entry, outcome = report.entry, report.outcome
    name = escape(entry.file_name)
    if outcome.status == Status.REGISTERED:
        fields = "  ".join(escape(value or "—") for value in (outcome.doc_type, outcome.title, outcome.route))
        allocated = "（已分配发文字号，请填写在文件上）" if outcome.number_allocated else ""
        return f"[green]已登记[/] [bold]{escape(outcome.reg_no)}[/]{allocated}  {fields}  ← {name}"
    if outcome.status == Status.DUPLICATE:
        return f"[yellow]重复[/]   {name} 与 {escape(outcome.duplicate_of or '')} 相同，已移到 duplicates/"
    if outcome.status == Status.QUARANTINED:
        return f"[red]已隔离[/] {name}：{escape(outcome.reason or '')}（{outcome.kind}）"
    if outcome.status == Status.RETRY:
        return f"[dim]稍后重试 {name}（第 {entry.attempts + 1} 次未成功）：{escape(outcome.reason or '')}[/]"
    return f"[dim]{LABELS.get(outcome.status, outcome.status)} {name}：{escape(outcome.reason or '')}[/]"


def _json_line(report) -> str:  # noqa: ANN001
    outcome = report.outcome.to_json()
    outcome.pop("path")
    return json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                       "file_name": report.entry.file_name, "source": report.entry.source_path,
                       "attempt": report.entry.attempts + 1, **outcome}, ensure_ascii=False)


class _Reporter:
    """Prints each outcome as it happens (a line, or a JSON line), with a progress bar for --once."""

    def __init__(self, as_json: bool, progress: bool):
        self.as_json = as_json
        self.quarantined = 0
        self.progress = (Progress(TextColumn("处理中"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                  console=console, transient=True)
                         if progress and not as_json and console.is_terminal else None)
        self.task = self.progress.add_task("files", total=None) if self.progress else None

    def __call__(self, report) -> None:  # noqa: ANN001
        if report.outcome.status == Status.QUARANTINED:
            self.quarantined += 1
        if self.as_json:
            sys.stdout.write(_json_line(report) + "\n")
            sys.stdout.flush()
        else:
            console.print(_line(report), highlight=False, soft_wrap=True)

    def skipped(self, item, settings) -> None:  # noqa: ANN001
        """A file the watcher could not take (pipeline.scanning.Skipped): left where it is."""
        try:
            source = readable_name(item.path.relative_to(settings.data_dir).as_posix())
        except ValueError:
            source = item.shown
        if self.as_json:
            sys.stdout.write(json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                                         "file_name": readable_name(item.path.name), "source": source,
                                         "status": Status.SKIPPED, "reason": item.reason, "kind": item.kind},
                                        ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            console.print(f"[yellow]未处理[/] {escape(source)}：{escape(item.reason)}", highlight=False, soft_wrap=True)

    def tick(self, watcher) -> None:  # noqa: ANN001
        if self.progress:
            self.progress.update(self.task, total=watcher.closed + watcher.pending, completed=watcher.closed)


def _warn(message: str) -> None:
    err_console.print(f"[yellow]警告：[/]{escape(message)}", highlight=False)


def _watch_settings(edge: Edge, **overrides):  # noqa: ANN003, ANN202
    from pydantic import ValidationError

    from pipeline.watch import watch_options

    try:
        return watch_options(edge.settings, **overrides)
    except ValidationError as exc:
        raise InvalidValue(f"invalid watch settings: {exc}", fix="See README, Configuration [watch].") from exc


@app.command()
def watch(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Process what is in the inbox and outbox now, then exit.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line for each outcome.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Worker processes (default: settings.workers).")] = None,
    polling: Annotated[Optional[bool], typer.Option("--polling/--no-polling", help="Poll the folders (network shares) instead of inotify.")] = None,
    stable_seconds: Annotated[Optional[float], typer.Option("--stable-seconds", min=0, help="Seconds a file must stay unchanged before it is taken.")] = None,
    poll_interval: Annotated[Optional[float], typer.Option("--poll-interval", min=0.1, help="Seconds between polls (with --polling).")] = None,
    rescan_interval: Annotated[Optional[float], typer.Option("--rescan-interval", min=1, help="Seconds between full rescans.")] = None,
    retries: Annotated[Optional[int], typer.Option("--retries", min=0, help="Retries of a file that does not parse, before quarantine.")] = None,
    retry_backoff: Annotated[Optional[float], typer.Option("--retry-backoff", min=0, help="Seconds before the first retry (doubled each time).")] = None,
    worker_memory_mb: Annotated[Optional[int], typer.Option("--worker-memory-mb", min=0, help="Address-space cap per worker (0: none).")] = None,
    file_timeout: Annotated[Optional[float], typer.Option("--file-timeout", min=0, help="Seconds a worker may spend on one file (0: no limit).")] = None,
) -> None:
    """Watch inbox/ (收文) and outbox/ (发文) and register every file dropped there."""
    from pipeline.datadir import prepare
    from pipeline.watch import Watcher

    edge: Edge = ctx.obj
    settings = edge.settings
    prepare(settings, edge.engine)
    options = _watch_settings(edge, polling=polling, stable_seconds=stable_seconds, poll_interval=poll_interval,
                              rescan_interval=rescan_interval, retries=retries, retry_backoff=retry_backoff,
                              worker_memory_mb=worker_memory_mb, file_timeout=file_timeout)
    reporter = _Reporter(as_json, progress=once)
    # The watcher needs no --user: what it registers from the inbox is the system's doing.
    watcher = Watcher(settings, edge.engine, SYSTEM_ACTOR, options, workers=workers or settings.workers,
                      report=reporter, warn=_warn, heartbeat="watcher")
    if not once and not as_json:
        console.print(f"wenshu 正在监视：收文 → {settings.inbox_dir}    发文 → {settings.outbox_dir}")
        console.print(f"[dim]{'轮询' if options.polling else 'inotify'}；文件稳定 {options.stable_seconds:g} 秒后处理；"
                      f"{watcher.pool.size} 个处理进程；Ctrl-C 或 SIGTERM 处理完手头文件后退出。[/]", highlight=False)
    try:
        if reporter.progress:
            with reporter.progress:
                watcher.run(once=True, on_tick=reporter.tick)
        else:
            watcher.run(once=once)
    except KeyboardInterrupt:
        err_console.print("已中断；未完成的文件下次启动时继续处理。")
        raise typer.Exit(Exit.INTERRUPTED) from None
    if once:
        _finish_once(watcher, reporter, settings)


def _finish_once(watcher, reporter: "_Reporter", settings) -> None:  # noqa: ANN001
    """After `watch --once` (or `retry`): say what could not be taken, and exit with the code of
    the worst that happened: a full disk (20), another failure (7 or 1), files left where they
    are (21), files quarantined (4)."""
    from sqlalchemy.exc import DBAPIError

    for item in watcher.not_taken():
        reporter.skipped(item, settings)
    storage = next((error for error in watcher.failures if isinstance(error, StorageFull)), None)
    if storage is not None:
        raise storage  # 磁盘空间不足: the files in hand wait in work/ for the next start
    if watcher.failures:
        error = watcher.failures[0]
        err_console.print(f"[bold red]错误：[/]处理未能全部完成（{escape(type(error).__name__)}: {escape(str(error))}）；"
                          "未完成的文件下次启动时继续处理。", highlight=False)
        raise typer.Exit(Exit.DATABASE if isinstance(error, DBAPIError) else Exit.BUG)
    if watcher.not_taken():
        raise typer.Exit(Exit.SOME_SKIPPED)
    if reporter.quarantined:
        raise typer.Exit(Exit.SOME_QUARANTINED)


@app.command()
def retry(
    ctx: typer.Context,
    files: Annotated[Optional[list[Path]], typer.Argument(help="Quarantined files (path, or name inside quarantine/).")] = None,
    all_files: Annotated[bool, typer.Option("--all", help="Every file in quarantine/.")] = False,
    direction: Annotated[Optional[str], typer.Option("--direction", help="收文 or 发文 (default: as it came in).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line for each outcome.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Worker processes (default: settings.workers).")] = None,
    as_new: Annotated[bool, typer.Option("--as-new", help="Register a same_document duplicate (a file in duplicates/) as a new record.")] = False,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (required with --as-new; kept in the audit log).")] = None,
) -> None:
    """Send quarantined files through the pipeline again, once the cause is fixed; or, with
    --as-new, register a duplicate as a new record."""
    from pipeline.claims import Claimer
    from pipeline.retry import claim_back, find_quarantined, quarantined_files
    from pipeline.watch import Watcher

    edge: Edge = ctx.obj
    settings = edge.settings
    actor = edge.user()  # a clerk sends the files again: the registrations are theirs
    if as_new:
        _register_anew(edge, actor, files or [], reason or "", as_json)
        return
    check_direction(direction)
    if not files and not all_files:
        raise InvalidValue("请指明要重试的文件，或使用 --all", fix="wenshu retry FILE... or wenshu retry --all")
    targets = quarantined_files(settings) if all_files else [find_quarantined(settings, f) for f in files]
    if not targets:
        console.print("隔离区没有文件。")
        return
    options = _watch_settings(edge)
    reporter = _Reporter(as_json, progress=True)
    watcher = Watcher(settings, edge.engine, actor, options,
                      workers=min(workers or settings.workers, len(targets)), report=reporter, warn=_warn)
    claims = claim_back(settings, edge.engine, Claimer(settings, edge.engine, watcher.owner), targets,
                        direction=direction, attempts=options.retries)
    if reporter.progress:
        with reporter.progress:
            watcher.run(once=True, scan=False, claims=claims, on_tick=reporter.tick)
    else:
        watcher.run(once=True, scan=False, claims=claims)
    _finish_once(watcher, reporter, settings)


def _register_anew(edge: Edge, actor: str, files: list[Path], reason: str, as_json: bool) -> None:
    from pipeline.retry import find_duplicate, register_anew

    if len(files) != 1:
        raise InvalidValue("--as-new 一次只登记一个文件", fix='wenshu retry FILE --as-new --reason "…"')
    outcome = register_anew(edge.settings, edge.engine, actor, find_duplicate(edge.settings, files[0]), reason)
    if as_json:
        sys.stdout.write(json.dumps(outcome.to_json(), ensure_ascii=False) + "\n")
    elif outcome.status == Status.REGISTERED:
        console.print(f"已另行登记为 [bold]{escape(outcome.reg_no)}[/]：{escape(outcome.title or '')}", highlight=False)
    else:
        console.print(f"{LABELS.get(outcome.status, outcome.status)}：{escape(outcome.reason or '')}", highlight=False)
    if outcome.status == Status.QUARANTINED:
        raise typer.Exit(Exit.SOME_QUARANTINED)


@app.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Files waiting in the inbox and outbox, in progress, and today's outcomes."""
    from pipeline.readiness import can_open
    from pipeline.retry import quarantine_list
    from pipeline.storage import free_mb
    from pipeline.watch import candidates, not_taken, today_start
    from registry import ledger

    edge: Edge = ctx.obj
    settings = edge.settings
    waiting = {name: sum(1 for path in candidates(folder) if can_open(path)) if folder.is_dir() else 0
               for name, folder in (("inbox", settings.inbox_dir), ("outbox", settings.outbox_dir))}
    skipped = [{"path": readable_name(item.path.relative_to(settings.data_dir).as_posix()), "kind": item.kind,
                "reason": item.reason} for item in not_taken(settings)]
    free = free_mb(settings.data_dir)
    counts = ledger.counts(edge.engine, today_start(settings).astimezone(timezone.utc))
    in_quarantine = quarantine_list(settings)
    result = {
        "waiting": waiting["inbox"] + waiting["outbox"], "waiting_inbox": waiting["inbox"],
        "waiting_outbox": waiting["outbox"], "in_progress": counts["in_progress"],
        "registered_today": counts["registered"], "duplicates_today": counts["duplicate"],
        "quarantined_today": counts["quarantined"], "quarantined": len(in_quarantine),
        "duplicates": sum(1 for path in settings.duplicates_dir.rglob("*") if path.is_file())
        if settings.duplicates_dir.is_dir() else 0,
        "not_taken": len(skipped), "free_mb": round(free), "disk_full": free < max(settings.limits.min_free_mb, 1),
    }
    if as_json:
        sys.stdout.write(json.dumps({**result, "quarantine": in_quarantine, "skipped": skipped},
                                    ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("", "", show_header=False)
    for label, key in (("等待处理（收文）", "waiting_inbox"), ("等待处理（发文）", "waiting_outbox"),
                       ("处理中", "in_progress"), ("今日登记", "registered_today"),
                       ("今日重复", "duplicates_today"), ("今日隔离", "quarantined_today"),
                       ("隔离区现有文件", "quarantined"), ("重复件目录现有文件", "duplicates"),
                       ("无法接收", "not_taken")):
        table.add_row(label, str(result[key]))
    console.print(table)
    if result["disk_full"]:
        console.print(f"[bold red]磁盘空间不足[/]：数据目录所在磁盘剩余 {free:.0f} MB（至少需要 "
                      f"{settings.limits.min_free_mb} MB）；监视暂停接收文件，请清理磁盘或扩容。", highlight=False)
    if skipped:
        console.print("无法接收的文件（原样留在原处）：")
        for item in skipped:
            console.print(f"  {escape(item['path'])}：{escape(item['reason'])}", highlight=False, soft_wrap=True)
    if in_quarantine:
        console.print("隔离的文件：")
        for item in in_quarantine:
            console.print(f"  {escape(item['file'])}：{escape(item['reason'] or '（原因文件缺失）')}",
                          highlight=False, soft_wrap=True)
        err_console.print("原因排除后运行 wenshu retry --all；无法补救的文件用 wenshu discard 文件 --reason 理由 删除。")


@app.command()
def discard(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The quarantined file (path, or name inside quarantine/).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is removed (kept in the audit log).")] = "",
) -> None:
    """Remove an unfixable quarantined file and its reason file, audited with the reason."""
    from pipeline.retry import discard as discard_file
    from pipeline.retry import find_quarantined

    edge: Edge = ctx.obj
    removed = discard_file(edge.settings, edge.engine, edge.user(), find_quarantined(edge.settings, file), reason)
    console.print(f"已删除隔离文件 {escape(removed)}：{escape(reason.strip())}", highlight=False)
