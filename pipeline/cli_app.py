"""The `wenshu` command's shared parts: the typer app, the consoles, and what every command gets
(``Edge``). The command modules (``cli``, ``cli_search``, ``cli_watch``) add their commands to
``app``; ``cli.main`` is the entry point."""

from __future__ import annotations

import getpass
import json
import socket
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings, load_settings
from core.vocab import DIRECTIONS
from pipeline.permissions import looser_warning, private_umask

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="wenshu 文书：收发文登记、阅办分流、归档与检索。")
audit_app = typer.Typer(no_args_is_help=True, help="审计日志：查看与校验。")
app.add_typer(audit_app, name="audit")


@dataclass
class Edge:
    """What every command gets: the frozen settings and who is acting."""

    settings: Settings
    actor: str

    @cached_property
    def engine(self) -> Engine:
        from pipeline.storage import disk_full_error
        from registry.db import open_registry

        try:
            return open_registry(self.settings)
        except Exception as error:  # a full disk is not a broken database: exit 20, said so
            full = disk_full_error(self.settings, error)
            if full is None:
                raise
            raise full from error


def default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[Optional[Path], typer.Option("--data", help="Data directory (env WENSHU_DATA; default ./wenshu-data).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings file (default DATA/wenshu.toml).")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who is acting, for the audit log (default user@host).")] = None,
) -> None:
    private_umask()  # before anything is created: the data directory holds 涉密 text
    settings = load_settings(data_dir=data, config_file=config)
    if warning := looser_warning(settings):
        err_console.print(f"[yellow]警告：[/]{escape(warning)}", highlight=False)
    ctx.obj = Edge(settings=settings, actor=actor or default_actor())


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def check_direction(direction: str | None) -> None:
    """``--direction`` takes 收文 or 发文 (None: the command's default)."""
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidValue(f"--direction 只能是 收文 或 发文，而不是「{direction}」",
                           fix="Use --direction 收文 or --direction 发文.")
