"""The contract tables of 05.2-05.3 (tests/contracts/ch05_entries.py) and 06.2-06.4 (ch06_core.py).

Each row is an answer and the verdict it must get: the untouched exercise
fails, the solution passes, the historical bug fails, plausible wrong
answers fail, differently written correct ones pass (hidden checks too).
"""

from collections import Counter

import pytest

from contracts import Row, ch05_entries, ch06_core
from migsim.grading import grade

TABLES = {"ch05_entries": ch05_entries.ROWS, "ch06_core": ch06_core.ROWS}
ROWS = [row for rows in TABLES.values() for row in rows]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.exercise}-{r.kind}-{r.label}" for r in ROWS])
def test_row(row: Row):
    verdict = grade(row.exercise, hidden=True, **row.answer)
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    assert verdict.passed == row.passes, verdict.details()
    if row.says is not None:
        assert row.says in text, verdict.details()


@pytest.mark.parametrize("exercise", sorted({r.exercise for r in ROWS}))
def test_every_table_has_the_five_kinds_of_answer(exercise):
    kinds = Counter(r.kind for r in ROWS if r.exercise == exercise)
    assert kinds["untouched"] == 1 and kinds["solution"] == 1
    assert kinds["wrong"] + kinds["historical"] >= 2 and kinds["correct"] >= 2, kinds
    assert all(not r.passes for r in ROWS if r.exercise == exercise and r.kind in ("untouched", "wrong", "historical",
                                                                                  "hostile"))
