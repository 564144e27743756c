"""The capstone's contract table (tests/contracts/ch11.py): 11.1-11.4, and the prediction 11.5.

Each row is an answer and the verdict it must get, hidden checks included:
the untouched exercise fails, the solution passes, the historical bug and
plausible wrong answers fail, differently written correct answers pass.
Also: chapter 11's solution notebook has one graded test cell per part, and
one for its graded prediction (11.5, a point; its rows are in the same table).
"""

from collections import Counter
from pathlib import Path

import nbformat
import pytest

from contracts import Row, ch11
from migsim.grading import EXERCISES, grade

ROOT = Path(__file__).resolve().parent.parent
ROWS = ch11.ROWS
PARTS = ("11.1", "11.2", "11.3", "11.4")
PREDICTION = "11.5"                # issue 20 §4: one graded prediction per chapter


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.exercise}-{r.kind}-{r.label}" for r in ROWS])
def test_row(row: Row):
    verdict = grade(row.exercise, hidden=True, **row.answer)
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    assert verdict.passed == row.passes, verdict.details()
    if row.says is not None:
        assert row.says in text, verdict.details()


@pytest.mark.parametrize("exercise", PARTS)
def test_every_part_has_the_five_kinds_of_answer(exercise):
    kinds = Counter(r.kind for r in ROWS if r.exercise == exercise)
    assert kinds["untouched"] == 1 and kinds["solution"] == 1
    assert kinds["wrong"] + kinds["historical"] >= 2 and kinds["correct"] >= 2, kinds


def test_a_failing_race_names_its_shortest_schedule_and_the_stepper_that_replays_it():
    row = next(r for r in ROWS if r.exercise == "11.4" and r.kind == "historical")
    text = grade("11.4", **row.answer).message
    assert "schedule 'F6M90F3M' fails" in text
    assert "widgets.Stepper(explore.with_patch(scenarios.get('fork_race'), yours), 'swapon-fix', " \
           "schedule='F6M90F3M')" in text


def test_the_capstone_has_one_graded_cell_per_part_with_its_points():
    assert all(p in EXERCISES for p in PARTS) and EXERCISES[PREDICTION].kind == "predict"
    nb = nbformat.read(ROOT / "solutions" / "11-capstone.ipynb", as_version=4)
    graded = [c.metadata.nbgrader for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [g.grade_id for g in graded] == [f"test_{p.replace('.', '_')}" for p in (*PARTS, PREDICTION)]
    assert [g.points for g in graded] == [2, 2, 2, 3, 1]
