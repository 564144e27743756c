"""Chapter 05's grader: its special cases (the five-answer contract is tests/contracts/ch05.py)."""

import pytest

from migsim.errors import MigsimError
from migsim.grading import grade
from migsim.grading.ch05 import FIX_05_1
from migsim.grading.core import Fix
import chapter_cells

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


SWAPPED = dict(a=("k.SWP_MIGRATION_WRITE if write else k.SWP_MIGRATION_READ",
                  "k.SWP_MIGRATION_READ if write else k.SWP_MIGRATION_WRITE"))


def test_the_answer_patches_the_kernel_at_migration_entries():
    """The helpers are new at migration-entries: the step before lacks them, so the grader patches there."""
    assert FIX_05_1.before == FIX_05_1.at == "migration-entries"          # `before`: the kernel it runs in
    plain = Fix("x.1", "migration-entries", "helpers", functions=["is_write_migration_entry"], checks=[])
    v = plain.grade({"is_write_migration_entry": lambda k, entry: False})
    assert not v.passed and "is no kernel function at fallback-function" in v.message


def test_a_bad_answer_set_is_a_clear_error():
    with pytest.raises(MigsimError, match="05.1"):
        grade("05.1", make_migration_entry=lambda k, page, write: 0)


def test_the_migrations_that_make_entries_see_a_wrong_answer_too():
    """Not only the bit checks: swapped read/write entries break migrations at swapless-core."""
    v = grade("05.1", **answers(SOLUTION["fix_entry_helpers"], **SWAPPED))
    failed = [r.name for r in v.results if not r.passed]
    assert any("swapless-core" in name for name in failed), failed
