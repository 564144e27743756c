"""Issue 20 §3 and §4, counted: the student writes the heart of the series; every chapter grades a prediction.

* chapters 05 and 06 have at least three graded exercises each (predictions
  not counted), and the course at least 22 in all;
* every chapter 00-11 asks at least two predictions, each answered inside a
  `<details>` that closes before the next code cell, and has at least one
  graded prediction (a `Predict` through `grade`, worth 1 point), whose
  question is in the chapter, asked before the cell that answers it (its
  answer inside the `<details>` that follows), and whose solution notebook
  has a graded cell worth 1 point that grades it.
"""

import re
from pathlib import Path

import nbformat
import pytest

from migsim.grading import EXERCISES, Predict

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = [f"{n:02d}" for n in range(12)]


def chapter_md(nn):
    return next((ROOT / "notebooks").glob(f"{nn}-*.md"))


def graded(nn, predict=False):
    return [ex for ex in EXERCISES.values() if ex.id.startswith(nn + ".") and (ex.kind == "predict") == predict]


def test_chapters_05_and_06_grade_at_least_three_exercises_each():
    assert {nn: len(graded(nn)) >= 3 for nn in ("05", "06")} == {"05": True, "06": True}


def test_the_course_grades_at_least_22_exercises_besides_predictions():
    assert sum(len(graded(nn)) for nn in NUMBERS) >= 22


@pytest.mark.parametrize("nn", NUMBERS)
def test_every_chapter_asks_two_predictions_and_grades_one(nn):
    text = chapter_md(nn).read_text()
    assert len(re.findall(r"\*Predict first:\*", text)) >= 2
    predicts = graded(nn, predict=True)
    assert predicts and all(isinstance(ex, Predict) and ex.points == 1 for ex in predicts), predicts


@pytest.mark.parametrize("nn", NUMBERS)
def test_every_prediction_s_answer_is_folded_before_the_next_cell(nn):
    text = chapter_md(nn).read_text()
    for m in re.finditer(r"\*Predict first:\*", text):
        line = text.count("\n", 0, m.start()) + 1
        rest = text[m.end():]
        cell = rest.find("```{code-cell}")
        before_cell = rest if cell == -1 else rest[:cell]
        opened, closed = before_cell.find("<details>"), before_cell.find("</details>")
        assert -1 < opened < closed, f"chapter {nn}, line {line}: the answer is not inside <details> before the cell"
        assert "*Predict first:*" not in before_cell[:opened], f"chapter {nn}, line {line}: two questions, one reveal"


def test_no_two_exercises_share_an_id():
    """The registry is a dict by id: a prediction reusing an id would silently replace an exercise."""
    import importlib

    from migsim.grading import CHAPTERS

    ids = [ex.id for name in CHAPTERS for ex in importlib.import_module(f"migsim.grading.{name}").EXERCISES]
    assert sorted(ids) == sorted(set(ids)) == sorted(EXERCISES)


@pytest.mark.parametrize("nn", NUMBERS)
def test_a_graded_prediction_is_asked_before_the_cell_that_answers_it(nn):
    md = chapter_md(nn)
    text = md.read_text()
    for ex in graded(nn, predict=True):
        pointer = f"exercise {ex.id} in your copy (`exercises/{md.stem}.ipynb`)"
        at = text.find(pointer)
        assert at != -1, f"chapter {nn} never asks {ex.id}"
        question = text.rfind("*Predict first:*", 0, at)
        assert question != -1 and "\n\n" not in text[question:at], f"{ex.id}'s pointer is not in a question"
        rest = text[at:]
        details, cell = rest.find("<details>"), rest.find("```{code-cell}")
        assert details != -1 and (cell == -1 or details < cell), f"{ex.id}: the answer is not folded before the cell"
        assert "</details>" in rest[details:cell if cell != -1 else None]


@pytest.mark.parametrize("nn", NUMBERS)
def test_the_solution_notebook_grades_the_prediction_for_one_point(nn):
    nb = nbformat.read(next((ROOT / "solutions").glob(f"{nn}-*.ipynb")), as_version=4)
    cells = {c.metadata.nbgrader.grade_id: c for c in nb.cells if "nbgrader" in c.metadata}
    for ex in graded(nn, predict=True):
        test = cells[f"test_{ex.id.replace('.', '_')}"]
        assert test.metadata.nbgrader.grade and test.metadata.nbgrader.points == 1
        assert f'grade("{ex.id}", answer=answer)' in test.source
        assert test.source.rstrip().splitlines()[-1].startswith("verdict.credit(1)")
        assert cells[f"predict_{ex.id.replace('.', '_')}"].metadata.nbgrader.solution


def test_a_prediction_s_answer_is_computed_not_typed_in():
    """05.4's expected value comes from the kernel's helpers: change one and the expected answer changes."""
    import migsim.grading.ch05 as ch05

    ex = EXERCISES["05.4"]
    assert ex.expected() == 0x0012343E
    original, seen = ch05.swp_entry_to_pte, []
    try:
        ch05.swp_entry_to_pte = lambda entry: seen.append(entry) or 0
        assert ex.expected() == 0 and seen
    finally:
        ch05.swp_entry_to_pte = original


def test_07_3_asks_whether_the_schedule_applies_not_whether_it_fails():
    """Whether LOUD.schedule still fails at the fix is answered by section 9; whether it still applies is not."""
    from types import SimpleNamespace

    import migsim.grading.ch07 as ch07

    original = ch07.scenarios.run
    try:
        ch07.scenarios.run = lambda *args: SimpleNamespace(applies=True, failed=False)
        assert EXERCISES["07.3"].expected() == "yes"
    finally:
        ch07.scenarios.run = original
    assert EXERCISES["07.3"].expected() == "no"
