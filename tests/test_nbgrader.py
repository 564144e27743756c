"""nbgrader on chapter 02, as an instructor would run it, in a temporary course directory.

`nbgrader generate_assignment` makes the release copy from the solution
notebook (checking its cell metadata), then `nbgrader autograde` grades two
submissions: the solution itself (full marks) and the untouched release copy
(zero on every graded cell). The same commands are in the README.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "02-the-dirty-page"
ASSIGNMENT = "ch02"

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                                reason="nbgrader is not installed: pip install -e '.[instructor]'")


def nbgrader(course, *args):
    """Run `nbgrader ARGS` in `course` with this checkout's migsim first on the kernels' path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               JUPYTER_CONFIG_DIR=str(course / ".jupyter"), JUPYTER_DATA_DIR=str(course / ".jupyter-data"))
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])   # nbgrader runs `alembic`
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--ExecutePreprocessor.timeout=120"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_generate_and_autograde_chapter_02(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{CHAPTER}.ipynb", source)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.root = '.'\n")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT / f"{CHAPTER}.ipynb"
    assert "raise NotImplementedError()" in released.read_text()
    assert "BEGIN HIDDEN TESTS" not in released.read_text()

    for student, notebook in (("solver", source / f"{CHAPTER}.ipynb"), ("untouched", released)):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder)
    nbgrader(course, "autograde", ASSIGNMENT)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solver = gb.find_submission(ASSIGNMENT, "solver")
        untouched = gb.find_submission(ASSIGNMENT, "untouched")
        assert solver.max_score == 3
        assert solver.score == solver.max_score
        graded = [g for nb in untouched.notebooks for g in nb.grades if g.max_score > 0]
        assert [g.name for g in graded] == ["test_02_1", "test_02_2"]
        assert untouched.score == 0 and all(g.auto_score == 0 for g in graded)
