"""A real small disk for the disk-full tests: a tmpfs mounted for the test (we run as root in
CI); the tests skip cleanly where mounting is not permitted. No file system is mocked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path):
    """small_disk(size_kb) -> the data directory, on a fresh tmpfs of that size."""
    mounted: list[Path] = []

    def make(size_kb: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a small tmpfs needs root")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(point)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
        mounted.append(point)
        return point / "data"

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(folder: Path, *, keep: int) -> Path:
    """Fill the disk holding ``folder`` until ``keep`` bytes are free; returns the filler file."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with filler.open("wb") as handle:
        left = max(0, free - keep)
        block = b"\0" * (1 << 16)
        while left > 0:
            written = handle.write(block[:min(len(block), left)])
            left -= written
    return filler
