"""The issue's accuracy thresholds, per field and source, over the labelled set.

Run ``python -m tests.understand.report --misses`` to see the table and every disagreement.

The set has two parts. Entries 001–088 are the training set: the rules were written and tuned
against them, so their figures measure fit more than accuracy. Entries 089–100 (``"batch":
"holdout"`` in labels.json) were written after the rules; they have their own test and their
own floor, and are not part of the training figures.
"""

from __future__ import annotations

import pytest

from pipeline.understand import load_rules, understand
from tests.understand.report import (FIELDS, PUBLISHED, Tally, evaluate, expected_of, labelled, settings, table,
                                     value_of)

# field -> {source: minimum share right} on the training set; "all" is born-digital and OCR together
THRESHOLDS = {
    "doc_type": {"born-digital": 0.98, "ocr": 0.90},
    "doc_number": {"born-digital": 0.98, "ocr": 0.90},
    "date": {"born-digital": 0.98, "ocr": 0.90},
    "secrecy": {"born-digital": 0.98, "ocr": 0.90},
    "urgency": {"born-digital": 0.98, "ocr": 0.90},
    "title": {"born-digital": 0.95},
    "route": {"all": 0.90},
    "deadline": {"all": 0.85},
}

HOLDOUT_IDS = [f"{n:03d}" for n in range(89, 101)]
# The held-out batch: field -> least number right of its 12 (all born-digital). This is the
# honest estimate of accuracy on documents the rules were not written against, and the floor is
# what it achieves today (`report --misses`: 12/12 on every field), not the training thresholds.
# Caveats: 12 documents are few (one miss is 8 points), and docs/understanding.md records that its
# first run had route 11/12 and deadline 10/12; the rules were adjusted after that run (757bb93),
# so these two 12/12 are no longer blind.
HOLDOUT_MINIMUM = {field: 12 for field in FIELDS}


@pytest.fixture(scope="module")
def tallies() -> dict[tuple[str, str, str], Tally]:
    """(part, field, source or "all") -> Tally; part is "training" or "holdout"."""
    conf = settings()
    rules = load_rules(conf)
    result: dict[tuple[str, str, str], Tally] = {}
    for doc_id, text, label in labelled():
        part = "holdout" if label.get("batch") == "holdout" else "training"
        understood = understand(text, conf, rules, from_ocr=label["source"] == "ocr")
        for name in FIELDS:
            got, want = value_of(understood, name), expected_of(label, name)
            for bucket in (label["source"], "all"):
                tally = result.setdefault((part, name, bucket), Tally())
                tally.total += 1
                if got == want:
                    tally.right += 1
                else:
                    tally.misses.append((doc_id, label.get("engine", ""), want, got))
    for part in ("training", "holdout"):
        print(f"\n{part}:\n" + table({(name, bucket): tally for (p, name, bucket), tally in result.items()
                                      if p == part}))
    return result


def test_the_labelled_set_is_big_enough():
    docs = labelled()
    training = [label for doc_id, _, label in docs if label.get("batch") != "holdout"]
    assert len(training) >= 70
    assert sum(label["source"] == "ocr" for label in training) >= 20
    kinds = {label["doc_type"] for label in training}
    assert {"通知", "请示", "报告", "批复", "函", "纪要", "其他"} <= kinds
    assert [doc_id for doc_id, _, label in docs if label.get("batch") == "holdout"] == HOLDOUT_IDS


@pytest.mark.parametrize("field,source,minimum",
                         [(f, s, m) for f, by_source in THRESHOLDS.items() for s, m in by_source.items()])
def test_field_accuracy_on_the_training_set(tallies, field, source, minimum):
    tally = tallies[("training", field, source)]
    assert tally.rate >= minimum, f"{field} on {source}: {tally.right}/{tally.total}; misses {tally.misses}"


@pytest.mark.parametrize("field,minimum", HOLDOUT_MINIMUM.items())
def test_field_accuracy_on_the_held_out_batch(tallies, field, minimum):
    tally = tallies[("holdout", field, "all")]
    assert tally.total == len(HOLDOUT_IDS)
    assert tally.right >= minimum, f"{field} on the held-out batch: {tally.right}/{tally.total}; misses {tally.misses}"


# Real published 公文 (published/, issue 13 §7): every labelled field at 95% or better. The rules
# for their layouts were written against this set, so this is a floor against regressions, not
# an estimate for unseen documents.
PUBLISHED_MINIMUM = 0.95


@pytest.fixture(scope="module")
def published_tallies() -> dict[tuple[str, str], Tally]:
    return evaluate(PUBLISHED)


@pytest.mark.parametrize("field", ["doc_type", "doc_number", "date", "secrecy", "urgency", "title", "issuer"])
def test_field_accuracy_on_the_published_set(published_tallies, field):
    tally = published_tallies[(field, "all")]
    assert tally.rate >= PUBLISHED_MINIMUM, f"{field}: {tally.right}/{tally.total}; misses {tally.misses}"
