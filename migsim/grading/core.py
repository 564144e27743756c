"""The kinds of exercise and how each is judged.

* `Fix`: the student writes a patch's hunk. The grader builds the kernel at
  the step before the patch with the student's functions in place
  (``Kernel(at=..., patch=...)``) and runs the patch's checks on it: each
  check gets a `Maker`, `make(**kernel_args)` builds such a kernel; it raises
  `Wrong` (or lets a KernelBug out) when the behaviour is not the fixed one.
  A check that judges another step asks ``make.at_step(step)``: the same
  answer, each function put in where that step has it (a name the step
  lacks is left out there).
* `FindSetup` / `FindSchedule` / `FindEffect`: the student makes the
  unfixed kernel fail (or something happen), by a machine setup or by a
  schedule of a scenario's tasks. The grader replays it at the step before
  the fix (it must fail, and fail *by the bug*, matched by the scenario's
  signature) and at the fix (it must not). Only a failure the simulated
  kernel finds counts: a KernelBug the student's own code raises is not one.

Every check is a `Check`: its title and points written beside its code by
the `check` decorator (as gradelib's ``@test(points, "title")``). Judged is
behaviour, never text. The student's code runs under a `Guard`; a failure of
the grader's own code is reported as such, never as the student's.
"""

import hashlib
import inspect
import os
import random
import re
import sys

from .. import kbuild, steps
from ..errors import MigsimError
from ..machine import Kernel, build
from ..sched import FAILURES
from .guard import Guard, StudentError, place, student_line
from .progress import report
from .verdict import Result, Verdict

MACHINE_FAILURES = FAILURES          # the one list of what counts as the machine failing (sched.FAILURES)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GRADING = os.path.dirname(os.path.abspath(__file__))


class Wrong(Exception):
    """A check saw behaviour other than the right one: what it expected, what it got."""

    def __init__(self, expected, got):
        super().__init__(f"expected {expected}; got {got}")
        self.expected, self.got = expected, got


def expect(condition, expected, got):
    """Raise Wrong(expected, got) unless `condition` holds."""
    if not condition:
        raise Wrong(expected, got() if callable(got) else got)


class Check:
    """One check of an exercise: `title` (what it shows when it passes), `points`, and its code.

    Calling a Check calls its code, so that a chapter can build on another check's code.
    """

    def __init__(self, title, fn, points=1):
        if not callable(fn):
            raise MigsimError(f"bad check {title!r}: {fn!r} (expected a function of the Maker)")
        self.title, self.fn, self.points = title, fn, points

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return f"<check {self.title!r} ({self.points} point{'s' * (self.points != 1)})>"


def check(title, points=1):
    """Decorator: the function below is a check called `title`, worth `points`."""
    def wrap(fn):
        return Check(title, fn, points)
    return wrap


def as_check(c):
    """A Check from a Check or from a (title, function) pair."""
    return c if isinstance(c, Check) else Check(*c)


def step_before(at):
    """The id of the step just before `at` in the series."""
    return steps.IDS[steps.INDEX[at] - 1]


def failure_text(e):
    """A machine failure in one line: the kernel's own words, or the exception's name and text."""
    from ..errors import KernelBug
    return str(e) if isinstance(e, KernelBug) else f"{type(e).__name__}: {e}"


def found_by_kernel(e):
    """Was machine failure `e` raised by the simulator's own code (not by an answer, nor a grader)?

    A KernelBug that an answer raises itself, or one of its own making (a
    subclass, or raised from exec'd text), is no failure of the kernel.
    """
    if not type(e).__module__.startswith("migsim."):
        return False
    tb = e.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
    return filename.startswith(_PACKAGE + os.sep) and not filename.startswith(_GRADING + os.sep)


def kernels_own(fn):
    """(name, step) of the registered kernel function that `fn` is (the same code), or None."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    where, same = place(code), None
    for name, versions in kbuild.REGISTRY.items():
        for v in versions:
            obj = inspect.unwrap(v.obj) if callable(v.obj) else None
            c = getattr(obj, "__code__", None)
            if c is code:
                return name, v.since
            if same is None and c is not None and place(c) == where:
                same = name, v.since
    return same


class Maker:
    """make(**kernel_args): a kernel at step `at` with the answer's functions in place.

    `answer` is every function the student gave; `patch` those of them that
    step `at` has (a function the step lacks is left out: at swapless-core
    there is no remove_from_swap to replace). `at_step(step)` is the same
    answer at another step.
    """

    def __init__(self, at, answer):
        self.at, self.answer = at, dict(answer)
        have = build(at).SYMBOLS
        self.patch = {n: fn for n, fn in self.answer.items() if n in have or n.startswith("+")}
        self.cls = type(Kernel(at=at, patch=self.patch or None))   # built once (MigsimError for a bad patch)
        self._steps = {at: self}

    def __call__(self, **kernel_args):
        return self.cls(at=self.at, **kernel_args)

    def at_step(self, step):
        """A Maker at `step` with the same answer (built once per step)."""
        if step not in self._steps:
            self._steps[step] = Maker(step, self.answer)
            self._steps[step]._steps = self._steps
        return self._steps[step]


# Modules whose names a check reaches at run time: an answer that rebinds one of them changes the grader.
_SEALED = ("migsim.grading", "migsim.scenarios", "migsim.explore", "migsim.sched", "migsim.check")


class Seal:
    """What the grader's modules and classes hold, to tell (and undo) an answer's changes to them."""

    def __init__(self):
        mods = [m for name, m in sorted(sys.modules.items())
                if m is not None and any(name == s or name.startswith(s + ".") for s in _SEALED)]
        self.spaces = [(m.__name__, vars(m), dict(vars(m))) for m in mods]
        self.classes = [(c, dict(vars(c))) for c in (Check, Maker, Wrong, Result, Verdict)]

    def broken(self):
        """The names an answer rebound since the seal was made (put back as they were), or []."""
        changed = []
        for modname, space, saved in self.spaces:
            for name in set(space) | set(saved):
                if space.get(name, _GONE) is not saved.get(name, _GONE):
                    changed.append(f"{modname}.{name}")
                    if name in saved:
                        space[name] = saved[name]
                    else:
                        del space[name]
        for cls, saved in self.classes:
            for name in set(vars(cls)) | set(saved):
                if vars(cls).get(name, _GONE) is not saved.get(name, _GONE):
                    changed.append(f"{cls.__name__}.{name}")
                    if name in saved:
                        setattr(cls, name, saved[name])
                    else:
                        delattr(cls, name)
        return sorted(changed)


_GONE = object()


def tampered(c, names):
    """The Result of a check during which the answer changed the grader (it was put back)."""
    return Result(c.title, False, got=f"your code changed the grader ({', '.join(names[:3])}); an answer may "
                  f"change the kernel it is given, never the grader", student="tampered", points=c.points)


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

    def _answers(self, answers, names, example):
        """The answer's keywords must be `names` exactly (a MigsimError naming what was expected)."""
        if set(answers) != set(names):
            raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                              f"(expected grade({self.id!r}, {example}))")


def run_check(guard, c, *args):
    """Check `c` under the guard, as a Result (what failed, and whose failure it was)."""
    try:
        guard.run(c.fn, *args)
    except Wrong as w:
        return Result(c.title, False, w.expected, w.got, points=c.points)
    except StudentError as e:
        return Result(c.title, False, got=e.text, student=e.kind, points=c.points)
    except MACHINE_FAILURES as e:
        return Result(c.title, False, "no kernel failure", failure_text(e), points=c.points)
    except MigsimError as e:
        if student_line(e.__traceback__, guard.codes) is not None:      # the answer misused the simulator
            return Result(c.title, False, got=guard.describe(e), student="raised", points=c.points)
        return grader_failed(c, e)
    return Result(c.title, True, points=c.points)


def grader_failed(c, e):
    """The Result of a check whose own code failed: said as the grader's error, not the answer's."""
    return Result(c.title, False, got=f"the grader's own check failed ({type(e).__name__}: {e}); this is not "
                  f"your answer's fault: please report it", student="grader", points=c.points)


class Fix(Exercise):
    """Write the hunk of patch `step`: `functions` are the names the student supplies.

    `checks` and `hidden` are lists of `Check`s; hidden ones run only with
    ``grade(..., hidden=True)`` (nbgrader's hidden tests; ``hidden="only"``
    runs them alone). `results` maps a function name to (is_ok(value),
    "what it must return"). `at` is the step whose kernel the answer goes
    into: the step before the patch unless given (a patch that adds a
    function is graded at its own step, the student's version replacing the
    registered one); `also_at` are further steps the checks judge, where a
    function of the answer that `at` lacks may live. `adapt` is for a patch
    that changes a function's parameters: it maps the name to (the
    parameters the answer takes, wrap), where wrap(answer) is a function
    with the parameters of the version at the step before. With `any_of`,
    the student gives any non-empty subset of `functions` (a fix that may
    live in one of several places); the others stay the kernel's.
    `seconds` is each check's time limit (longer for checks that explore).
    """

    kind = "fix"

    def __init__(self, id, step, title, functions, checks, hidden=(), results=None, at=None, adapt=None,
                 any_of=False, seconds=None, also_at=()):
        super().__init__(id, step, title)
        if at is not None:
            kbuild.step_index(at)                 # UnknownStep for a bad id
        self.at = self.before = self.before if at is None else at
        self.also_at = tuple(also_at)
        self.functions = tuple(functions)
        self.checks, self.hidden = [as_check(c) for c in checks], [as_check(c) for c in hidden]
        self.results = dict(results or {})
        self.adapt = dict(adapt or {})
        self.any_of, self.seconds = any_of, seconds

    def grade(self, answers, hidden=False):
        if hidden not in (False, True, "only"):
            raise MigsimError(f"bad hidden: {hidden!r} (expected False, True, or 'only' for the hidden checks alone)")
        # "only": a solution notebook that has just run the visible checks need not run them twice.
        checks = self.hidden if hidden == "only" else self.checks + (self.hidden if hidden else [])
        total = sum(c.points for c in checks)
        wanted = ", ".join(f"{n}=..." for n in self.functions)
        if self.any_of:
            if not answers or not set(answers) <= set(self.functions):
                raise MigsimError(f"bad answer for exercise {self.id}: {sorted(answers)} "
                                  f"(expected grade({self.id!r}, ...) with one or more of {wanted})")
        else:
            self._answers(answers, self.functions, wanted)
        patch, problem = {}, None
        for name in answers:
            problem = problem or self._not_usable(name, answers[name])
            patch[name] = answers[name]
            if problem is None and name in self.adapt:
                patch[name] = self.adapt[name][1](answers[name])
        guard = Guard(answers.values(), passes=(Wrong, MigsimError),
                      **({} if self.seconds is None else {"seconds": self.seconds}))
        if problem is None:
            try:
                make = Maker(self.at, {name: guard.wrap(self._checked(name, fn)) for name, fn in patch.items()})
            except MigsimError as e:
                problem = str(e)
        if problem is not None:
            return self._problem(total, problem)
        results, seal = [], Seal()
        for index, c in enumerate(checks):
            report(self.id, c.title, index, len(checks))
            result = run_check(guard, c, make)
            changed = seal.broken()
            if changed:
                result = tampered(c, changed)
            results.append(result)
            if result.student in ("loops", "not answered", "tampered"):
                break                          # it loops, is not answered, or cheats: no use going on
        return self._verdict(results, total)

    def _original(self, name):
        """The kernel's own `name` where the answer goes (at `at`, else the first of `also_at` with it)."""
        for at in (self.at, *self.also_at):
            v = build(at).SYMBOLS.get(name)
            if v is not None:
                return v
        return None

    def _not_usable(self, name, fn):
        """Why `fn` cannot stand in for kernel function `name` at all (None if it can)."""
        if not inspect.isfunction(fn):
            return f"{name} must be a function (def {name}(k, ...)); got {fn!r}"
        own = kernels_own(fn)
        if own is not None:
            return (f"your {name} is the kernel's own {own[0]} (as registered at {own[1]}), not an answer: "
                    f"write {name} in your cell")
        if name in self.adapt:
            params = tuple(inspect.signature(fn).parameters)
            wanted = self.adapt[name][0]
            if params != tuple(wanted):
                return f"{name} must take ({', '.join(wanted)}), as after the patch; yours takes ({', '.join(params)})"
        original = self._original(name)
        if original is None:
            steps_ = " or ".join((self.at, *self.also_at))
            return f"{name} is no kernel function at {steps_}: expected one of {', '.join(self.functions)}"
        if inspect.isgeneratorfunction(original.obj) != inspect.isgeneratorfunction(fn):
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


# --- seeded variants: a find that would be a copy gets one of its own per student --------------

class Variant:
    """One student's variant of a find exercise: its parameters, the words that state it, its objects.

    ``variant.own``, ``variant.scenario``: a parameter or an object by name.
    Printed, it says the variant in words. Made by `seeded`, the same for
    the same student id everywhere (a hash of the id, never Python's
    per-process ``hash``).
    """

    def __init__(self, exercise, student, params, text, objects=None):
        self.exercise, self.student, self.params, self.text = exercise, student, params, text
        self.objects = dict(objects or {})

    def __getattr__(self, name):
        if name.startswith("_") or name in ("params", "objects"):
            raise AttributeError(name)
        if self.params is None:
            raise MigsimError(f"no variant of exercise {self.exercise} yet: {self.text}")
        if name in self.params:
            return self.params[name]
        if name in self.objects:
            return self.objects[name]
        raise AttributeError(f"variant of {self.exercise} has no {name!r} "
                             f"(it has {', '.join([*self.params, *self.objects])})")

    def __eq__(self, other):
        return isinstance(other, Variant) and (self.exercise, self.params) == (other.exercise, other.params)

    def __hash__(self):
        return hash((self.exercise, tuple(sorted((self.params or {}).items()))))

    def __str__(self):
        if self.params is None:
            return f"Exercise {self.exercise}: {self.text}"
        return f"Exercise {self.exercise}, the variant of student {self.student!r}: {self.text}"

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


NO_STUDENT = ("not answered yet: set student to your student id (a string like 's1234567'); "
              "it chooses your variant")


def check_student(exercise_id, student):
    """`student` as given: a MigsimError unless it is a string (None and "" mean: not given yet)."""
    if student is None:
        return ""
    if not isinstance(student, str):
        raise MigsimError(f"bad student for exercise {exercise_id}: {student!r} (expected your student id "
                          f"as a string, like 's1234567')")
    return str.__str__(student).strip()


def student_seed(exercise_id, student):
    """The seed of `student`'s variant of `exercise_id`: a stable hash of both (the same on every machine)."""
    digest = hashlib.sha256(f"migsim {exercise_id} {student}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Seeded:
    """What a find with variants has: `variants` (parameter dicts), `describe(params)` and `objects(params)`.

    A student's variant is `variants[seed % len(variants)]`, the seed from
    their id (`student_seed`); the hidden checks also try `others` of the
    other variants, chosen by the same seed.
    """

    variants = ()
    others = 2

    def seeded(self, variants, describe, objects=None):
        self.variants = tuple(dict(v) for v in variants)
        if not self.variants:
            raise MigsimError(f"exercise {self.id}: no variants")
        self.describe, self.make_objects = describe, objects or (lambda params: {})
        return self

    def variant(self, student):
        """The Variant of `student` (a string; "" gives a Variant that says to set it)."""
        student = check_student(self.id, student)
        if not student:
            return Variant(self.id, student, None, NO_STUDENT)
        params = self.variants[student_seed(self.id, student) % len(self.variants)]
        return self.of(params, student)

    def of(self, params, student=""):
        """The Variant with `params` (one of `variants`)."""
        return Variant(self.id, student, dict(params), self.describe(params), self.make_objects(params))

    def hidden_variants(self, mine):
        """`others` variants other than `mine`, chosen from the student's seed: for nbgrader's hidden checks."""
        rest = [v for v in self.variants if v != mine.params]
        rng = random.Random(student_seed(self.id + " hidden", mine.student))
        return [self.of(v, mine.student) for v in rng.sample(rest, min(self.others, len(rest)))]

    def take_student(self, answers, total, names, example):
        """(the answer without `student`, the student's Variant, None), or a Verdict as the third saying
        what is missing. The answer's other keywords must be `names` (a MigsimError, as `_answers`)."""
        answers = dict(answers)
        if not self.variants:
            self._answers(answers, names, example)
            return answers, None, None
        student = answers.pop("student", None)
        self._answers(answers, names, f"student='...', {example}")
        v = self.variant(student)
        if v.params is None:
            return answers, None, self._problem(total, NO_STUDENT)
        return answers, v, None


def machine_failure(e, guard):
    """The text of machine failure `e` if the kernel found it; StudentError if the answer raised it itself."""
    if not found_by_kernel(e):
        where = student_line(e.__traceback__, guard.codes)
        at = f" (line {where[1]} of your cell, in {where[0]})" if where else ""
        raise StudentError(f"your code raised {type(e).__name__} itself{at}: only a failure the kernel "
                           f"finds counts", "raised") from None
    return failure_text(e)


def play(k, setup, guard):
    """Run the student's `setup(k)`, then every task it started (checking after each point).

    Returns the machine failure's text, or None if the machine stayed sane.
    StudentError comes out if the student's code raised or looped (or raised
    a KernelBug of its own).
    """
    from .. import sched

    def work():
        setup(k)
        sched.run(k, after_step=k.check)
        k.check()

    try:
        guard.run(work)
    except MACHINE_FAILURES as e:
        return machine_failure(e, guard)
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


def _setup_of(exercise, answers, total):
    """The answer's setup function, or a Verdict saying why there is none (its keywords checked before)."""
    setup = answers["setup"]
    if not inspect.isfunction(setup):
        return None, exercise._problem(total, f"setup must be a function (def setup(k): ...); got {setup!r}")
    return setup, None


def bind(setup, variant):
    """The student's setup as a function of the kernel alone: `setup(k, variant)` gets its variant."""
    try:
        wants = len([p for p in inspect.signature(setup).parameters.values()
                     if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        wants = 1
    if variant is None or wants < 2:
        return setup
    return lambda k: setup(k, variant)


def variants_to_grade(exercise, mine, hidden):
    """The variants a grade judges: the student's, and with `hidden` a few others ("only": those alone)."""
    if mine is None:
        return [None]
    others = exercise.hidden_variants(mine) if hidden else []
    return others if hidden == "only" else [mine, *others]


def for_variant(title, variant, mine):
    """A check's title, naming the variant when it is not the student's own (a hidden check's)."""
    return title if variant is None or variant is mine else f"{title} [another variant: {variant.text}]"


class FindSetup(Seeded, Exercise):
    """Make bug `scenario` show by a setup: `setup(k)` builds the machine and migrates.

    The setup gets a fresh kernel (`machine` are its arguments) at the step
    before the fix, where the bug must show (by its scenario's signature),
    and at the fix, where the same setup must leave the machine sane.
    `extra` are further checks of the setup, each ``check(exercise, setup,
    guard, variant)`` (raising Wrong), run after those two and with them.
    With variants (`seeded`), the answer names its `student` and the setup
    may take the variant too (``setup(k, variant)``); `prepare(k, variant)`
    makes the variant's machine before the setup runs. Hidden checks judge
    the same setup on other variants.
    """

    kind = "find"

    def __init__(self, id, step, title, scenario, machine, bug, extra=(), prepare=None):
        super().__init__(id, step, title)
        self.scenario, self.machine, self.bug = scenario, dict(machine), bug
        self.extra = [as_check(c) for c in extra]
        self.prepare = prepare

    def kernel(self, at, variant=None, cls=None):
        """A fresh kernel at `at` for the setup: the exercise's machine, made the variant's by `prepare`."""
        k = (cls or Kernel)(at=at, **self.machine)
        if self.prepare is not None:
            self.prepare(k, variant)
        return k

    def checks(self, variant=None, mine=None):
        def shows(setup, guard):
            return self._play(setup, guard, True, variant)

        def gone(setup, guard):
            return self._play(setup, guard, False, variant)

        made = [Check(f"at {self.before}, bug {self.bug} shows", shows),
                Check(f"at {self.step}, bug {self.bug} is gone", gone)]
        for c in self.extra:
            made.append(Check(c.title, (lambda c: lambda setup, guard: c.fn(setup, guard, variant))(c), c.points))
        for c in made:
            c.title = for_variant(c.title, variant, mine)
        return made

    def grade(self, answers, hidden=False):
        total = sum(c.points for c in self.checks())
        answers, mine, problem = self.take_student(answers, total, ("setup",), "setup=...")
        if problem is not None:
            return problem
        setup, problem = _setup_of(self, answers, total)
        if problem is not None:
            return problem
        checks = [(c, bind(setup, v)) for v in variants_to_grade(self, mine, hidden) for c in self.checks(v, mine)]
        total = sum(c.points for c, _ in checks)
        guard = Guard([setup], passes=(Wrong,))
        results, seal = [], Seal()
        for index, (c, bound) in enumerate(checks):
            report(self.id, c.title, index, len(checks))
            try:
                c.fn(bound, guard)
            except Wrong as w:
                result = Result(c.title, False, w.expected, w.got, points=c.points)
            except StudentError as e:
                result = Result(c.title, False, got=e.text, student=e.kind, points=c.points)
            except MigsimError as e:
                result = grader_failed(c, e)
            else:
                result = Result(c.title, True, points=c.points)
            changed = seal.broken()
            results.append(tampered(c, changed) if changed else result)
            if results[-1].student:
                break                          # it raised, loops or cheats, or the grader failed: stop here
        return self._verdict(results, total)

    def _play(self, setup, guard, must_fail, variant=None):
        at = self.before if must_fail else self.step
        try:
            error = play(self.kernel(at, variant), setup, guard)
        except StudentError as e:
            raise StudentError(f"at {at}: {e.text}", e.kind) from None
        if must_fail and error is None:
            raise Wrong(f"bug {self.bug} to show at {at} ({self.scenario.title})", "the machine stayed sane")
        if must_fail and not re.search(self.scenario.signature, error):
            raise Wrong(f"bug {self.bug}'s failure ({self.scenario.title})", f"another failure: {error}")
        if not must_fail and error is not None:
            raise Wrong(f"no failure at {at}, where bug {self.bug} is fixed",
                        f"{error} (your setup breaks the fixed kernel too)")


class FindSchedule(Seeded, Exercise):
    """Make a race show by a schedule of `scenario`'s tasks, replayed before the fix and at it.

    With variants (`seeded`), the answer names its `student`, and the
    schedule is replayed on that student's variant's scenario
    (``variant.scenario``), never on `scenario` itself.
    """

    kind = "find"

    def __init__(self, id, step, title, scenario, bug):
        super().__init__(id, step, title)
        self.scenario, self.bug = scenario, bug

    def grade(self, answers, hidden=False):
        from .. import sched
        answers, mine, problem = self.take_student(answers, 2, ("schedule",), "schedule='...'")
        if problem is not None:
            return problem
        scenario = self.scenario if mine is None else mine.scenario
        schedule = answers["schedule"]
        if not isinstance(schedule, str):
            return self._problem(2, f"schedule must be a string of task labels like 'M3F2M'; got {schedule!r}")
        schedule = str.__str__(schedule)       # a plain copy: a str subclass's own methods never run here
        if not schedule.strip():
            return self._problem(2, "not answered yet: your schedule is empty (write the moves of M and F)")
        try:
            sched.parse(schedule)
        except MigsimError as e:
            return self._problem(2, str(e))
        results = []
        for index, (at, must_fail) in enumerate(((self.before, True), (self.step, False))):
            name = f"at {at}, bug {self.bug} {'shows' if must_fail else 'is gone'}"
            report(self.id, name, index, 2)
            failed, error, stops, applies = replay_schedule(scenario, at, schedule)
            if not applies:
                # At the fix, a schedule the tasks cannot follow (they wait elsewhere now) cannot fail.
                results.append(Result(name, not must_fail, f"a schedule that replays at {at}", error))
            elif must_fail:
                shows = failed and bool(re.search(scenario.signature, error))
                got = (f"another failure: {error}" if failed else
                       f"the machine stayed sane; your schedule {stops}")
                results.append(Result(name, shows, f"bug {self.bug} to show ({scenario.title})", got))
            else:
                results.append(Result(name, not failed, f"no failure at {at}", error))
        return self._verdict(results, 2)


def replay_schedule(scenario, at, schedule):
    """Replay `schedule` on `scenario` at `at`, move by move: (failed, error, where it stopped, applies).

    "Where it stopped" says, for each move, where its task then stood (the
    kernel function, the point, and for a move up to a point, which call of
    that function it met), then that the tasks ran on to their end.
    """
    from .. import sched
    k, ctx = scenario.build(at)
    calls = {}                                # (label, function) -> calls entered so far
    inside = {}

    def count():
        for t in k.tasks:
            names = set(t.stack()) if not t.done and t.point is not None else set()
            was = inside.get(t.label, set())
            for name in names - was:
                calls[(t.label, name)] = calls.get((t.label, name), 0) + 1
            inside[t.label] = names
        k.check()

    said = []
    points = sched.by_points(schedule)
    try:
        for move in sched.parse(schedule):
            # One move at a time (each move of a schedule starts from where the last one left off).
            sched.replay(k, f"{move} " if points else str(move), after_step=count)
            t = k.task(move.label)
            if t.done:
                said.append(f"{move} ran {t.label} to its end")
                continue
            fn, point = t.where()
            called = move.point and move.point in t.stack()
            nth = f" (call {calls.get((t.label, move.point), 0)} of it)" if called else ""
            said.append(f"{move} left {t.label} at {point} in {fn}{nth}")
        sched.run(k, after_step=count)
        scenario.finish(k, ctx)
    except sched.DoesNotApply as e:
        return False, str(e), "", False
    except FAILURES as e:
        return True, failure_text(e), "", True
    return False, "", "; ".join(said) + "; then the tasks ran to their end", True


class FindEffect(Seeded, Exercise):
    """Make something happen by a setup, judged by what follows: `setup(k)` builds the machine.

    At each step of `at` (default: the exercise's step) the setup gets a
    fresh kernel (`machine` are its arguments); `effect(k, returned)` then
    judges the machine and what the setup returned, raising `Wrong` when the
    effect is not there. The effect may call back into what the setup
    returned (a function that releases what it holds, say): it runs under
    the same guard. With variants (`seeded`), the answer names its
    `student`, the setup may take the variant (``setup(k, variant)``) and
    the effect is ``effect(k, returned, variant)``; hidden checks judge the
    same setup on other variants.
    """

    kind = "find"

    def __init__(self, id, step, title, machine, effect, what, at=None):
        super().__init__(id, step, title)
        self.machine, self.effect, self.what = dict(machine), effect, what
        self.at = tuple(at or (step,))

    def grade(self, answers, hidden=False):
        answers, mine, problem = self.take_student(answers, len(self.at), ("setup",), "setup=...")
        if problem is not None:
            return problem
        setup, problem = _setup_of(self, answers, len(self.at))
        if problem is not None:
            return problem
        runs = [(v, at) for v in variants_to_grade(self, mine, hidden) for at in self.at]
        total = len(runs)
        guard = Guard([setup], passes=(Wrong,))
        results, seal = [], Seal()
        for variant, at in runs:
            name = for_variant(f"at {at}, {self.what}", variant, mine)
            report(self.id, name, len(results), total)
            k = Kernel(at=at, **self.machine)
            effect_args = () if variant is None else (variant,)
            try:
                returned = guard.run(bind(setup, variant), k)
                guard.run(self.effect, k, returned, *effect_args)
            except Wrong as w:
                results.append(Result(name, False, w.expected, w.got))
            except StudentError as e:
                results.append(Result(name, False, got=f"at {at}: {e.text}", student=e.kind))
                break
            except MACHINE_FAILURES as e:
                try:
                    results.append(Result(name, False, "no kernel failure", machine_failure(e, guard)))
                except StudentError as s:
                    results.append(Result(name, False, got=f"at {at}: {s.text}", student=s.kind))
                    break
            else:
                results.append(Result(name, True))
            finally:
                close_tasks(k, guard)
            changed = seal.broken()
            if changed:
                results[-1] = tampered(Check(name, self.effect), changed)
                break
        return self._verdict(results, total)


# --- predictions ------------------------------------------------------------------------

NOT_ANSWERED = "not answered yet: set your answer (replace the ...) before you grade it"
NOT_THAT = "not that; read the reveal after you have tried"
LONGEST_ANSWER = 200           # characters: a longer string is no prediction (and is never compared)


def plain_answer(answer, choices):
    """`answer` as a plain int or str (lower case, stripped), or a MigsimError saying what was expected.

    Only the base types' own methods run on it (``int.__int__``, ``str.__str__``),
    and its type is read with ``type()``: an answer's own ``__eq__``, ``__int__``,
    ``__class__`` or ``__str__`` never runs, so none can pass by saying it is equal.
    `choices` are the plain values allowed (None: any int; numpy's own integer
    scalars count). For a yes/no choice True and False stand for "yes" and "no".
    """
    wanted = ("an int" if choices is None else
              "one of " + ", ".join(repr(c) for c in choices))
    kind = type(answer)
    if issubclass(kind, bool) and choices is not None and set(choices) == {"yes", "no"}:
        return "yes" if int.__int__(answer) else "no"
    numpy = sys.modules.get("numpy")
    if issubclass(kind, int) and not issubclass(kind, bool):
        value = int.__int__(answer)
    elif numpy is not None and issubclass(kind, numpy.integer) and kind.__module__ == "numpy":
        value = int(answer)               # numpy's own scalar types only (not a subclass): its int() is numpy's
    elif issubclass(kind, str) and choices is not None:
        text = str.__str__(answer)
        if len(text) > LONGEST_ANSWER:
            raise MigsimError(f"your answer is a string of {len(text)} characters; expected {wanted}")
        value = text.strip().lower()
    else:
        raise MigsimError(f"your answer is of type {str(kind.__name__)[:40]}; expected {wanted}")
    if choices is not None and value not in choices:
        raise MigsimError(f"your answer {shown(value)} is not one of the choices; expected {wanted}")
    return value


def shown(value):
    """A plain int or str, shown short (a huge int is never turned into its digits)."""
    if type(value) is int:
        return repr(value) if -10**18 < value < 10**18 else f"(an int of {value.bit_length()} bits)"
    return repr(value) if len(value) < 50 else repr(value[:47]) + "..."


class Predict(Exercise):
    """A prediction, graded: the student answers a value or a choice, ``grade(id, answer=...)``.

    `expected()` computes the right answer by running the simulator (never a
    value typed in here): a plain int, or one of `choices` (plain strs or
    ints). The answer is made plain first (`plain_answer`), so an object that
    claims equality with everything does not pass. A wrong answer's verdict
    never says the right one: the chapter's reveal does, once the student has
    tried. Worth `points` (1).
    """

    kind = "predict"

    def __init__(self, id, step, title, expected, choices=None, points=1):
        super().__init__(id, step, title)
        self.before = step                     # a prediction is about one step: built there alone
        if not callable(expected):
            raise MigsimError(f"bad prediction {id}: {expected!r} (expected a function that runs the simulator)")
        self.expected, self.points = expected, points
        self.choices = None if choices is None else tuple(choices)

    def grade(self, answers, hidden=False):
        self._answers(answers, ("answer",), "answer=...")
        answer = answers["answer"]
        if answer is None or answer is Ellipsis:
            return self._problem(self.points, NOT_ANSWERED)
        try:
            value = plain_answer(answer, self.choices)
        except MigsimError as e:
            return self._problem(self.points, str(e))
        report(self.id, self.title, 0, 1)
        try:
            right = self.expected()
        except Exception as e:                 # the grader's own computation: never the student's fault
            return self._verdict([grader_failed(Check(self.title, self.expected, self.points), e)], self.points)
        if self.choices is not None and right not in self.choices:
            return self._verdict([grader_failed(Check(self.title, self.expected, self.points),
                                                MigsimError(f"computed {right!r}, not a choice"))], self.points)
        if type(value) is type(right) and value == right:
            return self._verdict([Result(self.title, True, points=self.points)], self.points)
        return self._verdict([Result(self.title, False, got=NOT_THAT, points=self.points)], self.points)
