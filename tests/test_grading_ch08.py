"""Chapter 08's grader: its special cases (the five-answer contract is tests/contracts/ch08.py)."""

from migsim.grading import grade

from chapter_cells import one_line
from contracts import kernel_copy


def test_the_historical_bug_fails_in_the_explorer_and_the_cow_check():
    v = grade("08.1", copy_one_pte=kernel_copy("copy_one_pte", "migration-entries"))
    assert not v.passed
    assert one_line(v).startswith("Exercise 08.1: the explorer on bug C's scenario (bound 1): "
                                  "expected no failing schedule")
    failed = {r.name for r in v.results if not r.passed}
    assert any(name.startswith("fork at random moments") for name in failed)
    assert "fork meets a write migration entry: read entries in both" in failed
