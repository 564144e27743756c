"""Chapter 09's graders: their special cases (the five-answer contract is tests/contracts/ch09.py)."""

from migsim.grading import grade

from chapter_cells import answer, cells

SOLUTION = cells("09-the-swapon-overflow.ipynb", "solutions")


def test_09_2_asks_the_same_questions_visibly_and_hidden():
    """The statement says so: the hidden test asks the same three questions, of other variants, of the same setup."""
    fn = answer(SOLUTION["setup"], "def setup(k):\n    for _ in range(32):\n        k.sys_swapon(1)\n", "setup")
    visible, hidden = grade("09.2", student="s1", setup=fn), grade("09.2", student="s1", setup=fn, hidden=True)
    names = [r.name for r in visible.results]
    assert [r.name for r in hidden.results][:len(names)] == names and hidden.total == 3 * visible.total
    assert not visible.passed and not hidden.passed and "got 32 swapon calls" in visible.message
