"""Grader contracts as data: one table of answers per exercise, each with the verdict it must get.

Stand-in for the shared `Row` (issue 18 §4 makes every grader's contract a
table like these); `tests/test_contracts_new.py` runs the tables of
ch05_entries and ch06_core.
"""

from dataclasses import dataclass, field

KINDS = ("untouched", "solution", "historical", "wrong", "correct", "hostile")


@dataclass
class Row:
    """One answer to `exercise`: `grade(exercise, **answer)` must pass or not, its message contain `says`."""

    exercise: str
    kind: str
    label: str
    answer: dict = field(repr=False)
    passes: bool
    says: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"bad kind {self.kind!r} for {self.exercise} {self.label!r}: expected one of {KINDS}")
