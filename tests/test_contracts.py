"""Every grader meets its contract (DESIGN §6): one parametrized test over every exercise's table.

The tables are data, in tests/contracts/chNN.py: for each exercise the
untouched cell, the solution, the historical bug, plausible wrong answers
and differently written correct ones, and hostile answers, each with the
verdict it must get and a piece of what the verdict must say.
"""

from collections import Counter

import pytest

from migsim.grading import EXERCISES, grade

from contracts import all_rows, no_historical

ROWS = all_rows()


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row):
    v = grade(row.exercise, **row.answer)
    assert "\n" not in v.message and "Traceback" not in v.message
    assert v.passed == row.passes, v.details()
    if row.says is not None:
        assert row.says in v.message, v.details()


def test_every_exercise_has_a_whole_table():
    """Untouched and solution rows, the historical bug for a fix, two wrong and two correct answers at least."""
    kinds = {ex: Counter(r.kind for r in ROWS if r.exercise == ex) for ex in EXERCISES}
    for ex, count in kinds.items():
        assert count["untouched"] >= 1 and count["solution"] >= 1, ex
        assert count["wrong"] >= 2 and count["correct"] >= 2, (ex, dict(count))
        if EXERCISES[ex].kind == "fix" and ex not in no_historical():
            assert count["historical"] >= 1, ex
    for r in ROWS:
        assert r.passes == (r.kind in ("solution", "correct")), r.id
