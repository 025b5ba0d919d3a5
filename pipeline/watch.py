"""The watched inbox: a thin shell around the readiness tracker, the claimer and the worker pool.

One loop, one thread, owns all the state. Observer threads (watchdog: inotify, or polling for
network shares where inotify sees nothing) only post paths into a queue; a full rescan at
start-up and every ``rescan_interval`` seconds is the safety net for missed events. Each tick:

    events and rescans ──> ReadinessTracker ──ready──> Claimer.claim (rename into work/, ledger)
        ──> queue (with back-off times) ──> WorkerPool ──> results: printed, claims closed

The watcher claims only as many files as its workers can start soon (twice the pool), so a
second watcher on another machine shares a backlog instead of the first hoarding it. SIGTERM
(or Ctrl-C) stops taking files, lets the workers finish theirs, and exits 0; claimed files not
yet started stay in the ledger for the next start. SIGKILL loses nothing: the next start (or
another watcher's rescan) resumes every unfinished claim.
"""

from __future__ import annotations

import heapq
import itertools
import os
import queue
import secrets
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from core.settings import Settings, WatchSettings
from core.vocab import Status
from pipeline.auditing import write_daily_checkpoint
from pipeline.claims import Claim, Claimer, Moved, owner_name
from pipeline.indexing import BatchIndexer
from pipeline.ingest import Context, Outcome
from pipeline.processing import quarantine_crashed
from pipeline.files import readable_name
from pipeline.readiness import ReadinessTracker, can_open, is_ignored, is_ignored_folder
from pipeline.scanning import Skipped, walk
from pipeline.storage import SpaceGuard, is_storage_full
from pipeline.workers import Crashed, Finished, Task, WorkerPool, WorkerSetup
from registry import heartbeat as heartbeats
from registry import ledger
from registry.audit import utc_now
from registry.ledger import Entry
from registry.writing import check_writable

TICK = 0.1  # seconds: the loop's heartbeat when idle
POLL_EVERY = 0.5  # seconds between looks at the candidates' sizes and mtimes (and when one is due)


def watch_options(settings: Settings, **overrides: object) -> WatchSettings:
    """The ``[watch]`` settings with the ``wenshu watch`` flags that were given laid over them."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return WatchSettings.model_validate({**settings.watch.model_dump(), **given})


@dataclass
class _Clock:
    """When the loop last polled the candidates and when it next rescans and polls."""

    next_rescan: float
    next_poll: float = 0.0
    last_poll: float = 0.0
    next_beat: float = 0.0


@dataclass(frozen=True)
class Report:
    """One thing worth telling the person watching: a file's outcome, or a retry to come."""

    entry: Entry
    outcome: Outcome


def _short_move_pairing() -> None:
    """Every claim renames a file out of the inbox: an IN_MOVED_FROM whose other half is not
    watched. watchdog holds such an event for half a second hoping to pair it, and every event
    queued behind it waits too, so each claim would delay the next file's event by up to 0.5 s.
    The kernel reports both halves of a rename in one read: 50 ms is ample to pair them."""
    try:
        from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper
        InotifyMoveEventGrouper.delay = min(InotifyMoveEventGrouper.delay, 0.05)
    except (ImportError, AttributeError):  # another watchdog version: only slower, still right
        pass


def watched_roots(settings: Settings) -> dict[Path, str]:
    return {settings.inbox_dir: "收文", settings.outbox_dir: "发文"}


def scan(root: Path) -> Iterator[Path | Skipped]:
    """Every regular file under ``root`` that may be a document (no symlinks followed, no
    temporary or system files, no dot folders), and every entry that cannot be taken (a symbolic
    link, a FIFO, a folder that cannot be listed, a path too long) as a ``Skipped``."""
    return walk(root, ignored_file=is_ignored, ignored_folder=is_ignored_folder)


def candidates(root: Path) -> Iterator[Path]:
    """The documents ``scan`` finds."""
    return (item for item in scan(root) if isinstance(item, Path))


def not_taken(settings: Settings) -> list[Skipped]:
    """What is in the inbox and outbox but cannot be taken, and why: what ``scan`` skips, and
    files that do not open (no permission)."""
    found: list[Skipped] = []
    for root in watched_roots(settings):
        if root.is_dir():
            found += [item if isinstance(item, Skipped) else Skipped(item, "unreadable")
                      for item in scan(root) if isinstance(item, Skipped) or not can_open(item)]
    return found


def inside(path: Path, root: Path) -> bool:
    """True if ``path`` is below ``root`` with no symlink (or ``..``) on the way."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    if ".." in relative.parts or not relative.parts:
        return False
    current = root
    for part in relative.parts[:-1]:
        current = current / part
        if current.is_symlink() or is_ignored_folder(part):
            return False
    return not path.is_symlink()


class Watcher:
    def __init__(self, settings: Settings, engine: Engine, actor: str, watch: WatchSettings, *,
                 workers: int, report: Callable[[Report], None] = lambda report: None,
                 warn: Callable[[str], None] = lambda message: None, heartbeat: str | None = None):
        """``actor`` names who the audit events are by (the watcher: 系统); ``heartbeat``: the
        kind this watcher beats as (``registry.heartbeat``), None for none (``retry``)."""
        self.settings, self.engine, self.actor, self.watch = settings, engine, actor, watch
        self.heartbeat = heartbeat
        self.process_name = heartbeats.this_process()
        self.owner = owner_name(settings, f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")
        self.claimer = Claimer(settings, engine, self.owner)
        self.tracker = ReadinessTracker(watch.stable_seconds)
        self.roots = watched_roots(settings)
        # Workers register; this process indexes in batches (one whoosh commit per batch).
        self.pool = WorkerPool(workers, WorkerSetup(settings, actor, watch.worker_memory_mb),
                               tasks_per_worker=watch.worker_tasks, file_timeout=watch.file_timeout)
        self.report, self.warn = report, warn
        self.indexer = BatchIndexer(engine, settings, actor, on_error=lambda what, error: self.warn(
            f"{what}：{type(error).__name__}: {error}（稍后重试）"))
        self.claims: dict[int, Claim] = {}  # every claim this watcher holds, by ledger id
        self._queue: list[tuple[float, int, int]] = []  # (due, order, entry id): waiting for a worker
        self._order = itertools.count()
        self._events: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._ready: list[Path] = []  # found ready by the last poll, oldest first, not yet claimed
        self.stopping = False
        self.closed = 0  # claims closed by this watcher
        self.skipped: dict[Path, Skipped] = {}  # what the last scan could not take, and why
        self.space = SpaceGuard(settings, warn=lambda message: self.warn(message))
        self.failures: list[Exception] = []  # what went wrong besides files (`--once` exits non-zero)
        # --once stops starting files (a full disk, the database gone: trying on would loop)
        self.halted = False
        self._once = False

    # -- the loop ------------------------------------------------------------------------------
    def run(self, *, once: bool = False, scan: bool = True, claims: list[Claim] = (),
            on_tick: Callable[["Watcher"], None] | None = None) -> None:
        """Watch until stopped (SIGTERM, SIGINT); ``once``: until what is there is processed, or
        until the disk is full or the database fails (``halted``). What went wrong besides the
        files themselves is in ``failures``: `--once` exits non-zero for it."""
        self._once = once
        check_writable(self.engine)  # a registry tampered with is not written on, from the start
        for root in self.roots:
            root.mkdir(parents=True, exist_ok=True)
        self.settings.work_dir.mkdir(parents=True, exist_ok=True)
        self._beat(starting=True)
        self._safely("审计检查点", self._checkpoint)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        observers = []
        try:
            self.pool.start()
            for claim in claims:
                self._hold(claim)
            if scan:
                self._resume()
                if not once:
                    observers = self._observe()
                self._rescan()
            clock = _Clock(next_rescan=time.monotonic() + self.watch.rescan_interval,
                           next_beat=time.monotonic() + heartbeats.EVERY_SECONDS)
            while True:
                self.tick(clock, rescan=scan and not once)
                if on_tick:
                    on_tick(self)
                if self._finished(once):
                    break
        finally:
            self._shut_down(observers, previous)

    def tick(self, clock: "_Clock", *, rescan: bool) -> None:
        """One turn of the loop: take in what is ready, feed the workers, handle their results
        (and say that this watcher is alive, every ``heartbeat.EVERY_SECONDS``)."""
        self._beat_if_due(clock)
        if not self.stopping:
            self._look(clock, rescan=rescan)
            self._claim_ready()
            self._dispatch()
        events = self.pool.wait(TICK)
        if events and not self.stopping:
            # A worker that just finished takes its next file before its result is handled
            # and before this turn's claims, which may wait for the registry's write lock.
            self._dispatch()
        for event in events:
            self._safely(event.task.entry.file_name, lambda event=event: self._handle(event),
                         on_error=lambda event=event: self._enqueue(event.task.entry.id, 30.0)
                         if event.task.entry.id in self.claims else None)

    def _look(self, clock: "_Clock", *, rescan: bool) -> None:
        """Events, the periodic rescan, and a poll of the candidates when one may have become
        ready (stat-ing every candidate is not for every tick)."""
        now = time.monotonic()
        self._take_events()
        if rescan and now >= clock.next_rescan:
            clock.next_rescan = now + self.watch.rescan_interval
            self._safely("全量扫描", self._rescan, self._resume)
            self._safely("审计检查点", self._checkpoint)
        due = self.tracker.next_due(after=clock.last_poll)  # one became due since the last look
        if (now >= clock.next_poll or (due is not None and due <= now)) and not self._ready and self._room() > 0:
            self._ready = self.tracker.poll()
            clock.last_poll, clock.next_poll = now, now + POLL_EVERY

    def _finished(self, once: bool) -> bool:
        if self.stopping or (once and self.halted):
            return not self.pool.busy
        # files that do not open may open later when watching, but --once does not wait for them
        return (once and self.tracker.only_blocked and not self._queue and not self.pool.busy
                and not self._ready)

    def not_taken(self) -> list[Skipped]:
        """What this watcher saw and could not take: skipped by its last scan, or never opened."""
        found = dict(self.skipped)
        for path in self.tracker.blocked:
            found.setdefault(path, Skipped(path, "unreadable"))
        return sorted(found.values(), key=lambda item: str(item.path))

    def _shut_down(self, observers: list, previous: dict) -> None:
        self.indexer.close()
        for observer in observers:
            observer.stop()
        for observer in observers:
            observer.join(5)
        self.pool.close()
        for claim in self.claims.values():
            claim.release()
        self.claims.clear()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if self.heartbeat is not None:
            self._quietly("心跳", lambda: heartbeats.stopped(self.engine, self.process_name))

    def _beat_if_due(self, clock: "_Clock") -> None:
        now = time.monotonic()
        if now >= clock.next_beat:
            clock.next_beat = now + heartbeats.EVERY_SECONDS
            self._beat()

    def _beat(self, *, starting: bool = False) -> None:
        if self.heartbeat is not None:
            self._quietly("心跳", lambda: heartbeats.beat(self.engine, self.process_name, self.heartbeat,
                                                         starting=starting))

    def _quietly(self, what: str, step: Callable[[], None]) -> None:
        """A step that is not the work (the heartbeat): an error is a warning, nothing more; it
        neither pauses the taking of files nor makes `--once` fail."""
        try:
            step()
        except Exception as error:  # noqa: BLE001
            self.warn(f"{what}：{type(error).__name__}: {error}（稍后重试）")

    def _checkpoint(self) -> None:
        """Today's checkpoint line in [audit] checkpoint_dir, once a day (docs/security.md)."""
        write_daily_checkpoint(self.engine, self.settings)

    def _stop(self, signum: int, frame: object) -> None:  # noqa: ARG002
        if self.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now (the ledger resumes the rest)
        self.stopping = True

    def _safely(self, what: str, *steps: Callable[[], None], on_error: Callable[[], None] | None = None) -> None:
        """Run steps; an error (the database gone for a moment) is reported, not fatal. A full
        disk pauses the taking of files (``SpaceGuard``); `--once` stops at either."""
        try:
            for step in steps:
                step()
        except Exception as error:  # noqa: BLE001
            self._failed(what, error)
            if on_error is not None:
                on_error()

    def _disk_full(self, error: BaseException | str) -> None:
        full = self.space.hit(error)
        if self._once:
            self.failures.append(full)
            self.halted = True

    def _failed(self, what: str, error: Exception) -> None:
        if is_storage_full(error):
            self._disk_full(error)
        else:
            self.warn(f"{what}：{type(error).__name__}: {error}（稍后重试）")
            if self._once:
                self.failures.append(error)

    # -- finding files -------------------------------------------------------------------------
    def _observe(self) -> list:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        events = self._events

        class Handler(FileSystemEventHandler):
            def __init__(self, root: Path, real: Path):
                self.root, self.real = root, real

            def on_any_event(self, event) -> None:  # noqa: ANN001
                wanted = ("created", "moved") if event.is_directory else ("created", "modified", "closed", "moved")
                if event.event_type in wanted:
                    path = Path(os.fsdecode(event.dest_path if event.event_type == "moved" else event.src_path))
                    if path.is_relative_to(self.real):  # the root itself may be a link to a share
                        events.put(self.root / path.relative_to(self.real))

        _short_move_pairing()
        observer = PollingObserver(timeout=self.watch.poll_interval) if self.watch.polling else Observer()
        for root in self.roots:
            real = root.resolve()
            observer.schedule(Handler(root, real), str(real), recursive=True, follow_symlink=False)
        observer.daemon = True
        observer.start()
        return [observer]

    def _take_events(self) -> None:
        while True:
            try:
                path = self._events.get_nowait()
            except queue.Empty:
                return
            root = self._root_of(path)
            if root is None or not inside(path, root):
                continue
            if path.is_dir():  # a folder moved in whole: no events for what it holds
                self._track(candidates(path))
            else:
                self._track([path])

    def _rescan(self) -> None:
        skipped: dict[Path, Skipped] = {}
        for root in self.roots:
            for item in scan(root):
                if isinstance(item, Skipped):
                    skipped[item.path] = item
                else:
                    self.tracker.touch(item)
        if not self._once:  # --once lists them at the end
            for path in sorted(skipped.keys() - self.skipped.keys()):
                self.warn(f"不能接收 {readable_name(self.claimer.relative(path))}：{skipped[path].reason}")
        self.skipped = skipped

    def _track(self, paths) -> None:  # noqa: ANN001
        for path in paths:
            self.tracker.touch(path)

    @property
    def pending(self) -> int:
        """Files found and not yet closed: waiting to be stable, claimed, or in a worker."""
        return len(self.tracker) + len(self.claims)

    def _root_of(self, path: Path) -> Path | None:
        return next((root for root in self.roots if path.is_relative_to(root)), None)

    # -- claiming and dispatching --------------------------------------------------------------
    def _resume(self) -> None:
        for claim in self.claimer.resume(set(self.claims)):
            self._hold(claim)

    def _hold(self, claim: Claim) -> None:
        self.claims[claim.entry.id] = claim
        delay = 0.0
        if claim.entry.not_before:
            delay = max(0.0, (claim.entry.not_before - utc_now()).total_seconds())
        self._enqueue(claim.entry.id, delay)

    def _enqueue(self, entry_id: int, delay: float) -> None:
        heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), entry_id))

    def _room(self) -> int:
        """How many more files to claim now: enough to keep every worker busy, no more, so that
        other watchers sharing the folder get their share."""
        due = sum(1 for when, _, _ in self._queue if when <= time.monotonic())
        return 2 * self.pool.size - self.pool.busy - due

    def _claim_ready(self) -> None:
        """Move what is ready into work/, then record all of it in one ledger transaction: the
        loop that feeds the workers waits for the registry's write lock once, not per file."""
        room = self._room()
        moved = []
        if self._ready and not self.space.allows():  # a full disk: take nothing, try again later
            if self._once:
                self.failures.append(self.space.error)
                self.halted = True
            self._ready = []
            return
        while room > 0 and self._ready:
            path = self._ready.pop(0)
            if not self.tracker.still_ready(path):
                continue
            self.tracker.forget(path)
            root = self._root_of(path)
            if root is None or not inside(path, root):
                continue
            try:
                item = self.claimer.move_in(path, self.roots[root])
            except Exception as error:  # noqa: BLE001 (one odd file must not stop the watcher)
                if is_storage_full(error):
                    self._disk_full(error)
                    break
                self.warn(f"无法接收 {readable_name(str(path))}：{type(error).__name__}: {error}（下次全量扫描时重试）")
                continue
            if item is not None:
                moved.append(item)
                room -= 1
        if moved:  # should the ledger fail, the files wait in work/ for the next resume
            self._safely("登记接收记录", lambda: self._record(moved))

    def _record(self, moved: list[Moved]) -> None:
        for claim in self.claimer.record(moved):
            self._hold(claim)

    def _dispatch(self) -> None:
        now = time.monotonic()
        if self.halted or not (self._queue and self._queue[0][0] <= now and self.pool.idle):
            return
        if not self.space.allows():  # what is claimed waits in work/ (and the ledger) for room
            if self._once:
                self.failures.append(self.space.error)
                self.halted = True
            return
        while self._queue and self._queue[0][0] <= now and self.pool.idle:
            _, _, entry_id = heapq.heappop(self._queue)
            if entry_id not in self.claims:  # closed meanwhile
                continue
            claim = self.claims[entry_id]
            entry = claim.entry
            self.pool.submit(Task(entry, final_attempt=entry.attempts >= self.watch.retries,
                                  retry_after=self.watch.backoff(entry.attempts + 1), fresh=claim.fresh))
            claim.fresh = False

    # -- results -------------------------------------------------------------------------------
    def _handle(self, event: Finished | Crashed) -> None:
        entry = event.task.entry
        if isinstance(event, Finished):
            self.space.ok()
            result = event.result
            if result.outcome.status == Status.ABANDONED:
                self._close(entry.id)
                return
            if result.final:
                self._close(entry.id)
                if result.outcome.status == Status.REGISTERED:
                    self.indexer.add(result.outcome.reg_no)
            else:
                self._retry_later(entry, result.outcome)
            self.report(Report(entry, result.outcome))
            return
        # Crashed: the worker died, hung, or raised
        if event.storage:  # the disk filled up under it: the file waits, no attempt counted
            self._disk_full(event.cause)
            self._enqueue(entry.id, self.space.delay)
            return
        if event.infrastructure:  # the database or the configuration, not the file: no attempt counted
            self._enqueue(entry.id, min(60.0, self.watch.backoff(3)))
            self.warn(f"{entry.file_name} 暂不能处理，稍后重试：{event.cause}")
            if self._once:
                self.failures.append(RuntimeError(event.cause))
                self.halted = True  # it would be tried again and again
            return
        if not event.task.final_attempt:
            reason = f"处理进程异常，稍后重试：{event.cause.splitlines()[0]}"
            delay = self.watch.backoff(entry.attempts + 1)
            ledger.note_retry(self.engine, entry.id, kind="corrupt", reason=reason,
                              not_before=utc_now() + timedelta(seconds=delay))
            outcome = Outcome(path=entry.work_path, status=Status.RETRY, reason=reason, kind="corrupt")
            self._retry_later(entry, outcome, delay=delay)
            self.report(Report(entry, outcome))
            return
        ctx = Context(settings=self.settings, engine=self.engine, actor=self.actor, move=True)
        outcome = quarantine_crashed(entry, ctx, cause=event.cause, timed_out=event.timed_out)
        self._close(entry.id)
        self.report(Report(entry, outcome))

    def _retry_later(self, entry: Entry, outcome: Outcome, delay: float | None = None) -> None:
        claim = self.claims[entry.id]
        claim.entry = replace(entry, attempts=entry.attempts + 1, kind=outcome.kind, reason=outcome.reason)
        self._enqueue(entry.id, self.watch.backoff(entry.attempts + 1) if delay is None else delay)

    def _close(self, entry_id: int) -> None:
        claim = self.claims.pop(entry_id, None)
        if claim is not None:
            claim.release()
        self.closed += 1


def today_start(settings: Settings) -> datetime:
    return datetime.now(settings.zone).replace(hour=0, minute=0, second=0, microsecond=0)
