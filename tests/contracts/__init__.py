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


def _chapters():
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                        key=lambda m: m.name)
            if m.name.startswith("ch")]


def no_historical():
    """{exercise: why} for fix exercises without a historical bug (a chapter's NO_HISTORICAL)."""
    out = {}
    for m in _chapters():
        out.update(getattr(m, "NO_HISTORICAL", {}))
    return out


def all_rows():
    """Every row of every chapter's table."""
    return [row for m in _chapters() for row in m.ROWS]


def solved(source, body, n=1):
    """`source` (a solution cell) with the `n`th region between BEGIN and END SOLUTION replaced by `body`.

    `body` is written without indentation; it gets the markers' indentation.
    """
    lines = source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == "### BEGIN SOLUTION"]
    b = begins[n - 1]
    e = next(i for i in range(b, len(lines)) if lines[i].strip() == "### END SOLUTION")
    indent = lines[b][:len(lines[b]) - len(lines[b].lstrip())]
    new = [indent + line if line.strip() else "" for line in textwrap.dedent(body).splitlines()]
    return "\n".join(lines[:b] + new + lines[e + 1:]) + "\n"


def kernel_copy(name, since):
    """Kernel function `name` as registered at `since`, typed into a cell: the same text, a code of its own.

    The grader refuses the registered function itself (an answer must be
    the student's); a copy of its text is how a student would give it.
    """
    fn = inspect.unwrap(next(v.obj for v in kbuild.REGISTRY[name] if v.since == since))
    ns = dict(fn.__globals__)
    exec(compile(kernel_source(name, since), f"<cell {name} as at {since}>", "exec"), ns)
    return ns[name]


def student_for(exercise, **params):
    """The first student id "s0000000", "s0000001", ... whose variant of `exercise` has `params`."""
    from migsim.grading import EXERCISES
    ex = EXERCISES[exercise]
    for n in range(100_000):
        student = f"s{n:07d}"
        v = ex.variant(student)
        if all(v.params[name] == value for name, value in params.items()):
            return student
    raise AssertionError(f"no student of {exercise} has the variant {params}")
