"""Zip containers (docx, OFD) are opened only after their declared sizes are checked: a few
kilobytes can declare gigabytes (a zip bomb), and python-docx would inflate every part."""

from __future__ import annotations

import zipfile
from pathlib import Path

from extractors.errors import Corrupt, TooLarge

MAX_MEMBERS = 20_000


def check_zip(path: Path, settings, label: str) -> None:
    """Raise TooLarge or Corrupt before anything inflates the archive."""
    limit = settings.limits.max_unzipped_mb * 1024 * 1024
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Corrupt(f"{label}已损坏，无法打开（文件可能不完整或不是真正的 {label}）。"
                      "请向来文单位重新索取文件。",
                      cause=f"{path.name}: not a readable zip archive: {exc}") from exc
    total = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or total > limit:
        raise TooLarge(f"{label}解压后过大（约 {total / 1048576:.0f} MB，上限 "
                       f"{settings.limits.max_unzipped_mb} MB），可能是异常文件，已拒绝处理。"
                       "如确属正常公文，请管理员调高 limits.max_unzipped_mb。",
                       cause=f"{path.name}: {len(members)} members declaring {total} bytes uncompressed "
                             f"(limit {limit})",
                       fix="Raise [limits] max_unzipped_mb if the file is legitimate.")
