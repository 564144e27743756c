"""The graders of chapter 09 (09.1 sys_swapon's range check, 09.2 the smallest overflow), on students' answers.

The solutions and the untouched student cells come from the built notebooks
(solutions/ and exercises/09-the-swapon-overflow.ipynb), as in
tests/test_grading.py.
"""

import pytest

from migsim import kbuild
from migsim.grading import grade

from chapter_cells import answer as run_cell, cells, one_line

CHAPTER = "09-the-swapon-overflow.ipynb"


SOLUTION, STUDENT = cells(CHAPTER, "solutions"), cells(CHAPTER, "exercises")


def answer(source, name):
    return run_cell(SOLUTION["setup"], source, name)


CHECK = "    if type_ >= k.MAX_SWAPFILES:          # no slot left in swap_info[]\n"


def swapon_with(condition):
    source = SOLUTION["fix_sys_swapon"]
    assert source.count(CHECK) == 1
    return answer(source.replace(CHECK, f"    if {condition}:\n"), "sys_swapon")


# --- 09.1, the fix ---------------------------------------------------------------------------

def test_the_untouched_fix_exercise_fails_with_a_helpful_line():
    v = grade("09.1", sys_swapon=answer(STUDENT["fix_sys_swapon"], "sys_swapon"))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 09.1: not answered yet: your cell still raises NotImplementedError")


def test_the_fix_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION["fix_sys_swapon"], "sys_swapon")
    assert one_line(grade("09.1", sys_swapon=fn)) == "Exercise 09.1: correct (4/4 checks)"
    assert grade("09.1", sys_swapon=fn, hidden=True).passed


def test_the_historical_check_fails_on_the_memory_corruption():
    bug = next(v.obj for v in kbuild.REGISTRY["sys_swapon"] if v.since == "v2.6.16")
    v = grade("09.1", sys_swapon=bug)
    assert not v.passed
    assert "swap_info[30] is past the end" in one_line(v)


@pytest.mark.parametrize("condition, words", [
    ("type_ > k.MAX_SWAPFILES", "swap_info[30] is past the end"),                 # off by one
    ("type_ >= k.MAX_SWAPFILES - 1", "30 areas of types 0..29"),                   # one slot lost
    ("type_ > k.SWP_MIGRATION_WRITE", "swap_info[30] is past the end"),           # the old check, spelt out
])
def test_plausible_wrong_answers_fail(condition, words):
    v = grade("09.1", sys_swapon=swapon_with(condition))
    assert not v.passed and words in one_line(v), v.details()


def test_differently_written_correct_answers_pass():
    for condition in ("not type_ < len(k.swap_info)", "type_ > k.MAX_SWAPFILES - 1",
                      "type_ >= k.SWP_MIGRATION_READ"):
        v = grade("09.1", sys_swapon=swapon_with(condition), hidden=True)
        assert v.passed, (condition, v.details())


def test_an_answer_that_returns_nonsense_gets_a_verdict():
    source = SOLUTION["fix_sys_swapon"].replace("        return -EPERM\n    ### END", "        return None\n    ### END")
    v = grade("09.1", sys_swapon=answer(source, "sys_swapon"))
    assert not v.passed and "returned None" in one_line(v)


# --- 09.2, the find --------------------------------------------------------------------------

def setup_of(body):
    return answer("def setup(k):\n" + "".join(f"    {line}\n" for line in body.splitlines()), "setup")


def test_the_untouched_find_exercise_fails_with_a_helpful_line():
    v = grade("09.2", setup=answer(STUDENT["find_setup"], "setup"))
    assert not v.passed and "not answered yet" in one_line(v)


def test_the_find_solution_passes_and_is_the_smallest():
    fn = answer(SOLUTION["find_setup"], "setup")
    assert one_line(grade("09.2", setup=fn)) == "Exercise 09.2: correct (2/2 checks)"
    assert one_line(grade("09.2", setup=fn, hidden=True)) == "Exercise 09.2: correct (3/3 checks)"


@pytest.mark.parametrize("body, words", [
    ("for _ in range(30):\n    k.sys_swapon(1)", "the machine stayed sane"),       # every slot, no more
    ("k.sys_swapon(1)", "the machine stayed sane"),
])
def test_setups_that_do_not_overflow_fail(body, words):
    v = grade("09.2", setup=setup_of(body))
    assert not v.passed and words in one_line(v)


@pytest.mark.parametrize("body, words", [
    ("for _ in range(32):\n    k.sys_swapon(1)", "got 32 swapons"),
    ("k.spawn('ltp')\nfor _ in range(31):\n    k.sys_swapon(2)", "and processes"),
])
def test_overflows_that_are_not_the_smallest_pass_visibly_and_fail_the_hidden_test(body, words):
    fn = setup_of(body)
    assert grade("09.2", setup=fn).passed
    v = grade("09.2", setup=fn, hidden=True)
    assert not v.passed and words in one_line(v)


def test_a_differently_written_smallest_setup_passes():
    body = "types = []\nwhile len(types) < 31:\n    types.append(k.sys_swapon(8, prio=len(types)))"
    assert grade("09.2", setup=setup_of(body), hidden=True).passed
