"""`wenshu tasks`, `wenshu handle`, `wenshu remind`, `wenshu supervise`: 办理 from the command line
(docs/handling.md). Each action is one audited registry write naming the acting user."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from core import durable
from core.errors import InvalidValue
from core.vocab import HANDLING_ACTIONS
from pipeline.cli_app import Edge, app, console, err_console, print_json

_ACTIONS_HELP = ", ".join(f"{name} ({said})" for name, said in HANDLING_ACTIONS.items())


@app.command()
def tasks(
    ctx: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="Only what waits for the acting user (--user).")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only what is past its 办理时限.")] = False,
    due_days: Annotated[Optional[int], typer.Option("--due-days", help="Only what is due within N days.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list on stdout.")] = False,
) -> None:
    """The open 办件, 阅件 and 督办 items (待办): overdue first, then by 办理时限."""
    from pipeline.handling import tasks as list_tasks

    edge: Edge = ctx.obj
    user = edge.user() if mine else None
    found = list_tasks(edge.engine, edge.settings, user=user, overdue=overdue, due_days=due_days)
    if as_json:
        print_json([task.to_json() for task in found])
        return
    if not found:
        console.print("没有待办事项。")
        return
    table = Table("登记号", "标题", "阅办", "状态", "待谁办理", "办理时限", "提示")
    for task in found:
        when = task.deadline.isoformat() if task.deadline else ""
        note = [f"超期 {-task.due_in} 天" if task.overdue else "", task.urgency or "", "已催办" if task.urged else ""]
        style = "bold red" if task.highlight else ("red" if task.overdue else None)
        number = f"{task.reg_no} 督办{task.item}" if task.item else task.reg_no
        table.add_row(number, escape(task.subject or task.title or ""), task.route, task.state,
                      "、".join(task.waiting_for), when, " ".join(part for part in note if part), style=style)
    console.print(table)


@app.command()
def handle(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number, e.g. 收〔2026〕15号.")],
    action: Annotated[str, typer.Argument(help=f"One of: {_ACTIONS_HELP}.")],
    text: Annotated[Optional[str], typer.Option("--text", help="The opinion, 批示, result, reason or note.")] = None,
    to: Annotated[Optional[list[str]], typer.Option("--to", help="主办 (批示, 转办, 拟办 without 批示), the leader "
                                                              "a 拟办 goes to, or whom to urge; repeatable.")] = None,
    assist: Annotated[Optional[list[str]], typer.Option("--assist", help="协办 user; repeatable.")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="办理时限, YYYY-MM-DD.")] = None,
    reader: Annotated[Optional[list[str]], typer.Option("--reader", help="A reader of a 阅件 (传阅); repeatable, "
                                                                      "in order.")] = None,
    ordered: Annotated[bool, typer.Option("--ordered", help="传阅 in the readers' order, one after another.")] = False,
    item: Annotated[int, typer.Option("--item", help="A 督办 item of the record (1..n); 0: the record itself.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="The handling afterwards as JSON.")] = False,
) -> None:
    """Take a 办理 action on a record as the acting user (--user); audited."""
    from pipeline.handling import act

    edge: Edge = ctx.obj
    actor = edge.user()
    before = _state(edge, reg_no, item)
    done = act(edge.engine, edge.settings, reg_no, action, actor, text=text, assignees=to or (), assist=assist or (),
               deadline=deadline, readers=reader or (), ordered=ordered, item=item)
    if as_json:
        print_json(done.to_json())
        return
    what = f"{done.reg_no}{f' 督办事项 {done.item}' if done.item else ''}"
    console.print(f"{HANDLING_ACTIONS[action]}：{what} {before} → {done.state}", highlight=False)
    if done.holder:
        console.print(f"现由 {done.holder} 办理", highlight=False)
    if done.deadline:
        console.print(f"办理时限 {done.deadline.isoformat()}", highlight=False)


def _state(edge: Edge, reg_no: str, item: int) -> str:
    from registry.handling import get_handling

    found = get_handling(edge.engine, reg_no, item)
    return found.state if found else "无需办理"


@app.command()
def remind(
    ctx: typer.Context,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the digest to this file instead of stdout.")] = None,
) -> None:
    """The daily 催办 digest: what each person has overdue or due soon, to mail or print."""
    from pipeline.handling import digest

    edge: Edge = ctx.obj
    text = digest(edge.engine, edge.settings)
    if out is None:
        sys.stdout.write(text)  # as it is: lines unwrapped, for a mail
        return
    if out.is_dir():
        raise InvalidValue(f"「{out}」是文件夹，--out 需要一个文件名", fix=f"Give a file name, e.g. {out / '催办.txt'}.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        durable.write_text(out, text)
    except OSError as error:
        raise InvalidValue(f"无法写入「{out}」：{error.strerror}", fix="Choose a file in a folder you can write to.") \
            from error
    err_console.print(f"已写入催办日报：{out}")


@app.command()
def supervise(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="Registration number of a 纪要.")],
    confirm: Annotated[Optional[list[int]], typer.Option("--confirm", help="Confirm proposal N as a 督办 item "
                                                                         "(needs --user); repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """督办 from a 纪要: list the 议定事项 that assign work; --confirm N makes them tracked items."""
    from pipeline import supervision

    edge: Edge = ctx.obj
    if confirm:
        actor = edge.user()
        made = supervision.confirm(edge.engine, edge.settings, reg_no, confirm, actor)
        if as_json:
            print_json([item.to_json() for item in made])
            return
        for item in made:
            when = f"，时限 {item.deadline.isoformat()}" if item.deadline else ""
            console.print(f"已确认督办事项 {item.item}：主办 {item.lead_department}{when}", highlight=False)
        return
    found = supervision.proposals(edge.engine, edge.settings, reg_no)
    if as_json:
        print_json([proposal.to_json() for proposal in found])
        return
    if not found:
        console.print("没有找到分派工作的议定事项。")
        return
    table = Table("序号", "主办", "时限", "议定事项", "")
    for proposal in found:
        table.add_row(str(proposal.number), escape(proposal.lead),
                      proposal.deadline.isoformat() if proposal.deadline else "", escape(proposal.text),
                      "已确认" if proposal.confirmed else "")
    console.print(table)
    console.print(f"确认：wenshu --user 用户名 supervise {reg_no} --confirm 序号", highlight=False, markup=False)
