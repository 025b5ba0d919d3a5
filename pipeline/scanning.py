"""Finding the files to take in a folder tree, and saying what cannot be taken and why.

Used by `wenshu ingest DIR`, by the watcher's scans and by `wenshu status`. Symbolic links are
never followed, to files or to folders; FIFOs, sockets and devices are never opened (reading a
FIFO blocks for ever); a folder that cannot be listed and a path longer than the system allows
(``PATH_MAX``) are not silently passed over. Each of these is a ``Skipped`` with a reason for the
clerk: the files stay where they are, and the command's output, its exit code (21) and
`wenshu status` say so.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.files import NotRegular, open_regular, readable_name

PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096

REASONS = {
    "symlink": "这是符号链接（快捷方式），系统不会跟随链接读取，未处理。请放入文件本身。",
    "not_a_file": "这不是普通文件（管道、设备或套接字），未处理。",
    "unreadable": "文件无法读取（权限不足，或被其他程序独占），未处理。请检查文件权限后重新放入。",
    "unreadable_folder": "文件夹无法读取（权限不足），其中的文件未处理。请检查文件夹权限。",
    "changed": "文件在处理过程中被改动或替换，未登记。请在文件写完后重新投递。",
    "path_too_long": f"路径过长（超过 {PATH_MAX} 字节），无法处理。请缩短文件夹层级或名称后重新放入。",
}


@dataclass(frozen=True)
class Skipped:
    """A path that is not taken: a kind (``REASONS``), and the reason for the clerk."""

    path: Path
    kind: str

    @property
    def reason(self) -> str:
        return REASONS[self.kind]

    @property
    def shown(self) -> str:
        """The path as text that can be printed and stored (``files.readable_name``)."""
        return readable_name(str(self.path))


def _too_long(path: str | Path) -> bool:
    return len(os.fsencode(path)) >= PATH_MAX


def walk(root: Path, *, ignored_file: Callable[[str], bool] = lambda name: False,
         ignored_folder: Callable[[str], bool] = lambda name: False) -> Iterator[Path | Skipped]:
    """Every regular file under ``root`` (a Path), and every entry that cannot be taken (a
    Skipped), depth first. Ignored names (temporary and system files) are passed over silently."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone meanwhile
        except OSError as error:
            yield Skipped(folder, "path_too_long" if error.errno == errno.ENAMETOOLONG or _too_long(folder)
                          else "unreadable_folder")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:
                continue
            except OSError as error:
                yield Skipped(path, "path_too_long" if error.errno == errno.ENAMETOOLONG else "unreadable")
                continue
            if stat.S_ISDIR(mode):
                if not ignored_folder(entry.name):
                    stack.append(path)
            elif ignored_file(entry.name):
                continue
            elif _too_long(path):
                yield Skipped(path, "path_too_long")
            elif stat.S_ISLNK(mode):
                yield Skipped(path, "symlink")
            elif stat.S_ISREG(mode):
                yield path
            else:
                yield Skipped(path, "not_a_file")


def check(path: Path) -> Skipped | None:
    """Why a path named on the command line cannot be taken, or None: it is a regular file that
    opens."""
    if _too_long(path):
        return Skipped(path, "path_too_long")
    try:
        info = os.lstat(path)
    except OSError as error:
        return Skipped(path, "path_too_long" if error.errno == errno.ENAMETOOLONG else "unreadable")
    if stat.S_ISLNK(info.st_mode):
        return Skipped(path, "symlink")
    if not stat.S_ISREG(info.st_mode):
        return Skipped(path, "not_a_file")
    return None if opens(path) else Skipped(path, "unreadable")


def opens(path: Path) -> bool:
    """Can we read it (not a link, not a FIFO)? A file may be 0000, or held by a writer."""
    try:
        open_regular(path).close()
    except NotRegular:
        return False
    except OSError:
        return False
    return True
