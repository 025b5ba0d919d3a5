"""Make the OCR'd entries of the third fresh batch (issue 13, a third unseen measure).

The same typesetting and scanner as the first fresh batch (``tests/understand/fresh/make_fresh.py``,
imported, not copied): each entry of this folder's ``labels.json`` with ``"source": "ocr"`` is
typeset from its written text (``written/NNN.txt``, or the born-digital ``derived_from`` text) as a
GB/T 9704-like A4 page at 300 dpi, scanned lightly (seeded by the document's number plus 3000, so
the scans differ from the first two batches'), and read back by ``extractors.extract``. Only the
layout table is this batch's own.

    .venv/bin/python -m tests.understand.fresh3.make_fresh3                 # all OCR'd entries
    .venv/bin/python -m tests.understand.fresh3.make_fresh3 --only 024 --pages /tmp/pages
    .venv/bin/python -m tests.understand.fresh3.make_fresh3 --render-only --pages /tmp/pages

Labels are never touched here: they are what the written document says.
"""

from __future__ import annotations

from pathlib import Path

from tests.understand.fresh.make_fresh import make_batch

HERE = Path(__file__).resolve().parent
SEED_OFFSET = 3000

LAYOUT: dict[str, dict] = {
    "022": {"kind": "gongwen", "seal": "西岭省科学技术厅"},
    "023": {"kind": "letter", "seal": "东湖财经大学教务处"},
    "024": {"kind": "gongwen", "seal": "东湖大学科学技术处"},
    "025": {"kind": "gongwen", "seal": "东湖大学资产与实验室管理处"},
    "026": {"kind": "gongwen", "seal": "东湖市科学技术局"},
    "027": {"kind": "plain", "seal": None},
    "028": {"kind": "plain", "seal": None},
    "029": {"kind": "form", "seal": None},
    "030": {"kind": "form", "seal": None},
    "031": {"kind": "plain", "seal": None},
    "032": {"kind": "gongwen", "seal": "东湖大学化学化工学院"},
    "033": {"kind": "gongwen", "seal": "东湖大学"},
    "034": {"kind": "letter", "seal": "东湖市公安局"},
    "035": {"kind": "gongwen", "seal": "东湖大学保密委员会"},
    "036": {"kind": "gongwen", "seal": "东湖大学"},
    "037": {"kind": "plain", "seal": None},
    "038": {"kind": "gongwen", "seal": "东湖大学"},
    "039": {"kind": "plain", "seal": "东湖大学国际合作与交流处"},
    "040": {"kind": "letter", "seal": None},
    "041": {"kind": "gongwen", "seal": "东湖大学化学化工学院"},
}


def main(argv: list[str] | None = None) -> int:
    return make_batch(HERE, LAYOUT, seed_offset=SEED_OFFSET, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())
