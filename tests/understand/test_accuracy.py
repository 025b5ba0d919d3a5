"""The issue's accuracy thresholds, per field and source, over the labelled set.

Run ``python -m tests.understand.report --misses`` to see the table and every disagreement.
"""

from __future__ import annotations

import pytest

from tests.understand.report import evaluate, labelled, table

# field -> {source: minimum share right}; "all" is born-digital and OCR together
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


@pytest.fixture(scope="module")
def tallies():
    result = evaluate()
    print("\n" + table(result))
    return result


def test_the_labelled_set_is_big_enough():
    docs = labelled()
    assert len(docs) >= 70
    assert sum(label["source"] == "ocr" for _, _, label in docs) >= 20
    kinds = {label["doc_type"] for _, _, label in docs}
    assert {"通知", "请示", "报告", "批复", "函", "纪要", "其他"} <= kinds


@pytest.mark.parametrize("field,source,minimum",
                         [(f, s, m) for f, by_source in THRESHOLDS.items() for s, m in by_source.items()])
def test_field_accuracy(tallies, field, source, minimum):
    tally = tallies[(field, source)]
    misses = [m for m in tallies[(field, "all")].misses]
    assert tally.rate >= minimum, f"{field} on {source}: {tally.right}/{tally.total}; misses {misses}"
