"""explore(..., patch=...) explores the kernel with the given functions in place (a grader's fix)."""

import pytest

from migsim import explore, scenarios
from migsim.errors import MigsimError
from migsim.machine import build

COW, BEFORE = scenarios.COW_FORK, "fork-race-fix"


def test_a_patch_with_the_fix_makes_the_exploration_find_nothing():
    fixed = build("cow-fix").SYMBOLS["copy_one_pte"].obj
    assert explore.explore(COW, BEFORE, bound=1).failing > 0
    report = explore.explore(COW, BEFORE, bound=1, patch={"copy_one_pte": fixed})
    assert report.explored > 0 and report.failing == 0


def test_a_patch_with_the_bug_makes_the_fixed_kernel_fail_and_unpruned_runs_take_it_too():
    buggy = build(BEFORE).SYMBOLS["copy_one_pte"].obj
    assert explore.explore(COW, "cow-fix", bound=1).failing == 0
    assert explore.explore(COW, "cow-fix", bound=1, patch={"copy_one_pte": buggy}).failing > 0
    assert explore.explore(COW, "cow-fix", bound=1, prune=False, patch={"copy_one_pte": buggy}).failing > 0


def test_a_patch_naming_no_kernel_function_is_refused():
    with pytest.raises(MigsimError, match="copy_one_ptee"):
        explore.explore(COW, BEFORE, bound=1, patch={"copy_one_ptee": lambda k: None})
