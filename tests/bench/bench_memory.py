"""Memory benchmark: the peak memory of `wenshu ingest` for each kind of big (or hostile) input.

Issue 14 wants any accepted file registered in under 1 GB, and the inputs that used to take
gigabytes refused cheaply: a 200 MB text file (7.2 GB before), a docx whose zip headers lie
(2.2 GB), an OFD listing 100,000 pages (2.9 GB). Each input is made at run time in a temporary
folder (tests/hostile/make_hostile.py, tests/watch/helpers.py), ingested by the real command into
a fresh data directory, and measured two ways: the largest single process (getrusage's
ru_maxrss over the command and its extraction child), and the whole process tree's proportional
set size (shared library pages counted once) sampled every 20 ms.

Run: ``.venv/bin/python tests/bench/bench_memory.py [--only NAME ...] [--text-mb N]
[--code DIR]``; ``--code`` runs another checkout of wenshu (a ``git worktree`` of an older
commit, say) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.cli import acting_user  # noqa: E402
from tests.hostile import make_hostile as h  # noqa: E402
from tests.watch.helpers import SAMPLE_OFFICE_ENV, WENSHU, pdf_bytes, tree_pids  # noqa: E402

GOAL_MB = 1024

# The wrapper runs wenshu and reports the largest RSS of any process it waited for (wenshu, and
# through it the extraction child), in KB as Linux gives it.
_WRAPPER = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).returncode\n"
            "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def _text(path: Path, megabytes: int) -> None:
    line = ("各学院：现将期末考试有关事项通知如下，请认真组织落实，确保考试工作平稳有序。" * 3 + "\n").encode()
    with path.open("wb") as handle:
        handle.write("东湖大学教务处\n关于期末考试安排的通知\n".encode())
        block = line * (1048576 // len(line))
        for _ in range(megabytes):
            handle.write(block)


def inputs(text_mb: int) -> dict[str, tuple[str, object]]:
    """name -> (what it is, how to write it)."""
    return {
        "text": (f"text file of {text_mb} MB (max_file_mb 200)", lambda p: _text(p, text_mb)),
        "docx-bomb-lying": ("docx whose document.xml declares 1 KB and inflates to 2 GB",
                            lambda p: p.write_bytes(h.docx(h.bomb_member("word/document.xml", 2048, lie=True,
                                                                         prefix=h.document_xml().encode())))),
        "docx-bomb-honest": ("docx declaring 400 MB (max_unzipped_mb 300)",
                             lambda p: p.write_bytes(h.docx(h.bomb_member("word/document.xml", 400, lie=False)))),
        "docx-xml-60mb": ("docx of 60 MB of XML (max_xml_mb 64): the largest accepted",
                          lambda p: p.write_bytes(h.big_docx(60))),
        "ofd-100000-pages": ("OFD listing 100,000 pages (max_pages 2000)",
                             lambda p: p.write_bytes(h.ofd(pages=100_000))),
        "ofd-2000-pages": ("OFD of 2,000 pages: the most accepted", lambda p: p.write_bytes(h.ofd(pages=2000))),
        "pdf-200-pages": ("PDF of 200 text pages", lambda p: p.write_bytes(pdf_bytes(7, pages=200))),
        "scan": ("a 300 dpi scan, OCR'd (RapidOCR)",
                 lambda p: p.write_bytes((REPO / "samples" / "scan_clean_300dpi.png").read_bytes())),
    }


_SUFFIX = {"text": ".txt", "scan": ".png"}


def _pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the libraries every process maps) counted once in
    all, unlike RSS, so that the processes' figures add up to the memory they take."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(name: str, make, workdir: Path, code: Path | None) -> dict:  # noqa: ANN001
    suffix = _SUFFIX.get(name, "." + name.split("-")[0])
    path = workdir / f"{name}{suffix}"
    make(path)
    data = workdir / f"data-{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENSHU_")} | SAMPLE_OFFICE_ENV
    if code is not None:
        env["PYTHONPATH"] = str(code)
    else:  # this checkout: ingest acts as the tests' clerk, her account made here, outside the measure
        env |= acting_user(data, ["ingest"], env)
    command = [sys.executable, "-c", _WRAPPER, str(WENSHU), "--data", str(data), "ingest", "--json", str(path)]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    tree_peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            tree_peak[0] = max(tree_peak[0], sum(_pss_mb(pid) for pid in tree_pids(process.pid)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    seconds = time.monotonic() - started
    exit_code, maxrss_kb = out.split()
    outcome = "?"
    try:
        result = subprocess.run([str(WENSHU), "--data", str(data), "log", "--json"], capture_output=True, text=True,
                                env=env, check=False)
        outcome = "registered" if json.loads(result.stdout or "[]") else "refused"
    except ValueError:
        pass
    kind = ""
    reasons = list((data / "quarantine").rglob("*.reason.txt")) if (data / "quarantine").is_dir() else []
    if reasons:
        text = reasons[0].read_text(encoding="utf-8")
        kind = text.split("技术信息（", 1)[1].split("）", 1)[0] if "技术信息（" in text else ""
        outcome = f"quarantined {kind}".strip()
    path.unlink()
    return {"name": name, "size_mb": 0.0, "exit": int(exit_code), "outcome": outcome, "seconds": seconds,
            "largest_mb": int(maxrss_kb) / 1024, "tree_mb": tree_peak[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="run only these inputs (repeatable)")
    parser.add_argument("--text-mb", type=int, default=199, help="size of the big text file (default 199)")
    parser.add_argument("--code", type=Path, help="another wenshu checkout to measure (PYTHONPATH)")
    args = parser.parse_args()
    chosen = {name: spec for name, spec in inputs(args.text_mb).items() if not args.only or name in args.only}
    print(f"peak memory of `wenshu ingest` per input ({args.code or REPO}); goal: accepted files under "
          f"{GOAL_MB} MB", flush=True)
    print(f"  {'input':18} {'outcome':24} {'exit':>4} {'time':>7} {'largest process':>16} {'all (PSS)':>14}")
    over = []
    with tempfile.TemporaryDirectory(prefix="wenshu-bench-memory-") as tmp:
        for name, (what, make) in chosen.items():
            row = measure(name, make, Path(tmp), args.code)
            print(f"  {name:18} {row['outcome']:24} {row['exit']:>4} {row['seconds']:6.1f}s "
                  f"{row['largest_mb']:13.0f} MB {row['tree_mb']:11.0f} MB   {what}", flush=True)
            if row["outcome"] == "registered" and row["largest_mb"] > GOAL_MB:
                over.append(name)
    if over:
        print(f"  over the goal: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
