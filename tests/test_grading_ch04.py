"""Chapter 04's grader: its special cases (the five-answer contract is tests/contracts/ch04.py)."""

import pytest

from migsim.errors import MigsimError
from migsim.grading.ch04 import FIX_04_1
from migsim.grading.core import Fix


def test_the_grader_builds_at_fallback_function_itself():
    # `before` names the kernel the answer runs in: here the patch's own step.
    assert (FIX_04_1.step, FIX_04_1.before, FIX_04_1.at) == ("fallback-function", "fallback-function",
                                                            "fallback-function")


def test_a_fix_exercise_with_a_bad_build_step_is_refused():
    with pytest.raises(MigsimError, match=r"unknown step 'nowhere'"):
        Fix("9.9", "fallback-function", "t", functions=["fallback_migrate_page"], checks=[], at="nowhere")
