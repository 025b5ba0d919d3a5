"""`wenshu ingest` extracts in a child process capped like the watcher's workers.

The watcher's workers run each file with their address space capped (``watch.worker_memory_mb``)
and are replaced when a file kills them. `ingest` used to extract in its own process, uncapped:
a decompression bomb the extractors did not catch could take the machine's memory, and a native
library crashing on a malformed file took the whole batch down with it. Here extraction runs in
one child process under the same cap (``limits.cap_address_space``), started once per `ingest`
and replaced if a file kills it; a file that does is quarantined with that reason, and the batch
carries on. The child dies with its parent (``PR_SET_PDEATHSIG``).

Understanding, registration and indexing stay in the parent: they work on the extracted text,
which ``limits.max_text_chars`` bounds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from multiprocessing.connection import Connection, wait
from pathlib import Path

from core.settings import Settings
from extractors.errors import Corrupt, ExtractionError, TooLarge
from extractors.model import Extracted


def _child_main(conn: Connection, settings: Settings, memory_mb: int, parent: int) -> None:
    from pipeline.limits import cap_address_space, die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with_parent(parent)
    cap_address_space(memory_mb)
    from extractors import extract

    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            break
        if path is None:
            break
        try:
            reply = ("ok", extract(Path(path), settings))
        except ExtractionError as error:
            reply = ("error", error)
        except MemoryError:
            reply = ("memory",)
        except Exception as error:  # noqa: BLE001 (a library choking on malformed input)
            reply = ("failed", "".join(traceback.format_exception_only(error)).strip())
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    from extractors.scan import shutdown_pool

    shutdown_pool()  # a multi-page scan's OCR pool: os._exit skips the atexit that would stop it
    os._exit(0)


class IsolatedExtractor:
    """``extract(path, settings)`` in a capped child process; a callable for ``Context.extract``.
    Use as a context manager: the child is started on first use and stopped at the end."""

    def __init__(self, settings: Settings, *, memory_mb: int, timeout: float):
        self.settings, self.memory_mb, self.timeout = settings, memory_mb, timeout
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> "IsolatedExtractor":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self) -> None:
        """Start the child now (it takes a moment to import the extractors)."""
        if self._process is not None and self._process.is_alive():
            return
        parent_end, child_end = self._context.Pipe()
        # Not a daemon: a multi-page scan is recognised by a pool of the child's own processes.
        self._process = self._context.Process(target=_child_main, name="wenshu-extract",
                                              args=(child_end, self.settings, self.memory_mb, os.getpid()))
        self._process.start()
        child_end.close()
        self._conn = parent_end

    def __call__(self, path: Path, settings: Settings) -> Extracted:
        self.start()
        try:
            self._conn.send(os.fsdecode(path))
        except OSError:
            pass  # it died while idle: reported below as a death
        ready = wait([self._conn, self._process.sentinel], self.timeout or None)
        if self._conn in ready:
            try:
                reply = self._conn.recv()
            except (EOFError, OSError):
                reply = None
            if reply is not None:
                return _result(reply, path, self.memory_mb)
        timed_out = not ready
        cause = self._stop(kill=True)
        if timed_out:
            raise TooLarge("文件处理超时，可能页数过多或内容异常。请拆分后重新投递，或联系管理员。",
                           cause=f"{path.name}: no result after {self.timeout:.0f} s (watch.file_timeout): killed")
        raise Corrupt("处理该文件时处理进程异常退出（文件可能已损坏，或解压、解码后超出内存上限）。"
                      "请向来文单位重新索取，或联系管理员。",
                      cause=f"{path.name}: the extraction process {cause} "
                            f"(address space capped at {self.memory_mb} MB: watch.worker_memory_mb)")

    def _stop(self, *, kill: bool) -> str:
        """Stop the child; how it ended, for the log."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None:
            return "was not running"
        try:
            if kill:
                process.kill()
            else:
                conn.send(None)
        except OSError:
            pass
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()
        code = process.exitcode
        if code is not None and code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def close(self) -> None:
        if self._process is not None:
            self._stop(kill=False)


def _result(reply: tuple, path: Path, memory_mb: int) -> Extracted:
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "error":
        raise reply[1]
    if reply[0] == "memory":
        raise TooLarge(f"文件解码后超出内存上限（{memory_mb} MB），已拒绝处理。如确属正常公文，请拆分后投递，"
                       "或请管理员调高 watch.worker_memory_mb。",
                       cause=f"{path.name}: MemoryError under an address space of {memory_mb} MB")
    raise RuntimeError(reply[1])  # the recipe makes this a corrupt file, with the cause
