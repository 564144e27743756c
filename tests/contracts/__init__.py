"""The graders' contract (DESIGN §6) as data: one table of answers per exercise, one test over all.

Each chapter's module (`tests/contracts/chNN.py`) defines ``ROWS = [Row(...), ...]``:
every exercise has its untouched cell, its solution, the historical bug (fix
exercises), at least two plausible wrong answers that must fail, at least two
differently written correct answers that must pass, and hostile answers where
the exercise invites them. `answer` is what is given to `grade` by keyword;
`says` a piece of the verdict's message (so that a wrong answer fails for the
right reason). A row that must be judged with nbgrader's hidden checks too
has ``hidden=True`` in its `answer`, as `grade` takes it. tests/test_contracts.py runs them; the instructor guide reads
the "wrong" rows to show what each exercise's verdicts say.
"""

import importlib
import inspect
import pkgutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from migsim import kbuild

ROOT = Path(__file__).resolve().parent.parent.parent
KINDS = ("untouched", "solution", "historical", "wrong", "correct", "hostile")


@dataclass
class Row:
    """One answer to one exercise and what its grade must be."""

    exercise: str
    kind: str
    label: str
    answer: dict
    passes: bool
    says: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"bad kind {self.kind!r}: expected one of {KINDS}")

    @property
    def id(self):
        return f"{self.exercise}-{self.kind}-{self.label}"


def chapter_cells(chapter, folder):
    """{grade_id: source} of `chapter`'s nbgrader code cells in `folder` ("solutions" or "exercises")."""
    nb = nbformat.read(ROOT / folder / chapter, as_version=4)
    return {c.metadata.nbgrader.grade_id: c.source for c in nb.cells
            if c.cell_type == "code" and "nbgrader" in c.metadata}


def run_cells(*sources, names):
    """Run `sources` as notebook cells, in order: the values they left under `names` (a tuple, or one name).

    An untouched find cell raises NotImplementedError after setting its value: what it set stays.
    """
    ns = {"__name__": "__main__"}
    for i, source in enumerate(sources):
        try:
            exec(compile(source, f"<cell {i}>", "exec"), ns)
        except NotImplementedError:
            pass
    return ns[names] if isinstance(names, str) else tuple(ns[n] for n in names)


def kernel_source(name, since):
    """The text of kernel function `name` as registered at `since`, without its decorator."""
    fn = next(v.obj for v in kbuild.REGISTRY[name] if v.since == since)
    fn = inspect.unwrap(fn)
    lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
    return "\n".join(line for line in lines if not line.startswith("@")) + "\n"


def edited(name, since, *replacements):
    """The kernel's `name` at `since` with each (old, new) replaced once: source text for a cell."""
    source = kernel_source(name, since)
    for old, new in replacements:
        if source.count(old) != 1:
            raise AssertionError(f"{old!r} is not in {name} ({since}) exactly once")
        source = source.replace(old, new)
    return source


def all_rows():
    """Every row of every chapter's table."""
    rows = []
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if m.name.startswith("ch"):
            rows.extend(importlib.import_module(f"{__name__}.{m.name}").ROWS)
    return rows
