"""Benchmark of pipeline.understand: per-field accuracy on the labelled set and CPU time per
document (``time.process_time``, mean and p95), rules loaded once beforehand.

    python tests/bench/bench_understand.py              # 20 passes over the labelled set
    python tests/bench/bench_understand.py --passes 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipeline.understand import load_rules, understand  # noqa: E402
from pipeline.understand.rules import _load  # noqa: E402
from tests.understand.report import evaluate, labelled, settings, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=20, help="passes over the labelled set")
    args = parser.parse_args(argv)

    conf = settings()
    _load.cache_clear()
    started = time.process_time()
    rules = load_rules(conf)
    load_ms = 1000 * (time.process_time() - started)

    docs = labelled()
    per_doc: list[float] = []
    by_source: dict[str, list[float]] = {}
    for _ in range(args.passes):
        for _doc_id, text, label in docs:
            started = time.process_time()
            understand(text, conf, rules)
            spent = 1000 * (time.process_time() - started)
            per_doc.append(spent)
            by_source.setdefault(label["source"], []).append(spent)

    print(f"labelled set: {len(docs)} documents "
          f"({sum(l['source'] == 'ocr' for _, _, l in docs)} OCR'd), {args.passes} passes")
    print(table(evaluate()))
    print()
    print(f"rules load (parse + compile, once): {load_ms:.1f} ms CPU")
    per_doc.sort()
    print(f"understand, CPU per document: mean {statistics.mean(per_doc):.2f} ms, "
          f"p95 {per_doc[int(0.95 * (len(per_doc) - 1))]:.2f} ms, max {per_doc[-1]:.2f} ms")
    for source, values in sorted(by_source.items()):
        values.sort()
        print(f"  {source:<13} mean {statistics.mean(values):.2f} ms, p95 {values[int(0.95 * (len(values) - 1))]:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
