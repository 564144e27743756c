"""Chapters 05 and 06, the heart of the series, have at least three graded exercises each.

Their contract rows run in tests/test_contracts.py (with every other table) and the rule that
nothing before an exercise shows its patch's lines in tests/test_no_spoilers.py.
"""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def test_chapters_05_and_06_have_three_graded_exercises_each_in_their_solution_notebooks():
    from migsim.grading import EXERCISES
    for chapter, prefix in (("05-migration-entries", "05."), ("06-dropping-swap", "06.")):
        ids = sorted(i for i in EXERCISES if i.startswith(prefix))
        assert len(ids) >= 3, ids
        nb = nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4)
        graded = [c.metadata.nbgrader for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert [g.grade_id for g in graded] == [f"test_{i.replace('.', '_')}" for i in ids]
        assert all(g.points >= 1 for g in graded)
