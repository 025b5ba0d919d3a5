"""CLI commands of the web application: `serve` (the watcher and the web application in one
process: the office's one command) and `web` (the web application alone, for a second machine
on a shared PostgreSQL registry).

Both bind to ``[web] host``/``port`` (127.0.0.1:8000) unless ``--host``/``--port`` say otherwise,
and on the first start of a registry with no account make an ``admin`` whose generated
password is printed once (audited as 系统).

`serve` runs the watcher in the main thread (it owns SIGTERM and Ctrl-C: it stops taking files
and lets its workers finish theirs) and uvicorn in a second thread; when the watcher has drained,
the web application is told to exit and finishes the requests in hand. The exit code is the
watcher's: 0 after SIGTERM or one Ctrl-C, 130 after a second Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from typing import Annotated, Optional

import typer
from rich.markup import escape

from core.errors import Exit, InvalidValue, WenshuError
from core.settings import Settings
from core.vocab import SYSTEM_ACTOR
from pipeline.cli_app import Edge, app, console, err_console

# The environment variable that hands `wenshu web --workers N`'s settings to each uvicorn worker
# process (``pipeline.web.main``). Not WENSHU_*: it is not a setting of its own.
SETTINGS_ENV = "_WENSHU_WEB_SETTINGS"
FIRST_ADMIN = "admin"
STARTUP_SECONDS = 30.0


class WebNotStarted(WenshuError):
    """uvicorn could not start (the port is taken, the address is not this machine's)."""

    exit_code = Exit.INVALID_VALUE


def web_settings(settings: Settings, host: str | None, port: int | None) -> Settings:
    """The settings with ``--host``/``--port`` laid over ``[web]``."""
    given = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if not given:
        return settings
    web = settings.web.model_validate({**settings.web.model_dump(), **given})
    return settings.model_copy(update={"web": web})


def first_admin(engine) -> str | None:  # noqa: ANN001
    """On a registry with no account yet: an ``admin`` account with a new password, returned
    once (None when there are accounts, or another process made the first one meanwhile)."""
    from pipeline.accounts import new_password
    from registry import users

    if users.has_users(engine):
        return None
    password = new_password()
    try:
        users.add_user(engine, FIRST_ADMIN, roles=["admin"], password=password, actor=SYSTEM_ACTOR,
                       display_name="管理员")
    except InvalidValue:  # "已存在": a second `wenshu web` started at the same moment made it
        return None
    return password


def _announce_admin(password: str | None) -> None:
    if password is None:
        return
    console.print("")
    console.print("[bold]首次启动：已创建管理员账户[/]", highlight=False)
    console.print(f"  用户名：{FIRST_ADMIN}", highlight=False, soft_wrap=True)
    console.print(f"  初始密码：{password}", highlight=False, soft_wrap=True, markup=False)
    console.print("  此密码只显示这一次。请立即登录，在「用户」页为同事建立账户，并为 admin 重设密码。",
                  highlight=False, soft_wrap=True)
    console.print("")


def url_of(settings: Settings) -> str:
    host = settings.web.host
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{settings.web.port}/"


def _quiet_server(config):  # noqa: ANN001, ANN202
    """uvicorn's server, stopping on SIGTERM or Ctrl-C (finishing the requests in hand) and then
    returning, so that `wenshu web` exits 0; uvicorn's own raises the signal again after its
    shutdown (the process would end "killed by SIGTERM")."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):  # noqa: ANN202
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(config)


def _uvicorn_config(target, settings: Settings, **extra):  # noqa: ANN001, ANN202
    import uvicorn

    # Behind a reverse proxy on this machine, X-Forwarded-Proto/-For are believed from
    # 127.0.0.1 only (uvicorn's default; FORWARDED_ALLOW_IPS widens it): docs/web.md.
    return uvicorn.Config(target, host=settings.web.host, port=settings.web.port, proxy_headers=True,
                          log_level="warning", access_log=False, timeout_graceful_shutdown=30, **extra)


def _prepare(edge: Edge, host: str | None, port: int | None) -> Settings:
    from pipeline.datadir import prepare

    settings = web_settings(edge.settings, host, port)
    prepare(settings, edge.engine)
    _announce_admin(first_admin(edge.engine))
    return settings


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default [web] host, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", min=1, max=65535, help="Port (default [web] port, 8000).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="The watcher's worker processes (default: settings.workers).")] = None,
) -> None:
    """The office's one process: watch inbox/ and outbox/ (as `wenshu watch`) and serve the web
    application. Ctrl-C or SIGTERM finishes the files in hand, then stops both."""
    import uvicorn

    from pipeline.cli_watch import _Reporter, _warn, _watch_settings
    from pipeline.watch import Watcher
    from pipeline.web.app import create_app

    edge: Edge = ctx.obj
    settings = _prepare(edge, host, port)
    options = _watch_settings(edge)
    # What the watcher registers from the inbox is the system's doing, as with `wenshu watch`.
    watcher = Watcher(settings, edge.engine, SYSTEM_ACTOR, options, workers=workers or settings.workers,
                      report=_Reporter(False, progress=False), warn=_warn, heartbeat="watcher")
    server = uvicorn.Server(_uvicorn_config(create_app(settings), settings))
    # The watcher needs the main thread (its signal handlers); uvicorn runs beside it and, off
    # the main thread, leaves the signals alone.
    thread = threading.Thread(target=server.run, name="wenshu-web", daemon=True)
    thread.start()
    _wait_started(server, thread, settings)
    console.print(f"wenshu 已启动：请用浏览器打开 [bold]{escape(url_of(settings))}[/]", highlight=False, soft_wrap=True)
    console.print(f"正在监视：收文 → {escape(str(settings.inbox_dir))}    发文 → {escape(str(settings.outbox_dir))}",
                  highlight=False, soft_wrap=True)
    console.print("[dim]Ctrl-C 或 SIGTERM：处理完手头文件后退出。[/]", highlight=False)
    try:
        watcher.run()
    except KeyboardInterrupt:  # a second Ctrl-C while draining
        err_console.print("已中断；未完成的文件下次启动时继续处理。")
        raise typer.Exit(Exit.INTERRUPTED) from None
    finally:
        server.should_exit = True
        thread.join(60)
    console.print("wenshu 已停止。")


def _wait_started(server, thread: threading.Thread, settings: Settings) -> None:  # noqa: ANN001
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise _not_started(settings)
        time.sleep(0.05)


@app.command()
def web(
    ctx: typer.Context,
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default [web] host, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", min=1, max=65535, help="Port (default [web] port, 8000).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """The web application alone, without the watcher (a second machine on a shared PostgreSQL
    registry; the watcher runs elsewhere)."""
    from uvicorn.supervisors import Multiprocess

    from pipeline.web.app import create_app

    edge: Edge = ctx.obj
    settings = _prepare(edge, host, port)
    console.print(f"wenshu 网页：请用浏览器打开 [bold]{escape(url_of(settings))}[/]（本进程不监视收文目录）",
                  highlight=False, soft_wrap=True)
    try:
        if workers == 1:
            _quiet_server(_uvicorn_config(create_app(settings), settings)).run()
        else:
            # Each worker process builds the application from the settings built here, once.
            os.environ[SETTINGS_ENV] = settings.model_dump_json()
            config = _uvicorn_config("pipeline.web.main:app", settings, factory=True, workers=workers)
            Multiprocess(config, sockets=[config.bind_socket()]).run()
    except SystemExit as stopped:  # uvicorn exits when it cannot bind
        if stopped.code:
            raise _not_started(settings) from None


def _not_started(settings: Settings) -> WebNotStarted:
    return WebNotStarted(f"网页服务未能在 {settings.web.host}:{settings.web.port} 上启动（端口已被占用，或地址不属于本机）",
                         fix="Choose another port with --port (or [web] port), or stop the program using it.")
