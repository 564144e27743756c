"""Chapter 03's graders: their special cases (the five-answer contract is tests/contracts/ch03.py)."""

import pytest

from migsim.errors import MigsimError
from migsim.grading import grade

from chapter_cells import one_line


def test_bad_use_of_the_find_grader_is_a_migsim_error_or_a_verdict():
    with pytest.raises(MigsimError, match=r"expected grade\('03.2', setup=...\)"):
        grade("03.2", schedule="M3")
    v = grade("03.2", setup="not a function")
    assert not v.passed and "setup must be a function" in one_line(v)
