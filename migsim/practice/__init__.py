"""Seeded practice problems, as OSTEP's homework simulators pose them: a question, and on request its answers.

    python -m migsim.practice pte --seed 3          # the problem, every answer a ?
    python -m migsim.practice pte --seed 3 -c       # the same layout with the answers and the reasoning

    from migsim import practice
    q = practice.pte(seed=3)          # a Problem: its repr is the question
    q.reveal()                        # the answers, in the same layout

Each problem is taken from the simulator itself: a machine built at a step
of the series with the seed, and a real pte, page or schedule of it, so
every answer is true of the kernel at that step. The same kind, seed and
step give the same text. The kinds are in `KINDS`; `at=` picks the step
(by default the seed does).
"""

from ..errors import bad_value
from .entries import migration, pte, swap
from .problem import Problem, Question
from .references import refcount
from .races import schedule

KINDS = {"pte": pte, "swap": swap, "migration": migration, "refcount": refcount, "schedule": schedule}


def problem(kind, seed=0, at=None):
    """The problem of `kind` for `seed` (at step `at`, or one the seed chooses)."""
    if kind not in KINDS:
        raise bad_value("kind", kind, f"one of {', '.join(KINDS)}")
    return KINDS[kind](seed=seed, at=at)


__all__ = ["KINDS", "Problem", "Question", "problem", *KINDS]
