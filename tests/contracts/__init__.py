"""The grader contract as data: one table per chapter (chNN.py), each a list ROWS of `Row`.

STAND-IN: a minimal version made so that tools/build_guide.py can be written
and tested; the real tables (every exercise, every kind) replace this
package. A row is one answer to one exercise and the verdict it must get:
`kind` is one of KINDS, `answer` the keyword arguments of
``migsim.grading.grade(exercise, **answer)``, `passes` whether it must pass,
and `says` (if given) words its verdict must contain.
"""

from dataclasses import dataclass

KINDS = ("untouched", "solution", "historical", "wrong", "correct", "hostile")


@dataclass(frozen=True)
class Row:
    exercise: str
    kind: str
    label: str
    answer: dict
    passes: bool
    says: str = None
