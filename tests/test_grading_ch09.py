"""Chapter 09's graders: their special cases (the five-answer contract is tests/contracts/ch09.py)."""

from migsim.grading import grade

from chapter_cells import answer, cells

SOLUTION = cells("09-the-swapon-overflow.ipynb", "solutions")


def test_09_2_asks_the_same_questions_visibly_and_hidden():
    """The statement says so: a setup that passes the visible checks passes the hidden ones."""
    fn = answer(SOLUTION["setup"], "def setup(k):\n    for _ in range(32):\n        k.sys_swapon(1)\n", "setup")
    visible, hidden = grade("09.2", setup=fn), grade("09.2", setup=fn, hidden=True)
    assert [r.name for r in visible.results] == [r.name for r in hidden.results]
    assert not visible.passed and not hidden.passed and "got 32 swapon calls" in visible.message
