"""Graders for the course's exercises: behaviour is judged, never text.

    from migsim.grading import grade
    v = grade("02.1", migrate_pages=migrate_pages)     # a fix: the patch's hunk, written by you
    v = grade("02.2", setup=setup)                     # a find: a machine that shows the bug
    print(variant("07.1", student="s1234567"))         # a seeded find: your own variant, in words
    v = grade("07.1", student="s1234567", schedule="...")
    v.passed, v.score, v.total, v.message; print(v.details())
    v.credit(2)                                        # the score as a share of 2 points (nbgrader)

`grade` builds the kernel at the step before the patch with the answer in
place (``Kernel(at=..., patch=...)``), runs the exercise's checks and
returns a `Verdict` that shows as one line. ``hidden=True`` adds the
checks nbgrader keeps hidden from students.

The answer is untrusted. The grade runs where it cannot reach the caller
(`sandbox`: a child process with CPU and memory limits on Linux and macOS;
in Pyodide this process, put back as it was afterwards), under a `guard`
that stops loops by a line budget and a CPU-time limit; if the answer
raises, loops, exits or returns nonsense, the verdict says so. Whatever it
does, the registry, the cached builds and later grades are not changed. A
grade that takes more than a second shows which check runs (`progress`).

Out of scope, as for nbgrader: cheating from the student's own cell, before
`grade` is called (patching migsim.grading, replacing `grade`, printing a
number). The graders guard against answers that go wrong, not against a
student who sets out to fool the course in their own kernel.
"""

import importlib
import pkgutil
import re

from ..errors import MigsimError
from ..machine import build
from . import sandbox
from .core import Check, FindEffect, FindSchedule, FindSetup, Fix, Wrong, check, check_student, expect
from .verdict import Result, Verdict

# Each chapter's graders live in a module of their own (ch02.py, ch07.py ...): found on disk, not listed.
CHAPTERS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"ch\d\d(_[a-z]+)?", m.name)))
EXERCISES = {ex.id: ex for name in CHAPTERS
             for ex in importlib.import_module(f"{__name__}.{name}").EXERCISES}


def grade(exercise_id, hidden=False, **answer):
    """Judge `answer` (functions, a setup or a schedule, by name) for exercise `exercise_id`: a Verdict."""
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        raise MigsimError(f"unknown exercise {exercise_id!r}: expected one of {', '.join(EXERCISES)}")
    exercise = EXERCISES[exercise_id]
    for at in {exercise.before, exercise.step}:
        build(at)                 # cached here, in the caller: a grading child would build it again each time
    if getattr(exercise, "variants", ()):
        answer["student"] = check_student(exercise_id, answer.get("student"))   # a MigsimError if no string
    return sandbox.run(exercise_id, lambda: exercise.grade(answer, hidden=hidden))


def variant(exercise_id, student):
    """`student`'s own variant of a seeded find exercise (07.1, ...): printed, it says it in words."""
    exercise = EXERCISES.get(exercise_id) if isinstance(exercise_id, str) else None
    if not getattr(exercise, "variants", ()):
        seeded = [e for e, ex in EXERCISES.items() if getattr(ex, "variants", ())]
        raise MigsimError(f"no variants for exercise {exercise_id!r}: expected one of {', '.join(seeded)}")
    return exercise.variant(student)


__all__ = ["grade", "variant", "EXERCISES", "Verdict", "Result", "Fix", "FindSetup", "FindSchedule",
           "FindEffect", "Wrong", "expect", "Check", "check"]
