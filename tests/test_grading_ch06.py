"""Chapter 06's grader: its special cases (the five-answer contract is tests/contracts/ch06.py)."""

import pytest

from migsim.errors import UnknownStep
from migsim.grading import EXERCISES, Fix


def test_the_grader_runs_the_answer_at_swapless_core_where_it_is_first_called():
    ex = EXERCISES["06.1"]
    assert (ex.step, ex.before) == ("swapless-core", "swapless-core")


def test_fix_at_names_the_kernel_and_refuses_an_unknown_step():
    assert Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], []).before == "rip-out-swap"
    assert Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], [], at="cow-fix").before == "cow-fix"
    with pytest.raises(UnknownStep, match="swapless-cor"):
        Fix("99.1", "swapless-core", "t", ["remove_migration_pte"], [], at="swapless-cor")
