"""Running the real `wenshu` command in a subprocess, as a clerk or a script would.

Commands that change data need an acting user (``--user`` or ``WENSHU_USER``): ``run`` acts as
``TEST_USER``, a clerk, unless the test gives its own ``WENSHU_USER`` (``""`` for none) or
``--user``, and makes that account in the data directory, in this process, before the first
command that changes data there (a subprocess would cost most of a second each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

WENSHU = Path(sys.executable).with_name("wenshu")
# The samples' office (东湖大学化学化工学院) prints 化学院 in its 发文字号; defaults carry no 代字.
SAMPLE_OFFICE_ENV = {"WENSHU_OFFICE_CODE": "化学院"}
TEST_USER = "ceshi"  # the clerk the tests' commands act as
TEST_PASSWORD = "ceshi-mima-2026"

_GLOBAL_OPTIONS = {"--data", "--config", "--user"}  # each takes a value
_CHANGING = {"ingest", "correct", "void", "retry", "discard", "handle", "supervise", "tasks"}
_CHANGING_SUB = {"audit": {"repair-triggers", "export"}, "user": {"add", "passwd", "disable", "token"},
                 "archive": {"file", "review", "correct", "export", "catalogue"}}
_made: set[tuple[str, str, str]] = set()  # (data dir, database URL, config file) with TEST_USER made


def _split(args: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The global options before the command, and the command with what follows it."""
    given, rest = {}, list(args)
    while rest and rest[0].split("=", 1)[0] in _GLOBAL_OPTIONS:
        option = rest.pop(0)
        if "=" in option:
            name, value = option.split("=", 1)
        else:
            name, value = option, rest.pop(0) if rest else ""
        given[name] = value
    return given, rest


def changes_data(args: Sequence[str]) -> bool:
    """Whether ``wenshu ARGS`` is a command that needs an acting user."""
    _, command = _split(args)
    if not command:
        return False
    if command[0] in _CHANGING:
        return True
    if command[0] == "log":
        return any(arg in ("--csv", "--xlsx") or arg.startswith("--xlsx=") for arg in command[1:])
    return len(command) > 1 and command[1] in _CHANGING_SUB.get(command[0], ())


def make_test_user(data_dir: Path, env: Mapping[str, str], config: str | None = None) -> None:
    """``TEST_USER`` as an account of the registry that ``wenshu --data DATA_DIR`` with ``env``
    opens (made by 系统 once; nothing when it exists). Settings the command itself would refuse
    (or a registry that refuses to write) are left for the command to report."""
    key = (str(Path(data_dir).absolute()), env.get("WENSHU_DATABASE_URL", ""), config or "")
    if key in _made:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from core.errors import WenshuError
    from core.settings import load_settings
    from core.vocab import SYSTEM_ACTOR
    from registry import users
    from registry.db import connect

    umask = os.umask(0o077)  # as the command would make them: the data directory is private
    try:
        settings = load_settings(data_dir=data_dir, config_file=config, env=env)
        # open_registry as a new process opens it: not an engine this test process may hold in
        # the cache with an audit key since replaced (`wenshu init` after a key was lost)
        engine = connect.__wrapped__(settings.database_url, settings.audit_key_file)
        try:
            if users.get_account(engine, TEST_USER) is None:
                users.add_user(engine, TEST_USER, roles=["clerk"], password=TEST_PASSWORD, actor=SYSTEM_ACTOR,
                               display_name="测试文书")
        finally:
            engine.dispose()  # no connection of this process stays open on the test's database
    except (WenshuError, SQLAlchemyError, OSError):  # the command meets it too, and says so
        return
    finally:
        os.umask(umask)
    _made.add(key)


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None, check_code: int | None = 0,
        timeout: float = 300, preexec_fn: Callable[[], None] | None = None,
        input_text: str | None = None) -> subprocess.CompletedProcess:
    """``preexec_fn`` runs in the child before wenshu starts (an address-space cap, say);
    ``input_text`` is written to its standard input."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WENSHU_")}
    environment.update({**SAMPLE_OFFICE_ENV, **(env or {})})
    environment.update(acting_user(data_dir, args, environment))
    result = subprocess.run([str(WENSHU), "--data", str(data_dir), *args], capture_output=True,
                            text=True, env=environment, timeout=timeout, preexec_fn=preexec_fn,
                            input=input_text)
    if check_code is not None:
        assert result.returncode == check_code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def acting_user(data_dir: Path, args: Sequence[str], environment: Mapping[str, str]) -> dict[str, str]:
    """What to add to the environment of ``wenshu --data DATA_DIR ARGS``: WENSHU_USER=ceshi, with
    the account made first when the command changes data; nothing when the test names its own
    user (WENSHU_USER in its environment, even empty, or --user)."""
    given, _ = _split(args)
    if "WENSHU_USER" in environment or "--user" in given:
        return {}
    if changes_data(args):
        make_test_user(data_dir, {k: v for k, v in environment.items() if k.startswith("WENSHU_")},
                       given.get("--config"))
    return {"WENSHU_USER": TEST_USER}


def run_json(data_dir: Path, *args: str, **kwargs: Any) -> Any:
    return json.loads(run(data_dir, *args, "--json", **kwargs).stdout)
