"""Make the OCR'd entries of the second fresh batch (issue 13's acceptance, after the rules changed).

The same typesetting and scanner as the first fresh batch (``tests/understand/fresh/make_fresh.py``,
imported, not copied): each entry of this folder's ``labels.json`` with ``"source": "ocr"`` is
typeset from its written text (``written/NNN.txt``, or the born-digital ``derived_from`` text) as a
GB/T 9704-like A4 page at 300 dpi, scanned lightly (seeded by the document's number plus 2000, so
the scans differ from the first batch's), and read back by ``extractors.extract``. Only the layout
table is this batch's own.

    .venv/bin/python -m tests.understand.fresh2.make_fresh2                 # all OCR'd entries
    .venv/bin/python -m tests.understand.fresh2.make_fresh2 --only 019 --pages /tmp/pages

Labels are never touched here: they are what the written document says.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from tests.understand.fresh.make_fresh import scan, typeset

HERE = Path(__file__).resolve().parent
SEED_OFFSET = 2000

LAYOUT: dict[str, dict] = {
    "019": {"kind": "gongwen", "seal": "东湖省科学技术厅"},
    "020": {"kind": "gongwen", "seal": "东湖大学"},
    "021": {"kind": "letter", "seal": "东湖市生态环境局"},
    "022": {"kind": "plain", "seal": None},
    "023": {"kind": "plain", "seal": None},
    "024": {"kind": "form", "seal": None},
    "025": {"kind": "plain", "seal": None},
    "026": {"kind": "gongwen", "seal": "东湖市科学技术协会"},
    "027": {"kind": "gongwen", "seal": "东湖大学研究生院"},
    "028": {"kind": "letter", "seal": "东湖大学化学化工学院"},
    "029": {"kind": "gongwen", "seal": None},
    "030": {"kind": "letter", "seal": "东湖工业大学研究生院"},
    "031": {"kind": "gongwen", "seal": "东湖大学人事处"},
    "032": {"kind": "gongwen", "seal": "东湖省教育厅"},
    "033": {"kind": "gongwen", "seal": "东湖大学化学化工学院"},
}


def written_text(label: dict) -> str:
    source = HERE / label["written"] if "written" in label else HERE / f"{label['derived_from']}.txt"
    return source.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="only these entries")
    parser.add_argument("--pages", type=Path, help="also keep the page images in this folder")
    parser.add_argument("--render-only", action="store_true", help="render the pages, do not OCR")
    args = parser.parse_args(argv)

    labels = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))
    todo = [k for k, v in sorted(labels.items()) if v["source"] == "ocr" and (not args.only or k in args.only)]
    missing = [k for k in todo if k not in LAYOUT]
    if missing:
        raise SystemExit(f"no layout for {missing}")

    from core.settings import Settings
    from extractors import Empty, extract

    conf = Settings(data_dir=HERE / "no-such-data-dir", workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.pages or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for doc_id in todo:
            layout = LAYOUT[doc_id]
            rng = random.Random(SEED_OFFSET + int(doc_id))
            pages = typeset(written_text(labels[doc_id]), layout["kind"], layout["seal"], rng)
            texts = []
            for n, page in enumerate(pages, 1):
                png = folder / f"{doc_id}-{n}.png"
                for attempt in range(1, 4):
                    scan(page, rng, colour=layout["seal"] is not None).save(png, dpi=(300, 300))
                    if args.render_only:
                        break
                    try:
                        result = extract(png, conf)
                    except Empty as e:
                        # what the scanner operator is told to do: scan the page again
                        print(f"{doc_id} page {n} scan {attempt}: nothing read ({getattr(e, 'cause', e)}); "
                              "scanning again", flush=True)
                        continue
                    for warning in result.warnings:
                        print(f"{doc_id} page {n} scan {attempt}: {warning}", flush=True)
                    texts.append(result.text)
                    break
                else:
                    raise SystemExit(f"{doc_id} page {n}: nothing read in three scans")
            if not args.render_only:
                (HERE / f"{doc_id}.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
            print(doc_id, layout["kind"], len(pages), "page(s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
