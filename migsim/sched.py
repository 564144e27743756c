"""CPUs, tasks and named scheduling points (the simulator's kernel/sched.c).

A kernel path that may sleep is a generator. It ``yield``s a `Point` where
another CPU may run (a lock taken, a page lock waited on, the next vma of an
rmap walk, the next pte of a copy ...). A `Task` runs one such path on its own
CPU and stops at each point, so that paths on several CPUs interleave only
there. A `Wait` is a point at which the task cannot go on until its condition
holds; a blocked task says what it waits on.

The scheduler is here too: `ready(k)` (who can run), `replay(k, schedule)`
(a schedule of task letters, or of scheduling points: see `parse`) and
`run(k)` (let the ready tasks finish), and `FAILURES`, the one list of what
ends a run as a failure, used by the scenarios, the explorer and the widgets.

Simplified: one task per CPU, no preemption between points, no timer.
"""

import re
from dataclasses import dataclass

from .errors import KernelBug, OutOfMemory, SegmentationFault, TaskError, bad_value

# What ends a run of a scenario as a failure (scenarios.run, the explorer, the
# widgets). A KernelBug is the simulated kernel's own; a SegmentationFault is
# a process losing memory it had mapped. OutOfMemory counts too: a
# scenario's machine is sized for what it does, so running out there means
# pages were leaked, and left uncaught it would end a whole exploration
# instead of marking one schedule. (In a random workload, such as the
# Hypothesis walks, running out is a fair answer of the kernel, not a bug.)
FAILURES = (KernelBug, SegmentationFault, OutOfMemory)


class Point:
    """A named place where the CPU may switch; `objs` are what it touches."""

    __slots__ = ("name", "objs")

    def __init__(self, name, objs=()):
        self.name, self.objs = name, objs

    blocked = False

    def describe(self):
        """The point's name and what it touches first, e.g. 'spin_lock &anon_vma1->lock'."""
        if not self.objs:
            return self.name
        first = self.objs[0]
        if type(first).__name__ in ("SpinLock", "RWSem"):
            return f"{self.name} &{first.name}"
        if hasattr(first, "pfn"):
            return f"{self.name} pfn 0x{first.pfn:x}"
        return self.name

    def __repr__(self):
        return f"<point {self.describe()}>"


class Wait(Point):
    """A point the task cannot leave until `until()` is true."""

    __slots__ = ("until", "what")

    def __init__(self, name, what, until, objs=()):
        super().__init__(name, objs)
        self.what, self.until = what, until

    @property
    def blocked(self):
        return not self.until()

    def __repr__(self):
        return f"<wait {self.name} on {self.what}>"


def sched(name, *objs):
    """A scheduling point called `name` touching `objs`."""
    return Point(name, objs)


def expand(schedule):
    """'M3F2M' -> 'MMMFFM': a label followed by a count stands for that many steps."""
    if not isinstance(schedule, str) or schedule[:1].isdigit():
        raise bad_value("schedule", schedule, "a string of task labels, each maybe followed by a count, "
                                              "such as 'M85F7M6F2M'")
    out, i = [], 0
    while i < len(schedule):
        label, j = schedule[i], i + 1
        while j < len(schedule) and schedule[j].isdigit():
            j += 1
        out.append(label * (int(schedule[i + 1:j]) if j > i + 1 else 1))
        i = j
    return "".join(out)


def compress(schedule):
    """'MMMFFM' -> 'M3F2M': the short form of a schedule (expand() reads it back)."""
    out, i = [], 0
    while i < len(schedule):
        j = i
        while j < len(schedule) and schedule[j] == schedule[i]:
            j += 1
        out.append(schedule[i] + (str(j - i) if j - i > 1 else ""))
        i = j
    return "".join(out)


def innermost(gen):
    """The innermost generator frame of a chain of ``yield from``."""
    while True:
        inner = getattr(gen, "gi_yieldfrom", None)
        if inner is None or not hasattr(inner, "gi_code"):
            return gen
        gen = inner


def where(gen, names=None):
    """(function name, line) where a suspended kernel path stands.

    With `names` (the kernel's symbols), lock helpers and nested closures are
    skipped: the answer is the innermost kernel function of the chain.
    """
    found = None
    g = gen
    while g is not None and hasattr(g, "gi_code"):
        if g.gi_frame is not None and (names is None or g.gi_code.co_name in names):
            found = (g.gi_code.co_name, g.gi_frame.f_lineno)
        g = getattr(g, "gi_yieldfrom", None)
    return found or ("(finished)", 0)


def stack(gen, names):
    """The kernel functions of a suspended path, outermost first."""
    out = []
    g = gen
    while g is not None and hasattr(g, "gi_code"):
        if g.gi_frame is not None and g.gi_code.co_name in names:
            out.append(g.gi_code.co_name)
        g = getattr(g, "gi_yieldfrom", None)
    return out


class Task:
    """A kernel path on its own CPU, stepped one scheduling point at a time."""

    def __init__(self, kernel, gen, label, current, name):
        self.k, self.gen, self.label = kernel, gen, label
        self.current, self.name = current, name
        self.cpu = len(kernel.tasks)
        self.point = None      # the point it stopped at; None before the first step
        self.done = False
        self.result = None
        self.oops = None       # the KernelBug that killed it, if any
        self.steps = 0

    @property
    def blocked(self):
        """True if the task waits and its condition does not hold yet."""
        return not self.done and self.point is not None and self.point.blocked

    @property
    def state(self):
        if self.oops is not None:
            return "oopsed"
        if self.done:
            return "done"
        return "blocked" if self.blocked else "ready"

    def waits_on(self):
        """What a blocked task waits on, as text ('' if it is not blocked)."""
        return f"{self.point.name} on {self.point.what}" if self.blocked else ""

    def where(self):
        """The kernel function the task is in, and the point's name."""
        if self.done:
            return ("(done)", self.state)
        if self.point is None:
            return (self.name, "(not started)")
        return (where(self.gen, self.k.SYMBOLS)[0], self.point.describe())

    def stack(self):
        """The kernel functions the task is in, outermost first ([] when not running)."""
        return [] if self.done or self.point is None else stack(self.gen, self.k.SYMBOLS)

    def step(self):
        """Run to the next scheduling point; return it (None when finished)."""
        if self.done:
            raise TaskError(f"task {self.label} ({self.name}) has finished ({self.state}); "
                            f"runnable tasks: {self.k.runnable_labels() or 'none'}")
        if self.blocked:
            raise TaskError(f"task {self.label} ({self.name}) is blocked: it waits in "
                            f"{self.waits_on()}; runnable tasks: {self.k.runnable_labels() or 'none'}")
        k = self.k
        saved = k.current, k.running
        k.current, k.running = self.current, self
        try:
            self.point = self.gen.send(None)
        except StopIteration as stop:
            self.done, self.result, self.point = True, stop.value, None
        except KernelBug as bug:
            self.done, self.oops, self.point = True, bug, None
            raise
        except Exception:
            # The path ended with the process's own failure (OutOfMemory,
            # SegmentationFault): it is over, and no longer in flight.
            self.done, self.point = True, None
            raise
        finally:
            k.current, k.running = saved
            self.steps += 1
            k.schedule += self.label
        return self.point

    def run(self):
        """Step until finished (or blocked); return the result."""
        while not self.done and not self.blocked:
            self.step()
        return self.result

    def __repr__(self):
        head = f"<task {self.label} {self.name} on cpu{self.cpu}: {self.state}"
        if self.oops is not None:
            return f"{head}: {self.oops}>"
        if self.done:
            return f"{head}, returned {self.result!r}>"
        fn, point = self.where()
        extra = f", waits in {self.waits_on()}" if self.blocked else ""
        return f"{head} at {point} in {fn}{extra}>"


# --- the scheduler ------------------------------------------------------------

class DoesNotApply(TaskError):
    """A schedule names a task that cannot run (finished, blocked) or a point its task never meets.

    `ran` is the part of the schedule that did run, as task letters; the
    message says where and why it stopped.
    """

    def __init__(self, message, ran):
        super().__init__(message)
        self.ran = ran


@dataclass(frozen=True)
class Move:
    """One move of a schedule: run task `label` `count` steps, or up to a point.

    With `point`, the task runs until it reaches `point` (``at``: it stops at a
    scheduling point of that name, or inside the kernel function of that name)
    or until it has passed it (not ``at``: it was there and has left it), for
    the `nth` time in this move; a bare label in a point schedule runs the task
    as far as it goes (done, or blocked).
    """

    label: str
    count: int = 1
    point: str = None
    at: bool = False
    nth: int = 1
    to_end: bool = False

    def __str__(self):
        if self.to_end:
            return self.label
        if self.point is None:
            return self.label + (str(self.count) if self.count > 1 else "")
        return f"{self.label}{'@' if self.at else ':'}{self.point}" + (f"#{self.nth}" if self.nth > 1 else "")


_LETTERS = re.compile(r"(?:\D\d*)*")     # any label here; an unknown one is named by k.task()
_MOVE = re.compile(r"([A-Za-z])(?:([:@])([A-Za-z_][A-Za-z0-9_]*)(?:#([1-9]\d*))?)?")


def parse(schedule):
    """The moves of a schedule, in one of two forms.

    Letters: "M85F7M6F2M" (a label, then maybe a count: that many steps).
    Points: moves separated by spaces, "M@remove_migration_ptes#2 F@copy_one_pte M F":
    ``L@name`` runs task L until it reaches `name` (a scheduling point or a
    kernel function), ``L:name`` until it has passed it (``L:name#2``: the
    second time), a bare ``L`` as far as it goes. A move whose task blocks on
    the way ends there; the next move goes on from that state (a move whose
    task cannot run at its start does not apply, as in a letter schedule). A letter
    schedule replays one exact interleaving of one build; a point schedule
    says what the interleaving means, so it replays at every step of the
    series where those points exist.
    """
    if not isinstance(schedule, str):
        raise bad_value("schedule", schedule, "a string of task labels such as 'M85F9M', or of "
                        "points such as 'F:anon_vma_link M F'")
    if not by_points(schedule):
        if not _LETTERS.fullmatch(schedule):
            raise bad_value("schedule", schedule, "task labels, each maybe followed by a count ('M3F2M')")
        return [Move(m[0], int(m[1:] or 1)) for m in re.findall(r"\D\d*", schedule)]
    moves = []
    for word in schedule.split():
        m = _MOVE.fullmatch(word)
        if m is None:
            raise bad_value("schedule move", word, "L (run task L as far as it goes), L@name (until it "
                            "reaches name), L:name (until it has passed it), maybe with #n (the nth time)")
        label, sep, point, nth = m.groups()
        moves.append(Move(label, point=point, at=sep == "@", nth=int(nth or 1), to_end=point is None))
    return moves


def by_points(schedule):
    """Is `schedule` (a str) written by scheduling points rather than task letters?"""
    return any(c in schedule for c in " :@")


def ready(k):
    """The tasks of `k` that can run now, in start order."""
    return [t for t in k.tasks if not t.done and not t.blocked]


def _cannot_run(t, move, ran):
    why = f"has finished ({t.state})" if t.done else f"is blocked: it waits in {t.waits_on()}"
    return DoesNotApply(f"the schedule does not apply at this step: move {move} stops after "
                        f"{compress(ran) or '(no steps)'}: task {t.label} ({t.name}) {why}; runnable: "
                        f"{''.join(x.label for x in ready(t.k)) or 'none'}", compress(ran))


def _is_at(t, name):
    """Does task `t` stand at scheduling point `name`, or inside kernel function `name`?"""
    return t.point is not None and (t.point.name == name or name in t.stack())


def replay(k, schedule, after_step=None):
    """Run `schedule` (see `parse`) on the tasks of `k`; the letters it ran, compressed.

    `after_step()` runs after every step (the callers check the invariants
    there). A move that names a task that cannot run, or a point its task
    never meets, raises DoesNotApply; a failure of the kernel propagates.
    """
    moves = parse(schedule)
    for move in moves:
        k.task(move.label)                    # an unknown label is a mistake, before any step
    ran = []

    def step(t):
        t.step()
        ran.append(t.label)
        if after_step is not None:
            after_step()

    for move in moves:
        t = k.task(move.label)
        if t.done or t.blocked:
            raise _cannot_run(t, move, ran)
        if move.point is None and not move.to_end:
            for i in range(move.count):
                if i and (t.done or t.blocked):
                    raise _cannot_run(t, move, ran)
                step(t)
            continue
        met = 0
        while not t.done and not t.blocked and (move.to_end or met < move.nth):
            was = _is_at(t, move.point) if move.point else False
            step(t)
            now = not t.done and move.point is not None and _is_at(t, move.point)
            met += (now and not was) if move.at else (was and not now)
        if not move.to_end and met < move.nth and t.done:
            raise DoesNotApply(f"the schedule does not apply at this step: move {move}: task "
                               f"{t.label} ({t.name}) finished after {compress(ran)} without "
                               f"{'reaching' if move.at else 'passing'} {move.point}"
                               f"{f' {move.nth} times' if move.nth > 1 else ''} (no scheduling point "
                               f"or kernel function of that name on its way)", compress(ran))
    return compress("".join(ran))


def run(k, pick=None, after_step=None, tasks=None):
    """Step the ready tasks, `pick(ready)` choosing (default: the first), until none can run.

    With `tasks`, only those of the tasks run (the others stay where they
    are). The letters it ran, compressed. Tasks left over are blocked (a
    deadlock for the caller to judge); a failure of the kernel propagates.
    """
    ran = []
    while True:
        can = ready(k) if tasks is None else [t for t in tasks if not t.done and not t.blocked]
        if not can:
            return compress("".join(ran))
        t = can[0] if pick is None else pick(can)
        t.step()
        ran.append(t.label)
        if after_step is not None:
            after_step()
