"""`wenshu user`: the office's accounts. A password is read from standard input, never from the
command line (where `ps` and the shell history would keep it); a token is printed once."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

from core.errors import InvalidValue
from core.vocab import ROLES
from pipeline.cli_app import Edge, app, console, print_json

user_app = typer.Typer(no_args_is_help=True, help="用户：添加、列出、改密码、停用、发放 API 令牌。")
app.add_typer(user_app, name="user")


def _password_from_stdin(flag: bool) -> str:
    if not flag:
        raise InvalidValue("密码须从标准输入给出", fix="Pass --password-stdin and pipe the password in, "
                                                   "e.g. `printf '%s' \"$PW\" | wenshu user add …`.")
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, . _ -")],
    role: Annotated[list[str], typer.Option("--role", help="Role (repeatable): " + ", ".join(
        f"{code} {name}" for code, name in ROLES.items()))],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    clearance: Annotated[Optional[str], typer.Option("--clearance", help="秘密, 机密 or 绝密 (default: none).")] = None,
    display_name: Annotated[Optional[str], typer.Option("--display-name", help="The name shown, e.g. 张丽.")] = None,
) -> None:
    """Add a user with roles, clearance and a password; audited."""
    from registry.users import add_user

    edge: Edge = ctx.obj
    actor = edge.user(first_user=True)  # the first account of a new registry is added as 系统
    account = add_user(edge.engine, name, roles=role, password=_password_from_stdin(password_stdin),
                       actor=actor, clearance=clearance, display_name=display_name)
    console.print(f"已添加用户 {account.name}（{'、'.join(ROLES[r] for r in account.roles)}"
                  f"{'，保密级别 ' + account.clearance if account.clearance else ''}）")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every user with roles, clearance and whether disabled."""
    from registry.users import list_users

    edge: Edge = ctx.obj
    accounts = list_users(edge.engine)
    if as_json:
        print_json([account.to_json() for account in accounts])
        return
    table = Table("用户名", "姓名", "角色", "保密级别", "状态")
    for account in accounts:
        table.add_row(account.name, account.display_name or "", "、".join(ROLES[r] for r in account.roles),
                      account.clearance or "无", "已停用" if account.disabled else "正常")
    console.print(table)


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from standard input.")] = False,
) -> None:
    """Set a user's password; audited (without the password)."""
    from registry.users import set_password

    edge: Edge = ctx.obj
    actor = edge.user()
    set_password(edge.engine, name, _password_from_stdin(password_stdin), actor)
    console.print(f"已更改 {name} 的密码")


@user_app.command("disable")
def user_disable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept in the audit log).")] = "",
) -> None:
    """Disable a user and revoke their API tokens; users are never deleted."""
    from registry.users import disable

    edge: Edge = ctx.obj
    disable(edge.engine, name, edge.user(), reason)
    console.print(f"已停用用户 {name}，其 API 令牌已作废")


@user_app.command("token")
def user_token(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Print a new API token for the user, once; only its hash is kept."""
    from registry.users import issue_token

    edge: Edge = ctx.obj
    sys.stdout.write(issue_token(edge.engine, name, edge.user()) + "\n")
