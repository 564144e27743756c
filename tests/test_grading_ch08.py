"""The grader of chapter 08 (08.1, copy_one_pte at fork-race-fix), judged on answers students can give.

The solution and the untouched student function come from the built
notebooks (solutions/ and exercises/08-the-cow-bug.ipynb), as in
tests/test_grading.py.
"""

import pytest

from migsim import kbuild
from migsim.grading import grade

from chapter_cells import answer as run_cell, cells, one_line

CHAPTER = "08-the-cow-bug.ipynb"


SOLUTION, STUDENT = cells(CHAPTER, "solutions"), cells(CHAPTER, "exercises")


def answer(source):
    return run_cell(SOLUTION["setup"], source, "copy_one_pte")


def edited(old, new):
    source = SOLUTION["fix_copy_one_pte"]
    assert source.count(old) == 1, old
    return answer(source.replace(old, new))


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("08.1", copy_one_pte=answer(STUDENT["fix_copy_one_pte"]))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 08.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION["fix_copy_one_pte"])
    assert one_line(grade("08.1", copy_one_pte=fn)) == "Exercise 08.1: correct (5/5 checks)"
    assert grade("08.1", copy_one_pte=fn, hidden=True).passed


def test_the_historical_bug_fails_in_the_explorer_and_the_cow_check():
    bug = next(v.obj for v in kbuild.REGISTRY["copy_one_pte"] if v.since == "migration-entries")
    v = grade("08.1", copy_one_pte=bug)
    assert not v.passed
    assert one_line(v).startswith("Exercise 08.1: the explorer on bug C's scenario (bound 1): "
                                  "expected no failing schedule")
    failed = {r.name for r in v.results if not r.passed}
    assert any(name.startswith("fork at random moments") for name in failed)
    assert "fork meets a write migration entry: read entries in both" in failed


BRANCH = """            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                # downgrade in place: a read entry for the same page, in both
                entry = k.make_migration_entry_read(entry)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
"""


@pytest.mark.parametrize("new, failing", [
    # the child gets a read entry, the parent keeps its write entry
    ("""            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                pte = swp_entry_to_pte(k.make_migration_entry_read(entry))
""", "fork meets a write migration entry"),
    # the fix's condition with the old bug's argument: still a write entry
    ("""            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                entry = k.make_migration_entry(k.migration_entry_to_page(entry), k.SWP_MIGRATION_READ)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
""", "fork meets a write migration entry"),
    # every migration entry becomes a write entry (read and write swapped)
    ("""            if k.is_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                entry = k.make_migration_entry(k.migration_entry_to_page(entry), True)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
""", "the explorer"),
])
def test_plausible_wrong_answers_fail(new, failing):
    v = grade("08.1", copy_one_pte=edited(BRANCH, new))
    assert not v.passed
    assert next(r for r in v.results if not r.passed).name.startswith(failing), v.details()


def test_a_differently_written_correct_answer_passes():
    # every migration entry of a COW mapping rebuilt as a read entry: read ones stay read
    new = """            if is_cow_mapping(vma.vm_flags) and k.is_migration_entry(entry):
                pte = swp_entry_to_pte(k.make_migration_entry(k.migration_entry_to_page(entry), False))
                set_pte_at(src_mm, addr, pte)
"""
    v = grade("08.1", copy_one_pte=edited(BRANCH, new))
    assert v.passed, v.details()


def test_an_answer_that_raises_gets_the_exception_and_its_line():
    v = grade("08.1", copy_one_pte=edited(BRANCH, "            entry = k.no_such_helper(entry)\n"))
    assert not v.passed and "AttributeError" in one_line(v) and "line" in one_line(v)
