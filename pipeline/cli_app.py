"""The `wenshu` command's shared parts: the typer app, the consoles, and what every command gets
(``Edge``). The command modules (``cli``, ``cli_search``, ``cli_watch``) add their commands to
``app``; ``cli.main`` is the entry point."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from core.errors import InvalidValue, NoUser
from core.settings import Settings, load_settings
from core.vocab import DIRECTIONS, SYSTEM_ACTOR
from pipeline.permissions import looser_warning, private_umask

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="wenshu 文书：收发文登记、阅办分流、归档与检索。")
audit_app = typer.Typer(no_args_is_help=True, help="审计日志：查看与校验。")
app.add_typer(audit_app, name="audit")


@dataclass
class Edge:
    """What every command gets: the frozen settings and the user named with ``--user``."""

    settings: Settings
    user_name: str | None = None

    @cached_property
    def engine(self) -> Engine:
        from pipeline.storage import disk_full_error
        from pipeline.database import open_registry

        try:
            return open_registry(self.settings)
        except Exception as error:  # a full disk is not a broken database: exit 20, said so
            full = disk_full_error(self.settings, error)
            if full is None:
                raise
            raise full from error

    def user(self, *, first_user: bool = False) -> str:
        """Who acts, for a command that changes data: the enabled account named with ``--user``
        (or WENSHU_USER), else ``NoUser`` before anything is changed. ``first_user`` (``user
        add``): while the registry has no account at all, the first one is added as 系统."""
        from registry.users import get_account, has_users

        if first_user and not has_users(self.engine):
            return SYSTEM_ACTOR
        name = (self.user_name or "").strip()
        if not name:
            raise NoUser("此命令会更改数据，请用 --user 用户名（或环境变量 WENSHU_USER）说明操作人",
                         fix="Name yourself before the command, e.g. `wenshu --user zhang.li COMMAND …`, or set "
                             "WENSHU_USER=zhang.li; `wenshu user list` shows the accounts.")
        account = get_account(self.engine, name)
        if account is None:
            raise NoUser(f"没有用户「{name}」：操作人必须是登记过的用户",
                         fix="Check the name with `wenshu user list`; an administrator adds an account with "
                             "`wenshu --user ADMIN user add NAME --role clerk --password-stdin`.")
        if account.disabled:
            raise NoUser(f"用户「{name}」已停用，不能再以其名义操作",
                         fix="Act as an enabled user (`wenshu user list`); an administrator may enable the account again.")
        return account.name


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[Optional[Path], typer.Option("--data", help="Data directory (env WENSHU_DATA; default ./wenshu-data).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings file (default DATA/wenshu.toml).")] = None,
    user: Annotated[Optional[str], typer.Option("--user", envvar="WENSHU_USER", show_envvar=False,
                                                help="Who acts: an enabled account, required by commands that "
                                                     "change data (env WENSHU_USER).")] = None,
) -> None:
    private_umask()  # before anything is created: the data directory holds 涉密 text
    settings = load_settings(data_dir=data, config_file=config)
    if warning := looser_warning(settings):
        err_console.print(f"[yellow]警告：[/]{escape(warning)}", highlight=False)
    ctx.obj = Edge(settings=settings, user_name=user)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def check_direction(direction: str | None) -> None:
    """``--direction`` takes 收文 or 发文 (None: the command's default)."""
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidValue(f"--direction 只能是 收文 或 发文，而不是「{direction}」",
                           fix="Use --direction 收文 or --direction 发文.")
