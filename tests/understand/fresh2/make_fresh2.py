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

from pathlib import Path

from tests.understand.fresh.make_fresh import make_batch

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


def main(argv: list[str] | None = None) -> int:
    return make_batch(HERE, LAYOUT, seed_offset=SEED_OFFSET, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())
