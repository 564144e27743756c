"""What a grader says: one line by default, every check on request."""

from dataclasses import dataclass

from ..text import Text


@dataclass
class Result:
    """One check of an exercise: passed, or what was expected and what happened."""

    name: str
    passed: bool
    expected: str = ""
    got: str = ""
    student: str = ""          # the student's code raised, looped or answered nonsense (then `got` says how)

    def line(self):
        if self.passed:
            return f"ok    {self.name}"
        if not self.expected:
            return f"FAIL  {self.name}: {self.got}"
        return f"FAIL  {self.name}: expected {self.expected}; got {self.got}"


class Verdict:
    """The grade of one answer: `passed`, `score` of `total` checks, a one-line `message`.

    `problem` is set when the answer could not be judged at all (it is not a
    function, it raised, it loops): then no check counts as passed.
    """

    def __init__(self, exercise, results, total, problem=None):
        self.exercise, self.results, self.total, self.problem = exercise, list(results), total, problem
        self.score = sum(1 for r in self.results if r.passed)
        self.passed = problem is None and self.score == total and total > 0

    @property
    def message(self):
        head = f"Exercise {self.exercise}"
        if self.passed:
            return f"{head}: correct ({self.score}/{self.total} checks)"
        failed = next((r for r in self.results if not r.passed), None)
        if failed is None:
            return f"{head}: {self.problem} ({self.score}/{self.total} checks)"
        what = failed.got if failed.student else failed.line()[6:]
        return f"{head}: {what} ({self.score}/{self.total} checks)"

    def details(self):
        """Every check run, one per line, and those not run."""
        lines = [self.message, ""] + [r.line() for r in self.results]
        if len(self.results) < self.total:
            lines.append(f"(not run: {self.total - len(self.results)} more checks)")
        return Text("\n".join(lines))

    def __str__(self):
        return self.message

    def __repr__(self):
        return self.message

    def _repr_pretty_(self, p, cycle):
        p.text(self.message)
