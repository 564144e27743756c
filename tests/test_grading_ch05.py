"""The grader of chapter 05 (05.1, the migration-entry helpers), judged on answers students can give.

The solution and the untouched student functions come from the built
notebooks solutions/05-migration-entries.ipynb and its student copy
exercises/05-migration-entries.ipynb, as in tests/test_grading.py.
"""

from pathlib import Path

import pytest

from migsim import kbuild
from migsim.errors import MigsimError
from migsim.grading import grade
from migsim.grading.ch05 import FIX_05_1
from migsim.grading.core import Fix
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "05-migration-entries.ipynb"
HELPERS = ("make_migration_entry", "is_write_migration_entry", "migration_entry_to_page",
           "make_migration_entry_read")


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answers(source, **replace):
    """The four helpers of `source` (run after the setup cell), with `replace`'s text edits applied."""
    for old, new in replace.values():
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    exec(compile(source, "<cell answer>", "exec"), ns)
    return {name: ns[name] for name in HELPERS}


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("05.1", **answers(STUDENT["fix_entry_helpers"]))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 05.1: not answered yet")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    v = grade("05.1", **answers(SOLUTION["fix_entry_helpers"]))
    assert v.passed and v.score == v.total == 10
    assert grade("05.1", hidden=True, **answers(SOLUTION["fix_entry_helpers"])).passed


def test_the_helpers_as_registered_pass():
    registered = {name: next(v.obj for v in kbuild.REGISTRY[name] if v.since == "migration-entries")
                  for name in HELPERS}
    assert grade("05.1", hidden=True, **registered).passed


WRONG = {
    "read and write swapped": dict(a=("k.SWP_MIGRATION_WRITE if write else k.SWP_MIGRATION_READ",
                                      "k.SWP_MIGRATION_READ if write else k.SWP_MIGRATION_WRITE")),
    # The confusion of bug C from the other side: only write == 1 counts as "write", so 30 would be read.
    "write compared with 1": dict(a=("if write else", "if write == 1 else")),
    "no BUG for an unlocked page": dict(a=("    if not PageLocked(page):\n        raise KernelBug("
                                           "\"make_migration_entry: page not locked\", "
                                           "\"include/linux/swapops.h\")\n", "")),
    "any migration entry counts as write": dict(a=("return swp_type(entry) == k.SWP_MIGRATION_WRITE",
                                                   "return swp_type(entry) >= k.SWP_MIGRATION_READ")),
    "the read entry left a write entry": dict(a=("return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))",
                                                 "return entry")),
    "the pfn lost in the read entry": dict(a=("return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))",
                                              "return swp_entry(k.SWP_MIGRATION_READ, 0)")),
    "migration_entry_to_page without its BUG": dict(a=("    if not PageLocked(page):\n        raise KernelBug(f",
                                                       "    if False:\n        raise KernelBug(f")),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_plausible_wrong_answers_fail(name):
    v = grade("05.1", **answers(SOLUTION["fix_entry_helpers"], **WRONG[name]))
    assert not v.passed, name
    one_line(v)


DIFFERENT = '''
READ_TYPE, WRITE_TYPE, TYPE_SHIFT = 30, 31, 27


def make_migration_entry(k, page, write):
    if not PageLocked(page):
        raise KernelBug("BUG_ON(!PageLocked(page))", "include/linux/swapops.h")
    return ((WRITE_TYPE if write != 0 else READ_TYPE) << TYPE_SHIFT) | page.pfn


def is_write_migration_entry(k, entry):
    return entry >> TYPE_SHIFT == WRITE_TYPE


def migration_entry_to_page(k, entry):
    page = k.pfn_to_page(entry & ((1 << TYPE_SHIFT) - 1))
    if PageLocked(page):
        return page
    raise KernelBug("BUG_ON(!PageLocked(page))", "include/linux/swapops.h")


def make_migration_entry_read(k, entry):
    return entry & ~(1 << TYPE_SHIFT)          # 31 -> 30: clear the type's lowest bit
'''


def test_a_differently_written_correct_answer_passes():
    v = grade("05.1", hidden=True, **answers(DIFFERENT))
    assert v.passed, v.message


def test_the_answer_patches_the_kernel_at_migration_entries():
    """The helpers are new at migration-entries: the step before lacks them, so the grader patches there."""
    assert FIX_05_1.before == FIX_05_1.at == "migration-entries"          # `before`: the kernel it runs in
    plain = Fix("x.1", "migration-entries", "helpers", functions=["is_write_migration_entry"], checks=[])
    v = plain.grade({"is_write_migration_entry": lambda k, entry: False})
    assert not v.passed and "a kernel function at fallback-function" in v.message


def test_a_bad_answer_set_is_a_clear_error():
    with pytest.raises(MigsimError, match="05.1"):
        grade("05.1", make_migration_entry=lambda k, page, write: 0)


def test_the_migrations_that_make_entries_see_a_wrong_answer_too():
    """Not only the bit checks: swapped read/write entries break migrations at swapless-core."""
    v = grade("05.1", **answers(SOLUTION["fix_entry_helpers"], **WRONG["read and write swapped"]))
    failed = [r.name for r in v.results if not r.passed]
    assert any("swapless-core" in name for name in failed), failed
