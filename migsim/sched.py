"""CPUs, tasks and named scheduling points (the simulator's kernel/sched.c).

A kernel path that may sleep is a generator. It ``yield``s a `Point` where
another CPU may run (a lock taken, a page lock waited on, the next vma of an
rmap walk, the next pte of a copy ...). A `Task` runs one such path on its own
CPU and stops at each point, so that paths on several CPUs interleave only
there. A `Wait` is a point at which the task cannot go on until its condition
holds; a blocked task says what it waits on.

Simplified: one task per CPU, no preemption between points, no timer.
"""

from .errors import KernelBug, TaskError, bad_value


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
                                              "such as 'M85F9M6F2M'")
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
