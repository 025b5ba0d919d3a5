"""The worker pool: one process per core, each doing one file at a time.

Our own small pool rather than ``ProcessPoolExecutor``: with one file per worker at a time, a
worker that dies (a native library crashing on a malformed file, the kernel's OOM killer, the
address-space cap) names the file that killed it, and only that file is affected; the worker is
replaced and the pool carries on. A worker busy for longer than ``file_timeout`` is killed the
same way. Each worker:

* runs OCR single-threaded (``OMP_THREAD_LIMIT=1``: two single-threaded tesseracts on two cores
  beat one that fights itself), with its address space capped (``RLIMIT_AS``), so a
  decompression bomb the extractors did not catch fails inside the worker, not the machine;
* ignores SIGTERM and SIGINT: the watcher decides when workers stop (after their file);
* dies with the watcher (``PR_SET_PDEATHSIG``): a SIGKILLed watcher leaves no worker behind
  still writing into the registry while the next watcher resumes the same file;
* is replaced after ``tasks_per_worker`` files, which bounds whatever a library leaks.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from sqlalchemy import Engine

from core.errors import Exit, WenshuError
from core.settings import Settings
from pipeline.limits import cap_address_space, die_with_parent
from pipeline.storage import is_storage_full
from registry.ledger import Entry


@dataclass(frozen=True)
class WorkerSetup:
    settings: Settings
    actor: str
    memory_mb: int  # address-space cap per worker; 0: none


@dataclass(frozen=True)
class Task:
    entry: Entry
    final_attempt: bool
    retry_after: float  # seconds to wait before the next attempt if this one says "retry"
    fresh: bool = False  # the claim's first attempt: nothing interrupted to settle first


@dataclass(frozen=True)
class Finished:
    task: Task
    result: object  # pipeline.processing.Result


@dataclass(frozen=True)
class Crashed:
    """The worker died or hung on this task (``timed_out``); or raised (``error``)."""

    task: Task
    cause: str
    timed_out: bool = False
    error: bool = False  # an exception, not a death
    infrastructure: bool = False  # the database, not the file: retry without counting
    storage: bool = False  # the disk is full (or read-only): the watcher pauses (storage.SpaceGuard)


def _worker_main(conn: Connection, setup: WorkerSetup, parent: int) -> None:
    _become_worker(setup, parent)
    try:
        import pipeline.processing  # noqa: F401  (every library a task needs, imported before "ready")
    except BaseException as exc:  # cannot work at all (a missing library, the memory cap)
        conn.send(("failed", "".join(traceback.format_exception_only(exc)).strip()))
        return
    conn.send(("ready", os.getpid()))
    _preload_ocr(setup.settings)
    _serve(conn, setup)


def _become_worker(setup: WorkerSetup, parent: int) -> None:
    """One thread for OCR, signals left to the watcher, death with the watcher, the memory cap."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)  # not Linux: the watcher's ledger still keeps the work safe
    cap_address_space(setup.memory_mb)  # `ingest` caps its extraction the same way (isolation.py)


def _preload_ocr(settings: Settings) -> None:
    """Load the OCR model now, while no file waits, not inside the first scan's time."""
    try:
        from extractors.ocr import load_engine
        load_engine(settings)
    except Exception:  # noqa: BLE001 (a missing engine is reported with the first scan that needs it)
        pass


def _serve(conn: Connection, setup: WorkerSetup) -> None:
    from pipeline.database import open_registry

    engine = None
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        try:
            engine = engine or open_registry(setup.settings)
        except Exception as exc:  # noqa: BLE001 (the database, not the file)
            conn.send(Crashed(task, f"{type(exc).__name__}: {exc}", error=True, infrastructure=True))
            continue
        conn.send(_run(task, setup, engine))
    _exit_quickly()


def _run(task: Task, setup: WorkerSetup, engine: Engine) -> Finished | Crashed:
    from pipeline.ingest import Context
    from pipeline.processing import process

    ctx = Context(settings=setup.settings, engine=engine, actor=setup.actor, move=True,
                  final_attempt=task.final_attempt)
    try:
        return Finished(task, process(task.entry, ctx, retry_after=task.retry_after, fresh=task.fresh))
    except Exception as exc:  # noqa: BLE001 (the watcher decides, by what failed)
        return _crashed(task, exc)


def _crashed(task: Task, exc: Exception) -> Crashed:
    from sqlalchemy.exc import DBAPIError

    cause = f"{type(exc).__name__}: {exc}"
    if is_storage_full(exc):  # the disk, not the file: the watcher pauses, no attempt counted
        return Crashed(task, cause, error=True, infrastructure=True, storage=True)
    if isinstance(exc, DBAPIError):  # the database, not the file
        return Crashed(task, cause, error=True, infrastructure=True)
    if isinstance(exc, WenshuError):  # settings, rules file, a missing program: not the file's fault
        return Crashed(task, exc.message + (f" ({exc.fix})" if exc.fix else ""), error=True,
                       infrastructure=True)
    # a bug, or an error outside extraction: the watcher decides
    return Crashed(task, "".join(traceback.format_exception_only(exc)).strip()
                   + "\n" + "".join(traceback.format_exception(exc, limit=-3)), error=True)


def _exit_quickly() -> None:
    # Nothing left to flush but the standard streams: skip tearing down the libraries' modules,
    # which takes longer than the whole rest of the shutdown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class WorkersFailed(WenshuError):
    """Worker processes die as they start: nothing could be processed."""

    exit_code = Exit.WORKERS_FAILED


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False  # has imported its libraries and waits for tasks
    task: Task | None = None
    started: float = 0.0
    done: int = 0


class WorkerPool:
    def __init__(self, size: int, setup: WorkerSetup, *, tasks_per_worker: int = 200,
                 file_timeout: float = 0):
        self.size = size
        self.setup = setup
        self.tasks_per_worker = tasks_per_worker
        self.file_timeout = file_timeout
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._failed_starts = 0  # workers in a row that died before they were ready

    # -- state ---------------------------------------------------------------------------------
    @property
    def busy(self) -> int:
        return sum(1 for worker in self._workers if worker.task is not None)

    @property
    def idle(self) -> int:
        """Workers ready for a task now."""
        return sum(1 for worker in self._workers if worker.ready and worker.task is None)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers now (they take a moment to import their libraries)."""
        while len(self._workers) < self.size:
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child_end, self.setup, os.getpid()),
                                        name="wenshu-worker", daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def close(self) -> None:
        """Stop every idle worker (busy ones must have been waited for; they are killed)."""
        for worker in self._workers:
            try:
                if worker.ready and worker.task is None:
                    worker.conn.send(None)
                else:
                    worker.process.kill()
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()

    # -- work ----------------------------------------------------------------------------------
    def submit(self, task: Task) -> None:
        worker = next(w for w in self._workers if w.ready and w.task is None)
        worker.task, worker.started = task, time.monotonic()
        try:
            worker.conn.send(task)
        except OSError:
            pass  # it died while idle: wait() reports the task as crashed, and it is retried

    def wait(self, timeout: float) -> list[Finished | Crashed]:
        """Results (and deaths) of busy workers, waiting at most ``timeout`` seconds for one.
        Also notices workers becoming ready, and workers dying before they are."""
        watched = [worker for worker in self._workers if worker.task is not None or not worker.ready]
        if not watched:
            time.sleep(timeout)
            return []
        ready = set(wait([w.conn for w in watched] + [w.process.sentinel for w in watched], timeout))
        events: list[Finished | Crashed] = []
        for worker in watched:
            if not worker.ready:
                if worker.conn in ready or worker.process.sentinel in ready:
                    self._starting(worker)
                continue
            if worker.conn in ready or worker.process.sentinel in ready:
                events.append(self._collect(worker))
            elif self.file_timeout and time.monotonic() - worker.started > self.file_timeout:
                task = worker.task
                self._replace(worker, kill=True)
                events.append(Crashed(task, f"no result after {self.file_timeout:.0f} s: worker killed",
                                      timed_out=True))
        return events

    def _starting(self, worker: _Worker) -> None:
        """A starting worker said it is ready, or failed, or died."""
        message: object = None
        try:
            if worker.conn.poll():
                message = worker.conn.recv()
        except (EOFError, OSError):
            pass
        if isinstance(message, tuple) and message[0] == "ready":
            worker.ready = True
            self._failed_starts = 0
            return
        self._failed_starts += 1
        cause = message[1] if isinstance(message, tuple) else f"exit code {worker.process.exitcode}"
        self._replace(worker, kill=True)
        if self._failed_starts >= 3:
            raise WorkersFailed(f"处理进程无法启动：{cause}",
                                fix="Check the installation (scripts/setup.sh); if it says MemoryError, "
                                    "raise [watch] worker_memory_mb.", cause=cause)

    def _collect(self, worker: _Worker) -> Finished | Crashed:
        task = worker.task
        try:
            if worker.conn.poll():
                reply = worker.conn.recv()
                worker.task, worker.done = None, worker.done + 1
                if self.tasks_per_worker and worker.done >= self.tasks_per_worker:
                    self._replace(worker, kill=False)
                return reply
        except (EOFError, OSError):
            pass
        worker.process.join(5)
        code = worker.process.exitcode
        self._replace(worker, kill=True)
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            cause = f"worker process killed by {name}" + (
                " (out of memory?)" if name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS") else "")
        else:
            cause = f"worker process exited with code {code}"
        return Crashed(task, cause)

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        """Retire a worker (recycled, dead or hung); a fresh one is started in its place."""
        try:
            if kill:
                worker.process.kill()
            else:
                worker.conn.send(None)
        except OSError:
            pass
        worker.process.join(5 if not kill else None)
        worker.conn.close()
        index = self._workers.index(worker)
        self._workers[index] = self._spawn()
