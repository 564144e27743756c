"""The graders against answers their authors did not write (tests/independent/, see its README).

A correct answer must pass, a wrong or hostile one must fail, each with a one-line verdict and never
an exception. Where the writer's label and the grader disagree and the grader is right, the row
says why (`AGREED`). A `DEBATABLE` answer (a prediction's value in a shape the question does not ask
for) is only judged: one line, no exception. A case marked `fresh` (tests/independent/predict_hostile.py)
patches the simulator or the grading package and is then graded in an interpreter of its own, as the
first grade of a notebook would be.
"""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from migsim.grading import grade

HERE = Path(__file__).resolve().parent / "independent"

# (exercise, label): (passes, why the grader's verdict is the right one although the label says otherwise)
AGREED = {
    ("07.1", "str_subclass_exits"): (True, "the grader reads the schedule as a plain str, and the schedule is right"),
    ("09.2", "poison_cached_build"): (True, "its write to the cached build is refused; then it makes the 31 swapons"),
    ("05.3", "entries_follow_newprot"): (True, "it only ever upgrades an entry in a shared mapping (private "
                                                "writable mappings are PAGE_COPY): no behaviour tells it apart"),
}
# The graded predictions (tests/independent/predict_hostile.py): credit that a notebook cell gets by
# rewriting migsim or the grader *before* it calls grade. Grading runs where the notebook runs, so it
# cannot stop every such rewrite: a documented limit (README, "What the graders promise"). strict: if
# the grader ever stops one, the row goes.
PREDICTIONS = ("00.1", "01.3", "02.3", "03.3", "04.2", "05.4", "06.5", "07.3", "08.2", "09.3", "10.2", "11.5")
DISAGREED = {
    "simulator_patched": "a documented limit: the truth is worked out from the simulator as the student's "
                         "earlier cell left it (a cached build changed with type.__setattr__, a frozen scenario "
                         "with object.__setattr__, series.listing replaced)",
    "verdict_class_patched": "a documented limit: a Verdict whose class was given a passed property that says "
                             "True gets credit(1) == 1 (a cell could as well replace grade itself)",
}
# Left out: the same escape (settrace(None), then a loop) is tried on 01.1 and 08.1, where it costs 5 s, not 60.
LEFT_OUT = {("07.2", "settrace_none_and_spin")}


def answers():
    for path in sorted(HERE.glob("ex_*.py")):
        exercise = ".".join(path.stem[3:].split("_")[:2])   # ex_07_1_b.py is 07.1 too
        ns = runpy.run_path(str(path))
        for group, passes in (("CORRECT", True), ("WRONG", False), ("HOSTILE", False), ("DEBATABLE", None)):
            for label, answer in ns.get(group, {}).items():
                if (exercise, label) not in LEFT_OUT:
                    if getattr(answer, "fresh", False):
                        answer = (path, group, label)
                    marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=DISAGREED[label])] \
                        if exercise in PREDICTIONS and label in DISAGREED else []
                    yield pytest.param(exercise, label, answer, AGREED.get((exercise, label), (passes,))[0],
                                       id=f"{exercise}-{group.lower()}-{label}", marks=marks)


ANSWERS = list(answers())


def test_there_are_answers_for_every_exercise():
    """Every exercise but the capstone's fixes (written after these answers) has its independent answers;
    the graded predictions, 11.5 too, have theirs (tests/independent/ex_NN_K.py, predict_hostile.py)."""
    from migsim.grading import EXERCISES
    have = {p.values[0] for p in ANSWERS}
    assert {e for e, ex in EXERCISES.items() if not e.startswith("11.") or ex.kind == "predict"} <= have


# The fresh interpreter: runs the case (its patch), grades the answer it returns and asks for the credit
# as the notebook's grade cell does, then puts the builtins back (a case may patch them) to print it.
FRESH = """
import builtins, json, runpy, sys
saved = dict(vars(builtins))
from migsim.grading import grade
path, group, label, exercise = sys.argv[1:]
answer = runpy.run_path(path)[group][label]()
verdict = grade(exercise, hidden=True, **answer)
got = {"passed": verdict.passed is True, "message": str(verdict.message)}
try:
    got["credit"] = verdict.credit(1)
except Exception as e:
    got["credit"] = repr(e)
for name, value in saved.items():
    setattr(builtins, name, value)
print(json.dumps(got))
"""


def grade_fresh(exercise, path, group, label):
    """(passed, message, credit) of a `fresh` case, in an interpreter of its own, within 120 s."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", FRESH, str(path), group, label, exercise], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return got["passed"], got["message"], got["credit"]


@pytest.mark.parametrize("exercise, label, answer, passes", ANSWERS)
def test_an_independent_answer_gets_the_right_verdict(exercise, label, answer, passes):
    if isinstance(answer, tuple):
        passed, message, credit = grade_fresh(exercise, *answer)
        details = f"{message} (credit {credit!r})"
        if passes is False:
            assert credit in (0, 0.0), details
    else:
        verdict = grade(exercise, hidden=True, **answer)
        passed, message, details = verdict.passed, verdict.message, verdict.details()
    assert "\n" not in message and "Traceback" not in message
    assert isinstance(passed, bool)
    if passes is not None:
        assert passed == passes, details
