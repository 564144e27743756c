"""nbgrader on every chapter, as an instructor would run it, in one temporary course directory.

`nbgrader generate_assignment` makes the release copies from the solution
notebooks (checking their cell metadata), then one `nbgrader autograde`
grades three submissions: the solutions themselves (full marks), the
untouched release copies (zero on every graded cell) and a half-right one
(the solutions with two answers wrong in part), whose graded cells get
partial credit: the number a graded cell ends with (`verdict.credit(points)`).
No graded cell writes to stderr (nbgrader would zero it). The same commands
are in the README.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import chapter_cells
from migsim.grading import grade

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "course"
CHAPTERS = sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))

# Half-right answers: (chapter, answer cell, text replaced, by what, function, exercise, graded cell, points).
HALF = [
    ("02-the-dirty-page.ipynb", "fix_migrate_pages", "result = k.pageout(page, mapping)",
     "page.flags &= ~(1 << 4); result = PAGE_CLEAN", "migrate_pages", "02.1", "test_02_1"),
    ("07-the-fork-race.ipynb", "fix_anon_vma_link", "anon_vma.head.append(vma)",
     "anon_vma.head.insert(0, vma)", "anon_vma_link", "07.2", "test_07_2"),
]

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                                reason="nbgrader is not installed: pip install -e '.[instructor]'")


def nbgrader(course, *args):
    """Run `nbgrader ARGS` in `course` with this checkout's migsim first on the kernels' path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               JUPYTER_CONFIG_DIR=str(course / ".jupyter"), JUPYTER_DATA_DIR=str(course / ".jupyter-data"),
               MPLBACKEND="Agg")
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])   # nbgrader runs `alembic`
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--ExecutePreprocessor.timeout=120"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def half_right(chapter, cell, old, new, name, exercise, graded):
    """The solution notebook of `chapter` with answer `cell` edited, and the credit its graded cell must get."""
    nb = nbformat.read(ROOT / "solutions" / chapter, as_version=4)
    source = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell)
    assert source.source.count(old) == 1, (chapter, old)
    source.source = source.source.replace(old, new)
    points = next(c.metadata.nbgrader.points for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == graded)
    fn = chapter_cells.answer(chapter_cells.cells(chapter, "solutions")["setup"], source.source, name)
    hidden = "only" if exercise == "07.2" else True          # as the graded cell grades it
    verdict = grade(exercise, hidden=True, **{name: fn}) if hidden is True else \
        grade(exercise, **{name: fn}) + grade(exercise, hidden="only", **{name: fn})
    return nb, verdict.credit(points), points


def graded_outputs(notebook):
    """{grade_id: outputs} of the graded cells of an autograded notebook."""
    nb = nbformat.read(notebook, as_version=4)
    return {c.metadata.nbgrader.grade_id: c.outputs for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def test_generate_and_autograde_every_chapter(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for chapter in CHAPTERS:
        shutil.copy(ROOT / "solutions" / chapter, source)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.root = '.'\n")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT
    for chapter in CHAPTERS:
        text = (released / chapter).read_text()
        assert "raise NotImplementedError()" in text and "BEGIN HIDDEN TESTS" not in text, chapter

    submitted = course / "submitted"
    for student, folder in (("solver", source), ("untouched", released), ("half", released)):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
        for chapter in CHAPTERS:
            shutil.copy(folder / chapter, submitted / student / ASSIGNMENT)
    expected = {}
    for chapter, *edit in HALF:
        nb, credit, points = half_right(chapter, *edit)
        nbformat.write(nb, submitted / "half" / ASSIGNMENT / chapter)
        expected[edit[-1]] = credit
        assert 0 < credit < points, (edit[-1], credit)          # half right: some credit, not all
    nbgrader(course, "autograde", ASSIGNMENT)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solver, untouched, half = (gb.find_submission(ASSIGNMENT, s) for s in ("solver", "untouched", "half"))
        graded = {g.name: g for nb in untouched.notebooks for g in nb.grades if g.max_score > 0}
        assert len({name[5:7] for name in graded}) == len(CHAPTERS) >= 11    # every chapter has a graded cell
        assert solver.score == solver.max_score == sum(g.max_score for g in graded.values())
        # An untouched fix that starts from the step before's function already passes the checks that function
        # passed, so it may get a little credit, never a cell's full points (most untouched cells get 0).
        assert all(g.auto_score < g.max_score for g in graded.values())
        assert untouched.score < 0.05 * untouched.max_score, untouched.score
        scores = {g.name: g.auto_score for nb in half.notebooks for g in nb.grades if g.max_score > 0}
        for name, credit in expected.items():
            assert scores[name] == pytest.approx(credit), name
        half_chapters = {chapter for chapter, *_ in HALF}
        rest = [g for nb in half.notebooks if nb.name + ".ipynb" not in half_chapters for g in nb.grades]
        assert all(g.auto_score < g.max_score for g in rest if g.max_score > 0)     # the rest is the untouched copy

    for student in ("solver", "untouched", "half"):
        for chapter in CHAPTERS:
            for grade_id, outputs in graded_outputs(course / "autograded" / student / ASSIGNMENT / chapter).items():
                assert not any(o.output_type == "stream" and o.name == "stderr" for o in outputs), \
                    (student, chapter, grade_id)
    failed = graded_outputs(course / "autograded" / "half" / ASSIGNMENT / HALF[0][0])[HALF[0][-1]]
    printed = "".join(o.get("text", "") for o in failed if o.output_type == "stream")
    assert printed.startswith("Exercise 02.1: bug A's scenario")           # a failed check still shows its message
