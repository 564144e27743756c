"""The exercise cells of a built chapter, for the graders' tests: what students see."""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def cells(chapter, folder):
    """{grade_id: source} of `chapter`'s nbgrader code cells in `folder` ("solutions" or "exercises")."""
    nb = nbformat.read(ROOT / folder / chapter, as_version=4)
    return {c.metadata.nbgrader.grade_id: c.source for c in nb.cells
            if c.cell_type == "code" and "nbgrader" in c.metadata}


def answer(setup, source, name, cell="answer"):
    """Run the chapter's `setup` cell, then `source` as a cell of its own (`cell`): the function `name`."""
    ns = {"__name__": "__main__"}
    exec(compile(setup, "<cell setup>", "exec"), ns)
    exec(compile(source, f"<cell {cell}>", "exec"), ns)
    return ns[name]


def one_line(verdict):
    """The verdict's message, asserted to be one line with no traceback."""
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text
