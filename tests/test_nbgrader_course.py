"""tools/make_nbgrader_course.py: a course directory nbgrader works on, from sources to feedback.

The tool makes the config, the sources (the solution notebooks) and the
release copies (`nbgrader generate_assignment`); then, as an instructor
would, three submissions of chapter 02 are autograded and given feedback:
the solution (full marks), the release copy untouched (zero) and one with
only exercise 02.1 answered (its points, and no more).
"""

import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_nbgrader_course", ROOT / "tools" / "make_nbgrader_course.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                                reason="nbgrader is not installed: pip install -e '.[instructor]'")
CHAPTER = "02-the-dirty-page.ipynb"


def isolated(course):
    """Keep the user's Jupyter config and data out of the run."""
    return {"JUPYTER_CONFIG_DIR": str(course / ".jupyter"), "JUPYTER_DATA_DIR": str(course / ".jupyter-data")}


def test_the_tool_writes_config_and_every_chapter_with_exercises_without_nbgrader(tmp_path):
    made = tool.make_course(tmp_path, release=False)
    solutions = sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))
    assert made == [f"ch{nb.name[:2]}" for nb in solutions]
    for nb in solutions:
        assert (tmp_path / "source" / f"ch{nb.name[:2]}" / nb.name).read_bytes() == nb.read_bytes()
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert '"ch02": {}' in config and "c.CourseDirectory.root" in config
    assert "never hand it out" in (tmp_path / "README.md").read_text()


def test_an_unknown_chapter_is_named():
    with pytest.raises(SystemExit, match="no chapter with exercises matches 99"):
        tool.chapters(["99"])


def _answered(released, source, grade_ids):
    """The release copy with the solution's cells of `grade_ids` put back: a half-right submission."""
    nb, sol = nbformat.read(released, 4), nbformat.read(source, 4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in sol.cells if "nbgrader" in c.metadata}
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid in grade_ids:
            c.source = cells[gid].source
    return nb


def test_generate_autograde_and_feedback_with_partial_credit(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    assert tool.make_course(course, ["02"], env=isolated(course)) == ["ch02"]
    source, released = course / "source" / "ch02" / CHAPTER, course / "release" / "ch02" / CHAPTER
    assert "raise NotImplementedError()" in released.read_text()
    assert "BEGIN HIDDEN TESTS" not in released.read_text() and "BEGIN HIDDEN TESTS" in source.read_text()

    for student in ("solver", "untouched", "half"):
        (course / "submitted" / student / "ch02").mkdir(parents=True)
    shutil.copy(source, course / "submitted" / "solver" / "ch02")
    shutil.copy(released, course / "submitted" / "untouched" / "ch02")
    nbformat.write(_answered(released, source, {"fix_migrate_pages"}), course / "submitted" / "half" / "ch02" / CHAPTER)
    tool.run_nbgrader(course, "autograde", "ch02", env=isolated(course))
    tool.run_nbgrader(course, "generate_feedback", "ch02", env=isolated(course))

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission("ch02", s).score for s in ("solver", "untouched", "half")}
        top = gb.find_submission("ch02", "solver").max_score
        by_cell = {g.name: g.auto_score for nb in gb.find_submission("ch02", "half").notebooks for g in nb.grades
                   if g.max_score > 0}
    assert scores["solver"] == top and scores["untouched"] == 0
    assert 0 < scores["half"] < top and by_cell["test_02_1"] > 0 and by_cell["test_02_2"] == 0
    for student in scores:
        feedback = course / "feedback" / student / "ch02" / CHAPTER.replace(".ipynb", ".html")
        assert f"Score: {scores[student]:g}" in " ".join(feedback.read_text().split())
