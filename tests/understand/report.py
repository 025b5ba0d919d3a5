"""Per-field accuracy of ``understand`` over the labelled set, by source.

    .venv/bin/python -m tests.understand.report            # the table
    .venv/bin/python -m tests.understand.report --misses   # and every disagreement
    .venv/bin/python -m tests.understand.report --set published   # real published 公文, by layout
    .venv/bin/python -m tests.understand.report --set fresh       # issue 13's fresh batch
    .venv/bin/python -m tests.understand.report --set fresh2      # a second fresh batch
    .venv/bin/python -m tests.understand.report --set fresh3      # a third, after fresh2's fixes

The labelled texts and their true values are in ``labelled/`` (labels.json); the OCR'd
entries were made once by ``make_ocr_texts.py`` and are read as saved. ``published/`` holds
real 公文 as their public pages show them (sources in published/SOURCES.md). A field a set
does not label (a key missing from an entry) is not counted.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from pipeline.understand import Understanding, load_rules, understand

LABELLED = Path(__file__).resolve().parent / "labelled"
PUBLISHED = Path(__file__).resolve().parent / "published"
FRESH = Path(__file__).resolve().parent / "fresh"      # written after the rules, labels committed first
FRESH2 = Path(__file__).resolve().parent / "fresh2"    # a second such batch, after the rules changed
FRESH3 = Path(__file__).resolve().parent / "fresh3"    # a third, after the rules met fresh2
SETS = {"labelled": LABELLED, "published": PUBLISHED, "fresh": FRESH, "fresh2": FRESH2, "fresh3": FRESH3}
LAYOUTS = ("multi-line-title", "long-title", "number-and-title-one-line", "ling", "joint-signers", "ordinary")
FIELDS = ("doc_type", "doc_number", "date", "secrecy", "urgency", "title", "issuer", "route", "deadline",
          "department", "references")
SOURCES = ("born-digital", "ocr")


def labelled(directory: Path = LABELLED) -> list[tuple[str, str, dict]]:
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return [(doc_id, (directory / f"{doc_id}.txt").read_text(encoding="utf-8"), label)
            for doc_id, label in sorted(labels.items())]


def settings() -> Settings:
    # a data directory with no rules.toml: the shipped defaults
    return Settings(data_dir=Path(__file__).resolve().parent / "no-such-data-dir")


def value_of(result: Understanding, name: str):
    value = getattr(result, name)
    if name == "date" or name == "deadline":
        return value.isoformat() if value else None
    if name == "references":
        return sorted(value)
    return value


def expected_of(label: dict, name: str):
    value = label.get(name)
    return sorted(value) if name == "references" else value


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    misses: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0


def evaluate(directory: Path = LABELLED) -> dict[tuple[str, str], Tally]:
    """(field, source, engine, batch, layout or 'all') -> Tally."""
    conf = settings()
    rules = load_rules(conf)
    tallies: dict[tuple[str, str], Tally] = {}
    for doc_id, text, label in labelled(directory):
        result = understand(text, conf, rules, from_ocr=label["source"] == "ocr")
        for name in FIELDS:
            if name not in label:  # not labelled in this set
                continue
            got, want = value_of(result, name), expected_of(label, name)
            buckets = (label["source"], label.get("engine"), label.get("batch"), label.get("layout"), "all")
            for bucket in buckets:
                if bucket is None:
                    continue
                tally = tallies.setdefault((name, bucket), Tally())
                tally.total += 1
                if got == want:
                    tally.right += 1
                elif bucket == "all":
                    tally.misses.append((doc_id, label.get("engine", ""), want, got))
    return tallies


def table(tallies: dict[tuple[str, str], Tally], columns: tuple[str, ...] = (*SOURCES, "all")) -> str:
    columns = tuple(c for c in columns if ("doc_type", c) in tallies)
    heads = {s: f"{s} (n={tallies[('doc_type', s)].total})" for s in columns}
    width = {s: max(22, len(heads[s]) + 2) for s in columns}
    rows = [f"{'field':<12}" + "".join(heads[s].rjust(width[s]) for s in columns)]
    for name in FIELDS:
        if not any((name, source) in tallies for source in columns):
            continue
        cells = []
        for source in columns:
            t = tallies.get((name, source))
            cells.append((f"{100 * t.rate:6.1f}% ({t.right:>2}/{t.total:<2})" if t else "—").rjust(width[source]))
        rows.append(f"{name:<12}" + "".join(cells))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="accuracy of pipeline.understand on the labelled set")
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    parser.add_argument("--set", dest="which", choices=sorted(SETS), default="labelled",
                        help="labelled: the project's samples (default); published: real published 公文; "
                             "fresh: a batch written after the rules (fresh/make_fresh.py); "
                             "fresh2: a second one, after the rules changed (fresh2/make_fresh2.py)")
    args = parser.parse_args(argv)
    tallies = evaluate(SETS[args.which])
    print(table(tallies))
    if args.which == "labelled":
        print("\nOCR by engine, and the held-out batch (written after the rules, see labels.json):")
        print(table(tallies, ("rapidocr", "tesseract", "holdout")))
    elif args.which == "published":
        print("\nBy layout (see published/SOURCES.md):")
        print(table(tallies, LAYOUTS))
    if args.misses:
        for name in FIELDS:
            for doc_id, engine, want, got in tallies.get((name, "all"), Tally()).misses:
                print(f"{name:<11} {doc_id} {engine:<9} want={want!r} got={got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
