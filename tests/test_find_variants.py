"""The seeded variants of the find exercises (issue 20, §2): one per student id, each a real bug.

A variant comes from the student's id alone (the same on every machine),
every variant has its bug before the fix and not at the fix, the solution
of each seeded find passes on every variant, and a bad id is said to be one.
"""

import os
import subprocess
import sys

import pytest

from migsim import explore, scenarios
from migsim.errors import MigsimError
from migsim.grading import EXERCISES, grade, variant

from chapter_cells import cells
from contracts import run_cells, student_for

SEEDED = ("03.2", "06.4", "07.1", "09.2")
CHAPTERS = {"03.2": "03-the-reference-count-rule.ipynb", "06.4": "06-dropping-swap.ipynb",
            "07.1": "07-the-fork-race.ipynb", "09.2": "09-the-swapon-overflow.ipynb"}
FIND_CELL = {"03.2": "find_setup", "06.4": "find_swap_cache", "09.2": "find_setup"}


def test_the_seeded_finds_are_those_that_would_be_copies():
    assert sorted(e for e, ex in EXERCISES.items() if getattr(ex, "variants", ())) == list(SEEDED)


@pytest.mark.parametrize("exercise", SEEDED)
def test_a_variant_comes_from_the_student_id_alone(exercise):
    """The same id gives the same variant, in another process with another hash seed too; ids spread over all."""
    ids = [f"s{n:07d}" for n in range(0, 3000, 7)]
    here = [variant(exercise, student=s).params for s in ids[:40]]
    assert here == [variant(exercise, student=s).params for s in ids[:40]]
    code = (f"from migsim.grading import variant\n"
            f"print([variant({exercise!r}, student=s).params for s in {ids[:40]!r}])")
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert there.stdout.strip() == repr(here)
    seen = {tuple(sorted(variant(exercise, student=s).params.items())) for s in ids}
    assert len(seen) == len(EXERCISES[exercise].variants)


def test_a_variant_says_itself_in_words():
    v = variant("07.1", student="s1234513")
    assert v.params == {"forker": "parent", "own": 4, "shared": 3}
    assert str(v).startswith("Exercise 07.1, the variant of student 's1234513': a parent and its child share 3 pages")
    assert "root migrates the child" in str(v) and v.scenario.name == "fork_race_parent_forks_4_3"
    child = variant("07.1", student=student_for("07.1", forker="child"))
    assert "the child forks a grandchild" in str(child)
    assert "4 swap areas already active" in str(variant("09.2", student=student_for("09.2", active=4)))


@pytest.mark.parametrize("student", [None, "", "   "])
def test_no_student_id_is_not_answered_yet(student):
    v = variant("07.1", student=student)
    assert "not answered yet: set student to your student id" in str(v)
    with pytest.raises(MigsimError, match="no variant of exercise 07.1 yet"):
        v.scenario
    answer = {} if student is None else {"student": student}
    verdict = grade("07.1", schedule="M3F2M", **answer)
    assert not verdict.passed and verdict.score == 0 and "not answered yet" in verdict.message


@pytest.mark.parametrize("student", [1234567, b"s1234567", ["s1"]])
def test_a_student_id_that_is_no_string_is_a_clear_error(student):
    with pytest.raises(MigsimError, match=r"bad student for exercise 07.1: .* \(expected your student id as a string"):
        variant("07.1", student=student)
    with pytest.raises(MigsimError, match=r"bad student for exercise 09.2"):
        grade("09.2", student=student, setup=lambda k: None)
    with pytest.raises(MigsimError, match="no variants for exercise '02.1'"):
        variant("02.1", student="s1")


@pytest.mark.parametrize("params", EXERCISES["07.1"].variants, ids=lambda p: "{forker}-{own}-{shared}".format(**p))
def test_every_07_1_variant_has_bug_b_before_the_fix_and_not_at_it(params):
    sc = EXERCISES["07.1"].of(params).scenario
    before = explore.explore(sc, "swapless-core", bound=2, progress=lambda r: r.failing, every=1)
    assert before.failing and scenarios.shows_bug(sc, scenarios.run(sc, "swapless-core", before.shortest))
    assert explore.explore(sc, "fork-race-fix", bound=2).failing == 0
    student = student_for("07.1", **params)
    assert grade("07.1", student=student, schedule=before.shortest).passed
    # The chapter's own answers, printed in section 2 and section 10, fail on it.
    for printed in (scenarios.FORK_RACE.schedule, "M@remove_migration_ptes#10 F@copy_one_pte M F"):
        assert not grade("07.1", student=student, schedule=printed).passed


def solution(exercise):
    """The solution notebook's setup for a seeded find by a setup."""
    sol = cells(CHAPTERS[exercise], "solutions")
    return run_cells(sol["setup"], sol[FIND_CELL[exercise]], names="setup")


@pytest.mark.parametrize("exercise", ["03.2", "06.4", "09.2"])
def test_the_solution_passes_on_every_variant(exercise):
    """So every variant's bug shows before the fix and is gone at it; the hidden checks pass too."""
    setup, ex = solution(exercise), EXERCISES[exercise]
    for params in ex.variants:
        v = ex.grade({"student": student_for(exercise, **params), "setup": setup})
        assert v.passed, (params, v.details())
    assert ex.grade({"student": "instructor", "setup": setup}, hidden=True).total > \
        ex.grade({"student": "instructor", "setup": setup}).total


def test_the_07_1_solution_works_its_schedule_out_for_any_variant():
    sol = cells(CHAPTERS["07.1"], "solutions")
    for params in EXERCISES["07.1"].variants:
        student = student_for("07.1", **params)
        found = run_cells(sol["setup"], f"student = {student!r}\n",
                          "from migsim import grading\nvariant = grading.variant('07.1', student=student)\n",
                          sol["find_schedule"], names="schedule")
        assert EXERCISES["07.1"].grade({"student": student, "schedule": found}).passed, (params, found)
