"""Every grader meets its contract (DESIGN §6): one parametrized test over every exercise's table.

The tables are data, in tests/contracts/chNN.py: for each exercise the
untouched cell, the solution, the historical bug, plausible wrong answers
and differently written correct ones, and hostile answers, each with the
verdict it must get and a piece of what the verdict must say.
"""

from collections import Counter

import pytest

from migsim.grading import EXERCISES, grade

from contracts import all_rows, no_historical

ROWS = all_rows()


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row):
    v = grade(row.exercise, **row.answer)
    assert "\n" not in v.message and "Traceback" not in v.message
    assert v.passed == row.passes, v.details()
    if row.says is not None:
        assert row.says in v.message, v.details()


def test_every_exercise_has_a_whole_table():
    """Untouched and solution rows, the historical bug for a fix, two wrong and two correct answers at least."""
    kinds = {ex: Counter(r.kind for r in ROWS if r.exercise == ex) for ex in EXERCISES}
    for ex, count in kinds.items():
        assert count["untouched"] >= 1 and count["solution"] >= 1, ex
        assert count["wrong"] >= 2 and count["correct"] >= 2, (ex, dict(count))
        if EXERCISES[ex].kind == "fix" and ex not in no_historical():
            assert count["historical"] >= 1, ex
    for r in ROWS:
        assert r.passes == (r.kind in ("solution", "correct")), r.id


# --- the machinery every table relies on ---------------------------------------------------------

def test_a_check_carries_its_title_and_points_beside_its_code():
    from migsim.grading.core import check

    @check("two points of nothing", points=2)
    def nothing(make):
        return "ran"

    assert (nothing.title, nothing.points, nothing(None)) == ("two points of nothing", 2, "ran")
    fixes = [ex for ex in EXERCISES.values() if ex.kind == "fix"]
    assert all(c.title and c.points >= 1 for ex in fixes for c in ex.checks + ex.hidden)


def test_a_failure_of_the_graders_own_code_is_said_to_be_the_graders():
    from migsim.errors import TaskError
    from migsim.grading import Fix
    from migsim.grading.core import check

    @check("a check whose own code fails")
    def broken(make):
        raise TaskError("task M is blocked")

    ex = Fix("99.1", "fork-race-fix", "t", functions=["anon_vma_link"], checks=[broken])

    def anon_vma_link(k, vma):
        yield from ()

    v = ex.grade({"anon_vma_link": anon_vma_link})
    assert not v.passed and "the grader's own check failed" in v.message and "not your answer's fault" in v.message
    assert v.results[0].student == "grader"


def test_only_a_failure_the_kernel_finds_counts():
    from migsim import Kernel
    from migsim.errors import KernelBug
    from migsim.grading.core import found_by_kernel

    k = Kernel(at="fixups", nodes=2, frames_per_node=8)
    try:
        k.check()
        from migsim.include.linux.spinlock import SpinLock, spin_unlock
        spin_unlock(SpinLock("x"))             # the kernel's own BUG, raised in include/linux/spinlock.py
    except KernelBug as e:
        assert found_by_kernel(e)
    try:
        raise KernelBug("made up")
    except KernelBug as e:
        assert not found_by_kernel(e)
