"""Issue 20 §1: a fix exercise's answer is not shown before the student has tried it.

For every fix exercise the lines its patch adds to the functions the student
writes (the function's text at the fix step, less every line the kernel
already had at the step before) must appear neither in the chapter before its
exercise point (the "## N. Exercises" heading) nor anywhere in the student's
copy in `exercises/`; after that point the chapter shows the real patch.
It covers every fix exercise, found in the grader's registry.
"""

from pathlib import Path

import nbformat
import pytest

from migsim import kbuild, series, steps
from migsim.grading import EXERCISES
from migsim.grading.core import Fix

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = {p.name.split("-")[0]: p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.md")}
FIXES = sorted(i for i, e in EXERCISES.items() if isinstance(e, Fix))


def _lines(text):
    return {line.strip() for line in text.splitlines()}


def _code(text):
    """The function's text without its docstring (prose a chapter may say in its own words)."""
    head, quote, rest = text.partition('"""')
    if not quote or "def " not in head:
        return text
    return head + rest.partition('"""')[2]


def added_lines(exercise):
    """The code lines of the answer's functions that the kernel before their patch nowhere has.

    The version is the one in force at the exercise's fix step; "before" is
    the step before that version arrived (10.1's do_move_pages arrived at
    move-pages, earlier than the step its exercise is graded at). For 01.1
    (ModuleFix: write 2.6.16's buffer_migrate_page, which the reorg moves
    unchanged) the answer is the function as it stood, so its own old text
    does not count as already there.
    """
    e = EXERCISES[exercise]
    module = type(e).__name__ == "ModuleFix"
    at = kbuild.step_index(e.at if module else e.step)
    new, befores = set(), []
    for name in e.functions:
        v = kbuild.active(name, at)
        if v is not None:
            new |= {t for t in _lines(_code(v.text())) if len(t) >= 12 and not t.startswith(("#", "def "))}
            befores.append(steps.INDEX[v.since] - 1 if not module else at)
    old, own = set(), set()
    for before in set(befores):
        for name in kbuild.symbols(before):
            if module and name in e.functions:
                continue
            v = kbuild.active(name, before)
            if v is not None and v.kind in ("function", "syscall"):
                (own if name in e.functions else old).update(_lines(v.text()))
    # A fix that only changes a line into one the kernel has elsewhere (01.2's
    # return value) is judged by the lines its own function did not have.
    return (new - old - own) or (new - own)


def diff_lines(exercise):
    """The '+' lines of the fix patch's printed diff in the hunks of the answer's functions."""
    e = EXERCISES[exercise]
    out, current = set(), None
    for line in series.diff(e.step).splitlines():
        if line.startswith("@@"):
            current = line.split("@@")[-1].strip()
        elif current in e.functions and line.startswith("+") and not line.startswith("+++") and line[1:].strip():
            out.add(line.rstrip())
    return out


def answer_lines(exercise):
    """What must not be shown: the added code lines, or (for 01.2, whose one new line the
    kernel has elsewhere) the patch's own '+' code lines as a printed diff shows them."""
    return added_lines(exercise) or {line for line in diff_lines(exercise)
                                     if len(line[1:].strip()) >= 12
                                     and not line[1:].strip().startswith(('"""', "#", "def ", "@"))}


def shown_lines(cells):
    """Every stripped line of the cells' sources and text outputs (a printed diff's +/- taken off too)."""
    out = set()
    for c in cells:
        texts = [c["source"]]
        for o in c.get("outputs", []):
            texts.append(o.get("text", ""))
            texts.extend(str(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
        for line in (line for text in texts for line in str(text).splitlines()):
            out |= {line.strip(), line[1:].strip(), line.rstrip()}
    return out


def exercise_point(cells):
    """(index of the cell, line in it) of the chapter's "## N. Exercises" heading."""
    for i, c in enumerate(cells):
        if c.cell_type == "markdown":
            for n, line in enumerate(c.source.splitlines()):
                if line.startswith("## ") and "Exercise" in line:
                    return i, n
    raise AssertionError("no '## N. Exercises' heading")


def split(chapter):
    cells = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4).cells
    i, n = exercise_point(cells)
    lines = cells[i].source.splitlines()
    before = cells[:i] + [{"source": "\n".join(lines[:n])}]
    after = [{"source": "\n".join(lines[n:])}] + cells[i + 1:]
    return before, after


def given_lines(chapter):
    """The code the student's copy hands out: its code cells' lines (the solution notebook
    less its solution regions, so a skeleton's given lines, not an answer)."""
    cells = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4).cells
    return {line.strip() for c in cells if c.cell_type == "code" for line in c.source.splitlines()}


def prose_and_outputs(cells):
    """The student's copy without its code cells' sources: its text and any output."""
    return [c if c.cell_type != "code" else {"source": "", "outputs": c.get("outputs", [])} for c in cells]


def arrived_at_the_fix(exercise):
    """True if the answer's functions arrived at the exercise's own step (their patch is this one)."""
    e = EXERCISES[exercise]
    return all(kbuild.active(n, kbuild.step_index(e.step)).since == e.step for n in e.functions)


def chapter_of(exercise):
    return CHAPTERS[exercise.split(".")[0]]


def test_every_fix_exercise_is_checked():
    assert len(FIXES) >= 12 and {"01.1", "01.2", "02.1", "04.1", "08.1", "09.1", "10.1"} <= set(FIXES)


@pytest.mark.parametrize("exercise", FIXES)
def test_the_answer_is_not_shown_before_the_exercise(exercise):
    chapter = chapter_of(exercise)
    added = answer_lines(exercise)
    assert added, "the patch adds lines to the exercise's functions"
    added -= given_lines(chapter)
    assert added, "the student's skeleton does not give the whole answer away"
    before, after = split(chapter)
    student = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4).cells
    for where, cells in (("the chapter before its exercises", before),
                         ("the student's copy", prose_and_outputs(student))):
        shown = added & shown_lines(cells)
        assert not shown, f"{where} shows {sorted(shown)}"


# 01.1 writes a function the reorg only moves; 06.1's remove_migration_pte and 10.1's
# do_move_pages arrived with earlier patches (05's, move-pages), shown where those are.
@pytest.mark.parametrize("exercise", [x for x in FIXES if type(EXERCISES[x]).__name__ != "ModuleFix"
                                      and arrived_at_the_fix(x)])
def test_the_real_patch_is_shown_after_the_exercise(exercise):
    _, after = split(chapter_of(exercise))
    assert answer_lines(exercise) & shown_lines(after), "the chapter compares with the real patch after its exercises"


@pytest.mark.parametrize("chapter", sorted(CHAPTERS.values()))
def test_exercises_sections_point_to_the_students_copy_not_the_solutions(chapter):
    text = (ROOT / "notebooks" / f"{chapter}.md").read_text()
    assert "solutions/" not in text, "solutions/ is named only in instructor material"
    if "## " in text and any(line.startswith("## ") and "Exercise" in line for line in text.splitlines()):
        assert f"exercises/{chapter}.ipynb" in text
