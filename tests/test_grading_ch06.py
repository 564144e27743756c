"""The grader of chapter 06 (exercise 06.1, remove_migration_pte), judged on answers students can give.

The solution and the untouched student function come from the built
notebooks solutions/06-dropping-swap.ipynb and its student copy
exercises/06-dropping-swap.ipynb (tests/test_course.py keeps both in sync
with the source), so these tests check what students see.
"""

from pathlib import Path

import pytest

from migsim import kbuild
from migsim.errors import UnknownStep
from migsim.grading import EXERCISES, Fix, grade
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "06-dropping-swap.ipynb"
CELL = "fix_remove_migration_pte"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answer(source, cell="answer"):
    """Run the chapter's setup cell, then `source` as a cell: its remove_migration_pte."""
    return chapter_cells.answer(SOLUTION["setup"], source, "remove_migration_pte", cell)


def edited(old, new):
    """The solution with `old` replaced by `new` (which must occur once)."""
    source = SOLUTION[CELL]
    assert source.count(old) == 1, old
    return answer(source.replace(old, new))


def registered(since):
    return next(v.obj for v in kbuild.REGISTRY["remove_migration_pte"] if v.since == since)


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text and str(verdict) == text
    return text


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("06.1", remove_migration_pte=answer(STUDENT[CELL]))
    assert not v.passed and v.score == 0 and v.total == 10
    assert one_line(v).startswith("Exercise 06.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION[CELL])
    v = grade("06.1", remove_migration_pte=fn)
    assert v.passed and one_line(v) == "Exercise 06.1: correct (10/10 checks)"
    assert grade("06.1", hidden=True, remove_migration_pte=fn).passed


@pytest.mark.parametrize("since", ["migration-entries", "no-rss", "file-entries"])
def test_the_registered_versions_pass(since):
    # file-entries' version is written differently (it also serves file pages): it passes too
    assert grade("06.1", remove_migration_pte=registered(since)).passed


def test_the_historical_state_fails_nothing_turns_the_entries_back():
    """At rip-out-swap nothing turned migration entries back into ptes: an answer that does nothing."""
    def remove_migration_pte(k, vma, addr, old, new):
        return
        yield

    v = grade("06.1", remove_migration_pte=remove_migration_pte)
    assert not v.passed and v.score < v.total
    assert one_line(v).startswith("Exercise 06.1: private anonymous pages move and stay writable: "
                                  "expected no kernel failure; got Bad page state")


ENTRY_CHECK = "if k.is_migration_entry(entry) and k.migration_entry_to_page(entry) is old:"
WRITE = "if k.is_write_migration_entry(entry):"


@pytest.mark.parametrize("old, new, failing", [
    # every restored pte writable: parent and child share one writable page after fork
    (WRITE, "if True:", "shared copy-on-write with a child"),
    # the pte's reference forgotten
    ("            get_page(new)\n", "", "private anonymous pages move"),
    # the reverse map not told
    ("            k.page_add_anon_rmap(new, vma, addr)\n", "", "private anonymous pages move"),
    # the pte made to the old page whatever happened
    ("pg.pfn_pte(new.pfn,", "pg.pfn_pte(old.pfn,", "private anonymous pages move"),
    # any migration entry taken for old's: another page's entry at the same address is overwritten
    (ENTRY_CHECK, "if k.is_migration_entry(entry):", "copies at one address migrate at once"),
], ids=["always-writable", "no-get-page", "no-rmap", "maps-old", "any-entry"])
def test_plausible_wrong_answers_fail(old, new, failing):
    v = grade("06.1", remove_migration_pte=edited(old, new))
    assert not v.passed
    assert failing in one_line(v), v.details()


DIFFERENT = '''\
    if not k.is_swap_pte(pte):
        spin_unlock(mm.page_table_lock)
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
        spin_unlock(mm.page_table_lock)
        return
    write = k.is_write_migration_entry(entry)
    built = pg.pfn_pte(new.pfn, vma.vm_page_prot)
    set_pte_at(mm, addr, pg.pte_mkold(pg.pte_mkwrite(built) if write else built))
    k.page_add_anon_rmap(new, vma, addr)
    new._count += 1                           # get_page, spelled out
    mm.anon_rss += 1
'''


def test_a_differently_written_correct_answer_passes():
    source = SOLUTION[CELL]
    start = source.index("    ### BEGIN SOLUTION")
    end = source.index("    ### END SOLUTION\n") + len("    ### END SOLUTION\n")
    v = grade("06.1", remove_migration_pte=answer(source[:start] + DIFFERENT + source[end:]))
    assert v.passed, v.details()


def test_an_answer_that_raises_gets_the_exception_and_its_line():
    fn = edited("entry = pte_to_swp_entry(pte)", "entry = pte_to_swp_entry(pte) // 0")
    line = 1 + SOLUTION[CELL].splitlines().index("        entry = pte_to_swp_entry(pte)")
    v = grade("06.1", remove_migration_pte=fn)
    assert not v.passed
    assert one_line(v).startswith("Exercise 06.1: your code raised ZeroDivisionError")
    assert f"line {line} of your cell" in v.message


def test_the_grader_runs_the_answer_at_swapless_core_where_it_is_first_called():
    ex = EXERCISES["06.1"]
    assert (ex.step, ex.before) == ("swapless-core", "swapless-core")


def test_fix_at_names_the_kernel_and_refuses_an_unknown_step():
    assert Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], []).before == "rip-out-swap"
    assert Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], [], at="cow-fix").before == "cow-fix"
    with pytest.raises(UnknownStep, match="swapless-cor"):
        Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], [], at="swapless-cor")
