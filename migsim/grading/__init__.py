"""Graders for the course's exercises: behaviour is judged, never text.

    from migsim.grading import grade
    v = grade("02.1", migrate_pages=migrate_pages)     # a fix: the patch's hunk, written by you
    v = grade("02.2", setup=setup)                     # a find: a machine that shows the bug
    v.passed, v.score, v.total, v.message; print(v.details())

`grade` builds the kernel at the step before the patch with the answer in
place (``Kernel(at=..., patch=...)``), runs the exercise's checks and
returns a `Verdict` that shows as one line. The answer is untrusted: if it
raises, loops or returns nonsense, the verdict says so (see `guard`); the
registry and the cached builds are never changed. ``hidden=True`` adds the
checks nbgrader keeps hidden from students.
"""

import importlib
import pkgutil
import re

from ..errors import MigsimError
from .core import Check, FindEffect, FindSchedule, FindSetup, Fix, Wrong, check, expect
from .verdict import Result, Verdict

# Each chapter's graders live in a module of their own (ch02.py, ch07.py ...): found on disk, not listed.
CHAPTERS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"ch\d\d", m.name)))
EXERCISES = {ex.id: ex for name in CHAPTERS
             for ex in importlib.import_module(f"{__name__}.{name}").EXERCISES}


def grade(exercise_id, hidden=False, **answer):
    """Judge `answer` (functions, a setup or a schedule, by name) for exercise `exercise_id`: a Verdict."""
    if exercise_id not in EXERCISES:
        raise MigsimError(f"unknown exercise {exercise_id!r}: expected one of {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id].grade(answer, hidden=hidden)


__all__ = ["grade", "EXERCISES", "Verdict", "Result", "Fix", "FindSetup", "FindSchedule", "FindEffect", "Wrong",
           "expect", "Check", "check"]
