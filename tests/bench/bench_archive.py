"""Benchmark of 归档 for a year of 10,000 件: the plan, filing, the 归档文件目录 and 备考表, the
package and its verification.

    python tests/bench/bench_archive.py               # 10,000 documents
    python tests/bench/bench_archive.py --docs 2000   # quick mode

The documents are bench_search's synthetic college-office 公文, each with a small original in the
store (a text file, so the usability check extracts it), registered through the registry's own
``register`` as 阅件 with no warnings (nothing blocks the year). Beside the package export and its
verification, the raw library does the same work on the same payload in the same run:
``bagit.make_bag`` over a copy of the payload wenshu wrote, and ``Bag.validate``; the ratio says
what wenshu's metadata, registry reads and checks cost on top.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_search import Generator  # noqa: E402

YEAR = 2026
RETENTIONS = ("永久", "30年", "10年")


def build(data_dir: Path, size: int):  # noqa: ANN201
    from sqlalchemy import event

    from core.settings import load_settings
    from registry.db import open_registry
    from registry.records import Intake, register

    settings = load_settings(data_dir=data_dir, env={"WENSHU_OFFICE_CODE": "化学院"})
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_registry(settings)
    engine.dispose()  # building only: no fsync per registration
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    generator = Generator()
    started = time.perf_counter()
    for i in range(size):
        r = generator.record(i)
        body = f"{r['title']}\n{r['text'][:300]}\n".encode()
        sha = hashlib.sha256(body).hexdigest()
        stored = settings.store_dir / sha[:2] / f"{sha}.txt"
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(body)
        department = ("综合行政", "教学", "科研", "人事")[i % 4]
        intake = Intake(
            direction="收文", file_name=f"{i:05d}.txt", sha256=sha,
            stored_path=str(stored.relative_to(settings.data_dir)), format="txt", pages=1 + i % 5,
            text_method="txt", text=body.decode(),
            fields={"doc_type": r["doc_type"], "doc_number": re.sub(r"〕\d+号$", f"〕{i + 1}号", r["doc_number"]),
                    "issuer": r["issuer"], "title": r["title"], "date": date(YEAR, 1 + i % 12, 1 + i % 28),
                    "route": "阅件", "department": department, "retention": RETENTIONS[i % 3]},
            details={"department_code": ("BGS", "JXK", "KYK", "RSK")[i % 4], "retention_rule": "基准测试"})
        register(engine, settings, intake, "clerk",
                 now=datetime(YEAR, 1 + i % 12, 1 + i % 28, 9, tzinfo=settings.zone).astimezone(timezone.utc))
    print(f"registered {size:,} in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()
    return settings


def timed(label: str, call):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    print(f"{label:<46} {elapsed:8.2f} s", flush=True)
    return result, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    args = parser.parse_args()

    import bagit

    from pipeline import archive_catalogue, archive_export, archiving
    from pipeline.archive_verify import verify_package
    from registry import archive_file, archive_plan
    from registry.db import open_registry

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = build(root / "data", args.docs)
        engine = open_registry(settings)
        plan, _ = timed("archive plan (read, order, blockers)", lambda: archiving.plan(engine, settings, YEAR))
        assert plan.ready and plan.to_file == args.docs, (plan.to_file, plan.blockers[:3])
        timed("archive file (件号, 档号, one event each)",
              lambda: archive_file.file_year(engine, settings, YEAR, "clerk"))
        categories = archive_plan.filed(engine, settings, YEAR)
        timed("归档文件目录 XLSX", lambda: archive_catalogue.write_catalogue_xlsx(categories, settings, root / "目录.xlsx"))
        timed("归档文件目录 DOCX", lambda: archive_catalogue.write_catalogue_docx(categories, settings, root / "目录.docx"))
        timed("备考表 DOCX", lambda: archive_catalogue.write_box_notes_docx(
            categories, settings, root / "备考表.docx", engine=engine, organizer="clerk", checker=None,
            day=date(YEAR + 1, 1, 10)))
        package = root / "package"
        _, export_s = timed("archive export (payload, metadata, bag)", lambda: archive_export.export_year(
            engine, settings, YEAR, package, actor="clerk"))
        raw = root / "raw"
        shutil.copytree(package / "data", raw)
        _, raw_bag_s = timed("  raw: bagit.make_bag over the same payload",
                             lambda: bagit.make_bag(str(raw), checksums=["sha256"]))
        result, verify_s = timed("archive verify (四性, against the registry)",
                                 lambda: verify_package(package, settings, engine))
        assert not result.problems, result.problems[:3]
        _, raw_validate_s = timed("  raw: bagit Bag.validate", lambda: bagit.Bag(str(raw)).validate(processes=1))
        print(f"export / raw make_bag: {export_s / raw_bag_s:.1f}×; verify / raw validate: "
              f"{verify_s / raw_validate_s:.1f}×")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
