"""`wenshu ingest PATH...`: the paths expanded, each file through the recipe, what could not be
taken said, and a full disk stopping the batch cleanly.

* Folders are walked without following symbolic links (``scanning.walk``); a link, a FIFO or
  device, an unreadable file or folder and a path too long are ``skipped`` outcomes with a
  Chinese reason, never silently passed over, never opened. A link named on the command line is
  skipped too.
* Files are extracted in a child process capped like the watcher's workers
  (``isolation.IsolatedExtractor``): a file that kills it is quarantined and the batch goes on.
* Before each file the free space is checked (``limits.min_free_mb``); a full disk met half-way
  (the store copy, the database) undoes that file's writes and stops the batch: what was done is
  still reported and indexed, and the command exits 20.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InvalidValue, StorageFull
from core.vocab import Status
from pipeline import scanning
from pipeline.files import ChangedWhileRead, NotRegular, readable_name
from pipeline.ingest import Context, Outcome, ingest_file
from pipeline.isolation import IsolatedExtractor
from pipeline.storage import check_free_space, disk_full_error


@dataclass
class Batch:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: StorageFull | None = None  # the disk filled up: the files after it were not tried

    @property
    def registered(self) -> list[str]:
        return [outcome.reg_no for outcome in self.outcomes if outcome.status == Status.REGISTERED]


def skipped(item: scanning.Skipped) -> Outcome:
    return Outcome(path=item.shown, status=Status.SKIPPED, reason=item.reason, kind=item.kind)


def expand(paths: Iterable[Path]) -> list[Path | scanning.Skipped]:
    """The files named, and the files in the folders named (dot files left out), in order;
    with what cannot be taken in its place. A path that does not exist is a usage error."""
    found: list[Path | scanning.Skipped] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            items = list(scanning.walk(path, ignored_file=_dot, ignored_folder=_dot))
            found.extend(sorted(items, key=lambda item: str(item.path if isinstance(item, scanning.Skipped)
                                                            else item)))
        elif path.is_symlink() or path.exists():
            found.append(scanning.check(path) or path)
        else:
            raise InvalidValue(f"找不到文件：{readable_name(str(path))}", fix="Check the path.")
    return found


def _dot(name: str) -> bool:
    return name.startswith(".")


def ingest_paths(paths: Iterable[Path], ctx: Context, *, direction: str, series: str | None) -> Batch:
    batch = Batch()
    items = expand(paths)
    settings = ctx.settings
    with IsolatedExtractor(settings, memory_mb=settings.watch.worker_memory_mb,
                           timeout=settings.watch.file_timeout) as extractor:
        if any(isinstance(item, Path) for item in items):
            extractor.start()  # imports while the first file is hashed
        ctx = dataclasses.replace(ctx, extract=extractor)
        for item in items:
            if isinstance(item, scanning.Skipped):
                batch.outcomes.append(skipped(item))
                continue
            try:
                check_free_space(settings)
                batch.outcomes.append(ingest_file(item, ctx, direction=direction, series=series))
            except (NotRegular, PermissionError, ChangedWhileRead) as error:
                # replaced by a link, made unreadable or rewritten while it was processed
                why = scanning.check(item) or (scanning.Skipped(item, "changed")
                                               if isinstance(error, ChangedWhileRead) else None)
                if why is None:
                    raise  # the file is fine: the data directory is not (its permissions)
                batch.outcomes.append(skipped(why))
            except Exception as error:
                batch.stopped = disk_full_error(settings, error)
                if batch.stopped is None:
                    raise
                break
    return batch
