"""What a grader says: one line by default, every check on request, a number for nbgrader."""

from dataclasses import asdict, dataclass, fields

from ..text import Text


@dataclass
class Result:
    """One check of an exercise: passed, or what was expected and what happened; worth `points`."""

    name: str
    passed: bool
    expected: str = ""
    got: str = ""
    student: str = ""          # the student's code raised, looped or answered nonsense (then `got` says how)
    points: int = 1

    def line(self):
        if self.passed:
            return f"ok    {self.name}"
        if not self.expected:
            return f"FAIL  {self.name}: {self.got}"
        return f"FAIL  {self.name}: expected {self.expected}; got {self.got}"


class Verdict:
    """The grade of one answer: `passed`, `score` of `total` points, a one-line `message`.

    `total` counts the points of every check, run or not (a grade stops at
    an answer that loops). `problem` is set when the answer could not be
    judged at all (it is not a function, it raised, it loops): then no check
    counts as passed. ``credit(points)`` is the score scaled to a graded
    cell's points, the number nbgrader takes as partial credit.
    """

    def __init__(self, exercise, results, total, problem=None):
        self.exercise, self.results, self.total, self.problem = exercise, list(results), total, problem
        self.score = sum(r.points for r in self.results if r.passed)
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

    def credit(self, points):
        """The score as a share of a graded cell's `points`, rounded down to 0.01 (never above `points`).

        The last line of a graded cell: nbgrader reads a number as the
        cell's partial credit (a cell that raises or writes to stderr gets 0).
        """
        if self.total <= 0 or self.problem is not None:
            return 0
        if self.passed:
            return points
        return int(100 * points * self.score / self.total) / 100

    def __add__(self, other):
        """Two grades of one exercise as one (the visible checks, then the hidden ones)."""
        if not isinstance(other, Verdict) or other.exercise != self.exercise:
            return NotImplemented
        return Verdict(self.exercise, self.results + other.results, self.total + other.total,
                       self.problem or other.problem)

    def details(self):
        """Every check run, one per line, and those not run."""
        lines = [self.message, ""] + [r.line() for r in self.results]
        run = sum(r.points for r in self.results)
        if run < self.total:
            lines.append(f"(not run: {self.total - run} more checks)")
        return Text("\n".join(lines))

    # --- across a process boundary: plain data only, never a pickle -----------------

    def to_data(self):
        """The verdict as JSON-able data."""
        return {"exercise": self.exercise, "total": self.total, "problem": self.problem,
                "results": [asdict(r) for r in self.results]}

    @classmethod
    def from_data(cls, data):
        """The verdict that `to_data` gave, checked field by field (it comes from an untrusted process)."""
        names = {f.name: f.type for f in fields(Result)}
        results = []
        for r in data["results"]:
            if set(r) != set(names) or any(type(r[n]) is not t for n, t in names.items()):
                raise ValueError(f"not a check result: {r!r}")
            results.append(Result(**r))
        if type(data["total"]) is not int or not (data["problem"] is None or type(data["problem"]) is str):
            raise ValueError("not a verdict")
        return cls(str(data["exercise"]), results, data["total"], data["problem"])

    def __str__(self):
        return self.message

    def __repr__(self):
        return self.message

    def _repr_pretty_(self, p, cycle):
        p.text(self.message)
