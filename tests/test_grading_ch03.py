"""Chapter 03's graders: their special cases (the five-answer contract is tests/contracts/ch03.py)."""

import pytest

from migsim.errors import MigsimError
from migsim.grading import grade

from chapter_cells import one_line


def test_bad_use_of_the_find_grader_is_a_migsim_error_or_a_verdict():
    with pytest.raises(MigsimError, match=r"expected grade\('03.2', student='...', setup=...\)"):
        grade("03.2", schedule="M3")
    with pytest.raises(MigsimError, match=r"bad student for exercise 03.2: 1234567 \(expected your student id"):
        grade("03.2", student=1234567, setup=lambda k: None)
    v = grade("03.2", setup=lambda k: None)
    assert not v.passed and v.score == 0 and "not answered yet: set student to your student id" in one_line(v)
    v = grade("03.2", student="s1234567", setup="not a function")
    assert not v.passed and "setup must be a function" in one_line(v)
