"""The course's build products are in sync with their MyST sources (tools/build_course.py).

Each chapter's `.ipynb` has exactly its `.md`'s cells, `exercises/` is what
the build makes from `solutions/`, every title badge is its step's, and every
stored notebook was executed (so strict nbval, which runs notebooks/ and
solutions/ from testpaths, compares every cell). The build itself is checked
on small sources in a temporary directory: deterministic bytes, nbgrader's
clearing, a stale badge refused.
"""

import importlib.util
import os
import textwrap
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("jupytext", reason="jupytext reads the chapters' sources: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_course", ROOT / "tools" / "build_course.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SOURCES = build.sources(ROOT)
SOLUTIONS = [md for md in SOURCES if md.parent.name == "solutions"]
HAVE_NBGRADER = importlib.util.find_spec("nbgrader") is not None
needs_nbgrader = pytest.mark.skipif(not HAVE_NBGRADER, reason="the student copies need nbgrader: "
                                    "pip install -e '.[test,instructor]' (.ci/run does)")


def rel(md):
    return str(md.relative_to(ROOT))


def read(path):
    return nbformat.read(path, as_version=4)


# --- the committed files ---------------------------------------------------------------------------

def test_the_course_has_sources_and_no_generator_script():
    assert ROOT / "notebooks" / "00-the-machine.md" in SOURCES
    assert not (ROOT / "tools" / "make_notebook_00.py").exists()


@pytest.mark.parametrize("md", SOURCES, ids=rel)
def test_each_notebook_has_exactly_its_sources_cells(md):
    nb = md.with_suffix(".ipynb")
    assert nb.exists(), f"{rel(nb)} is missing: run python tools/build_course.py"
    assert build.same_inputs(read(nb), build.read_source(md)), \
        f"{rel(nb)} differs from {rel(md)}: run python tools/build_course.py {md.stem[:2]}"


@pytest.mark.parametrize("md", SOURCES, ids=rel)
def test_each_notebook_was_executed_so_strict_nbval_compares_every_cell(md):
    nb = read(md.with_suffix(".ipynb"))
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), \
        "a code cell without an execution count is never compared by nbval"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))


@pytest.mark.parametrize("md", SOURCES, ids=rel)
def test_each_title_badge_is_its_steps_badge(md):
    step_id = build.badge_step(read(md.with_suffix(".ipynb")))
    assert build.series.step(step_id).badge() in read(md.with_suffix(".ipynb")).cells[0].source


@needs_nbgrader
@pytest.mark.parametrize("md", SOLUTIONS, ids=rel)
def test_each_exercise_is_what_the_build_makes_from_its_solution(md):
    (path, text), = build.outputs(md, execute_it=False).items()
    assert path.exists(), f"{rel(path)} is missing: run python tools/build_course.py"
    assert path.read_text(encoding="utf-8") == text, \
        f"{rel(path)} is stale: run python tools/build_course.py {md.stem[:2]}"


def test_no_built_notebook_is_left_without_its_source():
    assert build.orphans(ROOT) == []


# --- the build, on small sources ---------------------------------------------------------------------

HEADER = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# 99 · A test chapter

> **Patch badge:** {badge}
"""

CHAPTER = """
```{code-cell}
import ipywidgets
for i in range(3):
    print("line", i)
```

+++

Between two cells.

```{code-cell}
:tags: [nbval-ignore-output]

ipywidgets.IntSlider(value=3)
```
"""

SOLUTION = """
```{code-cell}
---
nbgrader:
  grade: false
  grade_id: fix
  locked: false
  schema_version: 3
  solution: true
  task: false
---
def f(x):
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION
```

```{code-cell}
---
nbgrader:
  grade: true
  grade_id: test_fix
  locked: true
  points: 1
  schema_version: 3
  solution: false
  task: false
---
assert f(1) == 2
### BEGIN HIDDEN TESTS
assert f(2) == 3
### END HIDDEN TESTS
```
"""


def kernels_of_this_process():
    """Pids of the ipykernel processes this process started and that still run."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"ipykernel" in cmdline:
            found.append(int(stat.parent.name))
    return found


def write_source(root, folder, body, badge=None):
    md = root / folder / "99-test.md"
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(HEADER.format(badge=badge or build.series.step("reorg").badge()) + textwrap.dedent(body),
                  encoding="utf-8")
    return md


def edit(md, old, new):
    md.write_text(md.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_building_twice_gives_the_same_bytes_and_no_widget_model_ids(tmp_path):
    md = write_source(tmp_path, "notebooks", CHAPTER)
    first = build.outputs(md, timeout=30)
    assert first == build.outputs(md, timeout=30)
    nb = nbformat.reads(first[md.with_suffix(".ipynb")], as_version=4)
    streams = nb.cells[1].outputs
    assert [o.output_type for o in streams] == ["stream"] and streams[0].text == "line 0\nline 1\nline 2\n"
    widget = nb.cells[3].outputs[0]
    assert list(widget.data) == ["text/plain"] and "IntSlider" in widget.data["text/plain"]
    assert nb.cells[3].metadata.tags == ["nbval-ignore-output"]
    assert "execution" not in nb.cells[1].metadata and "version" not in nb.metadata.language_info
    assert kernels_of_this_process() == []                     # each build shut its kernel down


def test_cell_ids_come_from_content_so_an_edit_changes_only_its_cell(tmp_path):
    md = write_source(tmp_path, "notebooks", CHAPTER)
    before = [c.id for c in build.read_source(md).cells]
    edit(md, "Between two cells.", "Between two code cells.")
    after = [c.id for c in build.read_source(md).cells]
    assert [a == b for a, b in zip(before, after)] == [True, True, False, True]
    assert len(set(after)) == len(after)


@needs_nbgrader
def test_a_student_copy_loses_solutions_hidden_tests_and_outputs(tmp_path):
    md = write_source(tmp_path, "solutions", SOLUTION)
    built = build.outputs(md, timeout=30)
    exercise = nbformat.reads(built[tmp_path / "exercises" / "99-test.ipynb"], as_version=4)
    solution = nbformat.reads(built[md.with_suffix(".ipynb")], as_version=4)
    assert "return x + 1" in solution.cells[1].source and "HIDDEN" in solution.cells[2].source
    assert exercise.cells[1].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert exercise.cells[2].source == "assert f(1) == 2"
    assert exercise.cells[1].metadata.nbgrader.solution and exercise.cells[2].metadata.nbgrader.points == 1
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in exercise.cells)
    assert [c.id for c in exercise.cells] == [c.id for c in solution.cells]


@needs_nbgrader
def test_a_solution_region_outside_a_solution_cell_is_refused(tmp_path):
    md = write_source(tmp_path, "solutions", "```{code-cell}\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n```\n")
    with pytest.raises(RuntimeError, match="non-solution cell"):
        build.outputs(md, execute_it=False)


@pytest.mark.parametrize("badge, message", [
    ("[reorg] page migration reorg", "badge line reads"),
    ("reorg: page migration reorg", "needs one line"),
])
def test_a_stale_or_missing_badge_stops_the_build(tmp_path, badge, message):
    md = write_source(tmp_path, "notebooks", CHAPTER, badge=badge)
    with pytest.raises(ValueError, match=message):
        build.read_source(md)


def test_check_reports_a_stale_notebook_and_writes_nothing(tmp_path, monkeypatch, capsys):
    md = write_source(tmp_path, "notebooks", CHAPTER)
    nb = md.with_suffix(".ipynb")
    nb.write_text(build.text(build.read_source(md)), encoding="utf-8")
    monkeypatch.setattr(build, "ROOT", tmp_path)
    assert build.main(["--check", "--inputs-only"]) == 0
    edit(md, "Between two cells.", "Edited.")
    old = nb.read_bytes()
    assert build.main(["--check", "--inputs-only"]) == 1
    assert "stale: notebooks/99-test.ipynb" in capsys.readouterr().out and nb.read_bytes() == old
