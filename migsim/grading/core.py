"""The two kinds of exercise and how each is judged.

* `Fix`: the student writes a patch's hunk. The grader builds the kernel at
  the step before the patch with the student's functions in place
  (``Kernel(at=..., patch=...)``) and runs the patch's checks on it: each
  check gets a `Maker`, `make(**kernel_args)` builds such a kernel; it raises
  `Wrong` (or lets a KernelBug out) when the behaviour is not the fixed one.
* `FindSetup` / `FindSchedule`: the student makes the unfixed kernel fail,
  by a machine setup or by a schedule of a scenario's tasks. The grader
  replays it at the step before the fix (it must fail, and fail *by the
  bug*, matched by the scenario's signature) and at the fix (it must not).

Judged is behaviour, never text. The student's code runs under a `Guard`.
"""

import inspect
import re

from .. import kbuild, steps
from ..errors import KernelBug, MigsimError, OutOfMemory, SegmentationFault
from ..machine import Kernel, build
from .guard import Guard, StudentError
from .progress import report
from .verdict import Result, Verdict

MACHINE_FAILURES = (KernelBug, SegmentationFault, OutOfMemory)


class Wrong(Exception):
    """A check saw behaviour other than the right one: what it expected, what it got."""

    def __init__(self, expected, got):
        super().__init__(f"expected {expected}; got {got}")
        self.expected, self.got = expected, got


def expect(condition, expected, got):
    """Raise Wrong(expected, got) unless `condition` holds."""
    if not condition:
        raise Wrong(expected, got() if callable(got) else got)


def step_before(at):
    """The id of the step just before `at` in the series."""
    return steps.IDS[steps.INDEX[at] - 1]


def failure_text(e):
    """A machine failure in one line: the kernel's own words, or the exception's name and text."""
    return str(e) if isinstance(e, KernelBug) else f"{type(e).__name__}: {e}"


class Maker:
    """make(**kernel_args): a kernel at step `at` with the answer's functions in place (`patch`)."""

    def __init__(self, at, patch):
        self.at, self.patch = at, patch
        self.cls = type(Kernel(at=at, patch=patch))   # built once (MigsimError for a bad patch)

    def __call__(self, **kernel_args):
        return self.cls(at=self.at, **kernel_args)


class Exercise:
    """What every exercise has: an id like "02.1", the step it is about, a title."""

    kind = None

    def __init__(self, id, step, title):
        self.id, self.step, self.title = id, step, title
        self.before = step_before(step)

    def _verdict(self, results, total):
        return Verdict(self.id, results, total)

    def _problem(self, total, text):
        return Verdict(self.id, [], total, problem=text)


class Fix(Exercise):
    """Write the hunk of patch `step`: `functions` are the names the student supplies.

    `checks` and `hidden` are lists of (name, check); hidden ones run only
    with ``grade(..., hidden=True)`` (nbgrader's hidden tests).
    `results` maps a function name to (is_ok(value), "what it must return").
    `at` is the step whose kernel the answer goes into: the step before the
    patch unless given (a patch that adds a function is graded at its own
    step, the student's version replacing the registered one).
    `adapt` is for a patch that changes a function's parameters: it maps the
    name to (the parameters the answer takes, wrap), where wrap(answer) is a
    function with the parameters of the version at the step before (it is
    called as the patched callers call the answer).
    With `any_of`, the student gives any non-empty subset of `functions` (a fix
    that may live in one of several places); the others stay the kernel's.
    `seconds` is each check's time limit (longer for checks that explore).
    """

    kind = "fix"

    def __init__(self, id, step, title, functions, checks, hidden=(), results=None, at=None, adapt=None,
                 any_of=False, seconds=None):
        super().__init__(id, step, title)
        if at is not None:
            kbuild.step_index(at)                 # UnknownStep for a bad id
        self.at = self.before = self.before if at is None else at
        self.functions, self.checks, self.hidden = tuple(functions), list(checks), list(hidden)
        self.results = dict(results or {})
        self.adapt = dict(adapt or {})
        self.any_of, self.seconds = any_of, seconds

    def grade(self, answers, hidden=False):
        if hidden not in (False, True, "only"):
            raise MigsimError(f"bad hidden: {hidden!r} (expected False, True, or 'only' for the hidden checks alone)")
        # "only": a solution notebook that has just run the visible checks need not run them twice.
        checks = self.hidden if hidden == "only" else self.checks + (self.hidden if hidden else [])
        total = len(checks)
        wanted = ", ".join(f"{n}=..." for n in self.functions)
        if self.any_of and answers and set(answers) <= set(self.functions):
            pass
        elif self.any_of:
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, ...) with one or more of {wanted})")
        elif set(answers) != set(self.functions):
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, {wanted}))")
        patch, problem = {}, None
        for name in answers:
            problem = problem or self._not_usable(name, answers[name])
            patch[name] = answers[name]
            if problem is None and name in self.adapt:
                patch[name] = self.adapt[name][1](answers[name])
        guard = Guard(answers.values(), passes=(Wrong,), **({} if self.seconds is None else
                                                            {"seconds": self.seconds}))
        if problem is None:
            try:
                make = Maker(self.at, {name: guard.wrap(self._checked(name, fn)) for name, fn in patch.items()})
            except MigsimError as e:
                problem = str(e)
        if problem is not None:
            return self._problem(total, problem)
        results = []
        for name, check in checks:
            report(self.id, name, len(results), total)
            result = _run_check(guard, name, check, make)
            results.append(result)
            if result.student in ("loops", "not answered"):
                break                          # it loops, or is not answered: no use going on
        return self._verdict(results, total)

    def _not_usable(self, name, fn):
        """Why `fn` cannot stand in for kernel function `name` at all (None if it can)."""
        if not inspect.isfunction(fn):
            return f"{name} must be a function (def {name}(k, ...)); got {fn!r}"
        if name in self.adapt:
            params = tuple(inspect.signature(fn).parameters)
            wanted = self.adapt[name][0]
            if params != tuple(wanted):
                return f"{name} must take ({', '.join(wanted)}), as after the patch; yours takes ({', '.join(params)})"
        original = build(self.at).SYMBOLS.get(name)
        if original is not None and inspect.isgeneratorfunction(original.obj) != inspect.isgeneratorfunction(fn):
            if inspect.isgeneratorfunction(original.obj):
                return (f"{name} must be a generator, as the kernel's is (it may sleep): "
                        f"keep its `yield from`s")
            return f"{name} must not be a generator: the kernel's {name} never sleeps (no yield in it)"
        return None

    def _checked(self, name, fn):
        """`fn`, with its return value checked where the exercise says what it must be."""
        if name not in self.results:
            return fn
        is_ok, what = self.results[name]

        def judge(value):
            if not is_ok(value):
                raise StudentError(f"your {name} returned {value!r}; expected {what}", "nonsense")
            return value

        if inspect.isgeneratorfunction(fn):
            def checked(k, *args, **kwargs):
                return judge((yield from fn(k, *args, **kwargs)))
        else:
            def checked(k, *args, **kwargs):
                return judge(fn(k, *args, **kwargs))
        checked.__name__ = checked.__qualname__ = name
        checked.__wrapped__ = fn
        return checked


def _run_check(guard, name, check, *args):
    """One check under the guard, as a Result."""
    try:
        guard.run(check, *args)
    except Wrong as w:
        return Result(name, False, w.expected, w.got)
    except StudentError as e:
        return Result(name, False, got=e.text, student=e.kind)
    except MACHINE_FAILURES as e:
        return Result(name, False, "no kernel failure", failure_text(e))
    return Result(name, True)


def play(k, setup, guard):
    """Run the student's `setup(k)`, then every task it started (checking after each point).

    Returns the machine failure's text, or None if the machine stayed sane.
    StudentError comes out if the student's code raised or looped.
    """
    def work():
        setup(k)
        while True:
            ready = [t for t in k.tasks if not t.done and not t.blocked]
            if not ready:
                break
            ready[0].step()
            k.check()
        k.check()

    try:
        guard.run(work)
    except MACHINE_FAILURES as e:
        return failure_text(e)
    finally:
        close_tasks(k, guard)
    return None


def close_tasks(k, guard):
    """Close the generators of unfinished tasks now, under the guard (not later, by the GC)."""
    for t in k.tasks:
        if not t.done:
            t.done = True
            try:
                guard.run(t.gen.close)
            except (StudentError, *MACHINE_FAILURES, RuntimeError):
                pass


class FindSetup(Exercise):
    """Make bug `scenario` show by a setup: `setup(k)` builds the machine and migrates.

    The setup gets a fresh kernel (`machine` are its arguments) at the step
    before the fix, where the bug must show (by its scenario's signature),
    and at the fix, where the same setup must leave the machine sane.
    """

    kind = "find"

    def __init__(self, id, step, title, scenario, machine, bug):
        super().__init__(id, step, title)
        self.scenario, self.machine, self.bug = scenario, dict(machine), bug

    def grade(self, answers, hidden=False):
        if set(answers) != {"setup"}:
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, setup=...))")
        setup = answers["setup"]
        if not inspect.isfunction(setup):
            return self._problem(2, f"setup must be a function (def setup(k): ...); got {setup!r}")
        guard = Guard([setup], passes=(Wrong,))
        results = []
        for at, must_fail in ((self.before, True), (self.step, False)):
            name = f"at {at}, bug {self.bug} {'shows' if must_fail else 'is gone'}"
            report(self.id, name, len(results), 2)
            try:
                error = play(Kernel(at=at, **self.machine), setup, guard)
            except StudentError as e:
                results.append(Result(name, False, got=f"at {at}: {e.text}", student=e.kind))
                break
            results.append(self._judge(name, at, error, must_fail))
        return self._verdict(results, 2)

    def _judge(self, name, at, error, must_fail):
        signature = self.scenario.signature
        if must_fail and error is None:
            return Result(name, False, f"bug {self.bug} to show at {at} ({self.scenario.title})",
                          "the machine stayed sane")
        if must_fail and not re.search(signature, error):
            return Result(name, False, f"bug {self.bug}'s failure ({self.scenario.title})",
                          f"another failure: {error}")
        if not must_fail and error is not None:
            return Result(name, False, f"no failure at {at}, where bug {self.bug} is fixed",
                          f"{error} (your setup breaks the fixed kernel too)")
        return Result(name, True)


class FindSchedule(Exercise):
    """Make a race show by a schedule of `scenario`'s tasks, replayed before the fix and at it."""

    kind = "find"

    def __init__(self, id, step, title, scenario, bug):
        super().__init__(id, step, title)
        self.scenario, self.bug = scenario, bug

    def grade(self, answers, hidden=False):
        from .. import scenarios
        if set(answers) != {"schedule"}:
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, schedule='...'))")
        schedule = answers["schedule"]
        if not isinstance(schedule, str):
            return self._problem(2, f"schedule must be a string of task labels like 'M3F2M'; got {schedule!r}")
        if not schedule.strip():
            return self._problem(2, "not answered yet: the schedule is empty (write the task labels, like 'M3F2M')")
        results = []
        for at, must_fail in ((self.before, True), (self.step, False)):
            name = f"at {at}, bug {self.bug} {'shows' if must_fail else 'is gone'}"
            report(self.id, name, len(results), 2)
            try:
                outcome = scenarios.run(self.scenario, at, schedule)
            except MigsimError as e:
                # At the fix, a schedule the tasks cannot follow (they wait elsewhere now) cannot fail.
                results.append(Result(name, not must_fail, f"a schedule that replays at {at}", str(e)))
                continue
            if must_fail:
                results.append(Result(name, scenarios.shows_bug(self.scenario, outcome),
                                      f"bug {self.bug} to show ({self.scenario.title})",
                                      outcome.error or "the machine stayed sane"))
            else:
                results.append(Result(name, not outcome.failed, f"no failure at {at}", outcome.error))
        return self._verdict(results, 2)


class FindEffect(Exercise):
    """Make something happen by a setup, judged by what follows: `setup(k)` builds the machine.

    At each step of `at` (default: the exercise's step) the setup gets a
    fresh kernel (`machine` are its arguments); `effect(k, returned)` then
    judges the machine and what the setup returned, raising `Wrong` when the
    effect is not there. The effect may call back into what the setup
    returned (a function that releases what it holds, say): it runs under
    the same guard.
    """

    kind = "find"

    def __init__(self, id, step, title, machine, effect, what, at=None):
        super().__init__(id, step, title)
        self.machine, self.effect, self.what = dict(machine), effect, what
        self.at = tuple(at or (step,))

    def grade(self, answers, hidden=False):
        total = len(self.at)
        if set(answers) != {"setup"}:
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, setup=...))")
        setup = answers["setup"]
        if not inspect.isfunction(setup):
            return self._problem(total, f"setup must be a function (def setup(k): ...); got {setup!r}")
        guard = Guard([setup], passes=(Wrong,))
        results = []
        for at in self.at:
            name = f"at {at}, {self.what}"
            report(self.id, name, len(results), total)
            k = Kernel(at=at, **self.machine)
            try:
                returned = guard.run(setup, k)
                guard.run(self.effect, k, returned)
            except Wrong as w:
                results.append(Result(name, False, w.expected, w.got))
            except StudentError as e:
                results.append(Result(name, False, got=f"at {at}: {e.text}", student=e.kind))
                break
            except MACHINE_FAILURES as e:
                results.append(Result(name, False, "no kernel failure", failure_text(e)))
            else:
                results.append(Result(name, True))
            finally:
                close_tasks(k, guard)
        return self._verdict(results, total)
