"""`make bench`: run every tests/bench/bench_*.py in turn; each prints its own figures.

A script listed in ARGS runs with those options instead of its defaults: bench_load on SQLite
with 2,000 documents for 30 s (50 clients, 4 workers; about a minute in all, where its
defaults, 10,000 documents for 60 s, take about three)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ARGS = {"bench_load.py": ["--docs", "2000", "--seconds", "30"]}


def main() -> int:
    failures = 0
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        failures += subprocess.run([sys.executable, str(script), *ARGS.get(script.name, [])]).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
