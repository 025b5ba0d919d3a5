"""The 工作台 (home page) in one reading: today's 收文 and 发文, my 待办 (办理, issue 16), the 办件
due soon and overdue, the quarantine count, whether a watcher is taking files, and the audit
chain's head.

Each part is read only when the page will show it (the caller says which, by the viewer's
roles); counts and lists respect the viewer's clearance. The chain's status is the cheap check
every write makes (``registry.chainhead``), never the full verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from core.settings import Settings
from pipeline import handling_view, quarantined
from registry import dashboard, heartbeat
from registry.audit import utc_now
from registry.chainhead import HeadStatus, head_status
from registry.dashboard import DueItems
from registry.queries import Clearance
from registry.users import Account

DUE_WITHIN_DAYS = 3
# A watcher that has not beaten for three beats is not taking files.
ALIVE_WITHIN = 3 * heartbeat.EVERY_SECONDS
HIGHLIGHTED_URGENCIES = ("特急", "加急", "特提")


@dataclass(frozen=True)
class RunningWatcher:
    host: str
    pid: str
    started_at: datetime   # UTC
    seconds_ago: int       # since its last beat


@dataclass(frozen=True)
class WatcherState:
    running: tuple[RunningWatcher, ...]   # the longest running first

    @property
    def alive(self) -> bool:
        return bool(self.running)


@dataclass(frozen=True)
class MyTasks:
    """我的待办 on the 工作台: how many open items are mine, and the overdue ones."""

    open: int
    overdue: tuple                         # pipeline.handling.Task, longest overdue first
    names: dict[str, str]

    def who(self, name: str | None) -> str:
        return self.names.get(name, name) if name else ""


@dataclass(frozen=True)
class Overview:
    today: date
    watcher: WatcherState
    counts: dict[str, int] | None = None   # 收文/发文 registered today; None: not shown to this viewer
    due: DueItems | None = None
    quarantined: int | None = None
    chain: HeadStatus | None = None
    tasks: MyTasks | None = None


def watcher_state(engine: Engine) -> WatcherState:
    now = utc_now()
    running = []
    for beat in heartbeat.alive(engine, ALIVE_WITHIN, kind="watcher"):
        host, _, pid = beat.process.rpartition(":")
        running.append(RunningWatcher(host=host or beat.process, pid=pid, started_at=beat.started_at,
                                      seconds_ago=max(0, round((now - beat.beat_at).total_seconds()))))
    return WatcherState(tuple(running))


def overview(settings: Settings, engine: Engine, *, clearance: Clearance, counts: bool = False, due: bool = False,
             quarantine: bool = False, chain: bool = False, tasks_of: Account | None = None) -> Overview:
    today = settings.today()
    return Overview(
        today=today, watcher=watcher_state(engine),
        counts=dashboard.day_counts(engine, settings, today, clearance) if counts else None,
        due=dashboard.due_items(engine, settings, today, DUE_WITHIN_DAYS, clearance) if due else None,
        quarantined=quarantined.count(settings) if quarantine else None,
        chain=head_status(engine) if chain else None,
        tasks=my_tasks(engine, settings, tasks_of) if tasks_of else None)


def my_tasks(engine: Engine, settings: Settings, account: Account) -> MyTasks:
    mine = handling_view.listing(engine, settings, account)
    return MyTasks(open=len(mine.tasks), overdue=mine.overdue, names=mine.names)
