"""The contract tables of 05.2-05.3 (tests/contracts/ch05_entries.py) and 06.2-06.4 (ch06_core.py).

Each row is an answer and the verdict it must get: the untouched exercise
fails, the solution passes, the historical bug fails, plausible wrong
answers fail, differently written correct ones pass (hidden checks too).
"""

from collections import Counter
from pathlib import Path

import nbformat
import pytest

from contracts import ch05_entries, ch06_core
from migsim import series, steps
from migsim.errors import MigsimError

ROOT = Path(__file__).resolve().parent.parent

TABLES = {"ch05_entries": ch05_entries.ROWS, "ch06_core": ch06_core.ROWS}
ROWS = [row for rows in TABLES.values() for row in rows]


# Every row is run by tests/test_contracts.py, with the other chapters' tables.


@pytest.mark.parametrize("exercise", sorted({r.exercise for r in ROWS}))
def test_every_table_has_the_five_kinds_of_answer(exercise):
    kinds = Counter(r.kind for r in ROWS if r.exercise == exercise)
    assert kinds["untouched"] == 1 and kinds["solution"] == 1
    assert kinds["wrong"] + kinds["historical"] >= 2 and kinds["correct"] >= 2, kinds
    assert all(not r.passes for r in ROWS if r.exercise == exercise and r.kind in ("untouched", "wrong", "historical",
                                                                                  "hostile"))


# --- nothing shown before the exercise point ----------------------------------------------------

FIXES = {   # exercise: (chapter, the step of its patch, the functions it writes)
    "05.2": ("05-migration-entries", "migration-entries", ("migration_entry_wait",)),
    "05.3": ("05-migration-entries", "migration-entries", ("change_pte_range",)),
    "06.2": ("06-dropping-swap", "swapless-core", ("migrate_page_move_mapping",)),
    "06.3": ("06-dropping-swap", "swapless-core", ("migrate_pages",)),
}


def added_lines(step, functions):
    """The code lines the patch `step` adds to `functions` that the tree before it nowhere has."""
    added, current = set(), None
    for line in series.diff(step).splitlines():
        if line.startswith("@@"):
            current = line.split("@@")[-1].strip()
        elif current in functions and line.startswith("+") and not line.startswith("+++"):
            text = line[1:].strip()
            if len(text) >= 12 and not text.startswith(('"""', "#", "def ")):   # the signature is given
                added.add(text)
    before = steps.IDS[steps.INDEX[step] - 1]
    old = set()
    for kfile in series.step(step).files:
        try:
            old |= {line.strip() for line in series.listing(kfile, before).splitlines()}
        except MigsimError:
            pass                              # a file the simulator does not model (mm/Kconfig)
    return added - old


def shown_lines(cells):
    """Every stripped line of the cells' sources and text outputs (a printed diff's +/- taken off too)."""
    out = set()
    for c in cells:
        texts = [c["source"]] + [o.get("text", "") or o.get("data", {}).get("text/plain", "")
                                 for o in c.get("outputs", [])]
        for line in (line for text in texts for line in str(text).splitlines()):
            out |= {line.strip(), line[1:].strip()}
    return out


def before_the_exercises(chapter):
    """The chapter's cells before its Exercises heading (with the text above it in its cell)."""
    cells = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4).cells
    for i, c in enumerate(cells):
        if c.cell_type == "markdown" and "\n## " in "\n" + c.source:
            heads = [n for n, line in enumerate(c.source.splitlines())
                     if line.startswith("## ") and "Exercises" in line]
            if heads:
                return cells[:i] + [{"source": "\n".join(c.source.splitlines()[:heads[0]])}]
    raise AssertionError(f"{chapter} has no Exercises section")


@pytest.mark.parametrize("exercise", sorted(FIXES))
def test_nothing_before_the_exercise_shows_the_lines_its_patch_adds(exercise):
    chapter, step, functions = FIXES[exercise]
    added = added_lines(step, functions)
    assert added, "the patch adds lines to these functions"
    student = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4).cells
    for where, cells in (("the student's copy", student), ("the chapter before its exercises",
                                                           before_the_exercises(chapter))):
        shown = added & shown_lines(cells)
        assert not shown, f"{where} shows {sorted(shown)}"
    after = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4).cells
    assert added & shown_lines(after), "the real patch is shown after the exercises"


def test_chapters_05_and_06_have_three_graded_exercises_each_in_their_solution_notebooks():
    from migsim.grading import EXERCISES
    for chapter, prefix in (("05-migration-entries", "05."), ("06-dropping-swap", "06.")):
        ids = sorted(i for i in EXERCISES if i.startswith(prefix))
        assert len(ids) >= 3, ids
        nb = nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4)
        graded = [c.metadata.nbgrader for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert [g.grade_id for g in graded] == [f"test_{i.replace('.', '_')}" for i in ids]
        assert all(g.points >= 1 for g in graded)
