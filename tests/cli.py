"""Running the real `wenshu` command in a subprocess, as a clerk or a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

WENSHU = Path(sys.executable).with_name("wenshu")
# The samples' office (东湖大学化学化工学院) prints 化学院 in its 发文字号; defaults carry no 代字.
SAMPLE_OFFICE_ENV = {"WENSHU_OFFICE_CODE": "化学院"}


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None, check_code: int | None = 0,
        timeout: float = 300, preexec_fn: Callable[[], None] | None = None,
        input_text: str | None = None) -> subprocess.CompletedProcess:
    """``preexec_fn`` runs in the child before wenshu starts (an address-space cap, say);
    ``input_text`` is written to its standard input."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WENSHU_")}
    environment.update({**SAMPLE_OFFICE_ENV, **(env or {})})
    result = subprocess.run([str(WENSHU), "--data", str(data_dir), *args], capture_output=True,
                            text=True, env=environment, timeout=timeout, preexec_fn=preexec_fn,
                            input=input_text)
    if check_code is not None:
        assert result.returncode == check_code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def run_json(data_dir: Path, *args: str, **kwargs: Any) -> Any:
    return json.loads(run(data_dir, *args, "--json", **kwargs).stdout)
