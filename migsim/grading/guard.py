"""Running a student's code without trusting it.

`Guard(functions)` runs a piece of grading work in which the student's
functions may be called (directly, or by the kernel through ``k.``). It
stops code that does not end, two ways:

* a **line budget**: a tracer counts line events in the student's own
  frames. It needs neither threads nor signals, so it works in a browser
  (Pyodide) kernel too. `guard.wrap(fn)` turns tracing on only while a
  student's frame runs, so the kernel's frames cost nothing; work that
  calls student code the guard never wrapped is traced all through;
* a **CPU-time limit** (`seconds`, of this process's user CPU time, not the
  wall clock: a loaded machine does not shorten it), checked by the tracer
  every few hundred lines and by a `setitimer(ITIMER_VIRTUAL)` signal where
  the platform has one, which also stops a loop inside one long C call.
  When the time is up while the student's code has run few lines, the
  grader's own work is what was slow: the limit is extended a few times,
  and then the verdict says so instead of suspecting a loop.

An exception raised in the student's code (or in kernel code it called),
SystemExit and GeneratorExit included, is turned into a `StudentError`
naming the exception and the line of the student's cell; KeyboardInterrupt
still interrupts. Everything the guard changes (the trace function, the
signal handler, the timer) is checked after each guarded call and put back
if the student's code changed it, and put back on the way out, whatever
happened. What an in-process guard cannot do (stop an answer that turns
the tracer off and then loops; limit memory) the grading child process of
`sandbox` does.
"""

import inspect
import os
import signal
import sys
import threading
import time
import traceback
import types

from ..errors import KernelBug, OutOfMemory, SegmentationFault

LINE_BUDGET = 200_000      # line events in the student's frames, per guarded run
TIME_LIMIT_S = 5.0         # user CPU seconds, per guarded run
EXTENSIONS = 3             # times the limit is extended when the student's code is not what used the time
CLOCK_EVERY = 256          # line events between two looks at the clock
TRACING = True             # False: no tracer at all (benchmarks/bench_grading.py times the checks without it)


def cpu_time():
    """User CPU seconds of this process (the whole process: only differences count)."""
    if sys.platform == "emscripten":         # Pyodide's times() may stand still: its process clock does not
        return time.process_time()
    try:
        return os.times().user
    except (AttributeError, OSError):        # a platform without times(): the closest it has
        return time.process_time()


class Stopped(BaseException):
    """Raised into the student's code when it ran too long (BaseException: `except Exception` keeps it)."""


class StudentError(Exception):
    """The student's code raised, or had to be stopped; `text` says which, in one line."""

    def __init__(self, text, kind):
        super().__init__(text)
        # "raised", "loops", "not answered", "nonsense", "tampered" or "slow" (the grader's own work)
        self.text, self.kind = text, kind


def code_objects(functions):
    """Every code object of `functions`, nested ones too (closures, comprehensions)."""
    found = set()
    todo = [getattr(fn, "__code__", None) for fn in functions]
    while todo:
        code = todo.pop()
        if code is None or code in found:
            continue
        found.add(code)
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


def place(code):
    """Where a code object was written: a copy of it (a patched kernel renames its functions) has the same."""
    return (code.co_filename, code.co_firstlineno, code.co_code)


class Student:
    """Tells the student's frames from everyone else's, quickly (one look per code object)."""

    def __init__(self, functions):
        self.places = {place(c) for c in code_objects(functions)}
        self.known = {}                       # id(code) -> (code, mine?); holding code keeps its id unique

    def __contains__(self, code):
        seen = self.known.get(id(code))
        if seen is None:
            seen = self.known[id(code)] = (code, place(code) in self.places)
        return seen[1]


def student_line(tb, codes):
    """(function name, line) of the innermost traceback frame that is the student's, or None."""
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code in codes:
            found = (frame.f_code.co_name, lineno)
    return found


def _has_timer():
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGVTALRM")
            and threading.current_thread() is threading.main_thread())


class Guard:
    """A context in which the student's `functions` run under a line budget and a CPU-time limit."""

    def __init__(self, functions, passes=(), budget=LINE_BUDGET, seconds=TIME_LIMIT_S):
        self.codes = Student(functions)
        self.passes = (KernelBug, SegmentationFault, OutOfMemory, *passes)
        self.budget, self.seconds = budget, seconds
        self.lines = 0
        self.stopped = None                   # why the student's code was stopped, once it was
        self.tampered = None                  # what the student's code changed in the guard, once it did
        self.wrapped = False                  # wrap() was used: trace student frames only
        self.depth = 0                        # wrapped student calls now running
        self.around = []                      # the trace function each outermost student call found
        self.running = False
        self.out_of_memory = None             # the verdict's text, once the student's code ran out of memory
        self._tracer = self._global_trace     # one bound method, so that `is` tells it from others
        self._handler = self._alarm

    # --- the tracer ------------------------------------------------------------

    def _global_trace(self, frame, event, arg):
        return self._local_trace if frame.f_code in self.codes else None

    def _local_trace(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.stopped is None:
                if self.lines > self.budget:
                    self.stopped = f"ran more than {self.budget:,} lines"
                elif self.lines % CLOCK_EVERY == 0 and cpu_time() > self.deadline:
                    self._time_is_up(frame)
            if self.stopped is not None:
                raise Stopped(self.stopped)
        return self._local_trace

    def _alarm(self, signum, frame):
        if self.stopped is None:
            self._time_is_up(frame)
        if self.stopped is not None:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0.05)    # again, if the answer swallows this one
            raise Stopped(self.stopped)

    def _time_is_up(self, frame):
        """The CPU time ran out: extend it if the student's code is not what used it, else stop."""
        if self.lines < self.budget // 4 and self.extended < EXTENSIONS:
            self.extended += 1
            self.deadline = cpu_time() + self.seconds
            self._arm(self.seconds)
            self._trace_stack(frame)          # student frames the guard did not wrap are traced from now on
            return
        limit = self.seconds * (1 + self.extended)
        if self.lines >= self.budget // 4 or self._student_on(frame):
            self.stopped = f"ran longer than {limit:g} s of CPU time"
        else:
            self.stopped = "slow"
            self.slow = limit

    def _student_on(self, frame):
        while frame is not None:
            if frame.f_code in self.codes:
                return True
            frame = frame.f_back
        return False

    def _trace_stack(self, frame):
        on = False
        while frame is not None:
            if frame.f_code in self.codes:
                frame.f_trace, on = self._local_trace, True
            frame = frame.f_back
        if on and sys.gettrace() is not self._tracer:
            sys.settrace(self._tracer)

    def _arm(self, seconds):
        if self.timer:
            signal.setitimer(signal.ITIMER_VIRTUAL, seconds)

    # --- wrapped student functions: traced only while they run -----------------------

    def wrap(self, fn):
        """`fn` (a student's function, or one that calls it), traced only while it runs."""
        self.wrapped = True
        guard = self
        if inspect.isgeneratorfunction(fn):
            def traced(*args, **kwargs):
                return (yield from _Traced(guard, fn(*args, **kwargs)))
        else:
            def traced(*args, **kwargs):
                guard._enter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    guard._leave()
        traced.__name__ = traced.__qualname__ = getattr(fn, "__name__", "traced")
        traced.__doc__, traced.__wrapped__ = getattr(fn, "__doc__", None), fn
        return traced

    def _enter(self):
        self.depth += 1
        if self.depth == 1 and self.running and TRACING:
            self.around.append(sys.gettrace())
            sys.settrace(self._tracer)

    def _leave(self):
        # Each outermost call puts back the trace function it found, not always the outer one: the
        # collector may close a suspended student generator (a call of its own) inside this leave,
        # between the count and the settrace, and that call must not switch the tracer off under us.
        self.depth -= 1
        if self.depth == 0 and self.running and TRACING:
            self._recheck(tracing=True)       # the student's frame has just returned
            sys.settrace(self.around.pop() if self.around else self.outer_trace)

    def _recheck(self, tracing):
        """Put back what the student's code changed of the guard (and remember that it did)."""
        if tracing and sys.gettrace() is not self._tracer:
            self.tampered = self.tampered or "switched off the grader's tracer (sys.settrace)"
        if self.timer:
            if signal.getsignal(signal.SIGVTALRM) is not self._handler:
                self.tampered = self.tampered or "replaced the grader's timer signal handler"
                signal.signal(signal.SIGVTALRM, self._handler)
            if signal.getitimer(signal.ITIMER_VIRTUAL)[0] == 0 and self.stopped is None:
                self.tampered = self.tampered or "switched off the grader's timer (setitimer)"
                self._arm(max(self.deadline - cpu_time(), 0.01))

    # --- running ----------------------------------------------------------------

    def run(self, work, *args, **kwargs):
        """`work(*args, **kwargs)` under the guard; StudentError if the student's code failed.

        A KernelBug, SegmentationFault or OutOfMemory is the simulated machine's
        answer and passes through unchanged (a check judges it), as do the
        exceptions in `passes` (a check's own verdicts), unless it was raised
        because the student's code was stopped.
        """
        if self.running:                      # a check that runs a guarded piece inside another
            return work(*args, **kwargs)
        if self.out_of_memory is not None:    # it would again: no use filling the memory once per check
            raise StudentError(self.out_of_memory, "raised")
        self.lines, self.stopped, self.tampered, self.extended, self.slow = 0, None, None, 0, 0
        self.deadline = cpu_time() + self.seconds
        self.outer_trace = old_trace = sys.gettrace()
        self.timer = _has_timer()
        if self.timer:
            try:
                old_handler = signal.signal(signal.SIGVTALRM, self._handler)
                old_timer = signal.setitimer(signal.ITIMER_VIRTUAL, self.seconds)
            except (ValueError, OSError):     # a platform that has the names but not the signal
                self.timer = False
        self.running, self.depth, self.around = True, 0, []
        if not self.wrapped and TRACING:
            sys.settrace(self._tracer)
        try:
            result = work(*args, **kwargs)
            self._recheck(tracing=TRACING and not self.wrapped)
        except StudentError:
            raise
        except KeyboardInterrupt:
            raise
        except Stopped:
            raise self._stopped() from None
        except self.passes:
            if self.stopped is not None:
                raise self._stopped() from None
            self._recheck(tracing=TRACING and not self.wrapped)
            self._check_tampered()
            raise
        except BaseException as e:            # SystemExit and GeneratorExit are the student's too
            if self.stopped is not None:
                raise self._stopped() from None
            self._recheck(tracing=TRACING and not self.wrapped)
            self._check_tampered()
            if isinstance(e, MemoryError):
                self.out_of_memory = self.describe(e)
            raise StudentError(self.describe(e), self.kind(e)) from None
        finally:
            self.running = False
            sys.settrace(old_trace)
            if self.timer:
                signal.setitimer(signal.ITIMER_VIRTUAL, *old_timer)
                signal.signal(signal.SIGVTALRM, old_handler)
        self._check_tampered()
        return result

    def _check_tampered(self):
        if self.tampered is not None:
            raise StudentError(f"your code {self.tampered}: the grader must be able to stop it", "tampered")

    def _stopped(self):
        if self.stopped == "slow":
            return StudentError(f"the grader ran out of time: this check used more than {self.slow:g} s of "
                                f"CPU time, not in your code (it ran {self.lines:,} lines); "
                                f"the machine is too slow for it: try again", "slow")
        return StudentError(f"stopped: your code {self.stopped}; does a loop never end?", "loops")

    def describe(self, e):
        """'NameError: name 'x' is not defined (line 12 of your cell, in migrate_one)'."""
        where = student_line(e.__traceback__, self.codes)
        text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        if isinstance(e, NotImplementedError) and where is not None:
            return "not answered yet: your cell still raises NotImplementedError (replace it with your answer)"
        if isinstance(e, MemoryError):
            return "your code used more memory than the grader allows (MemoryError)"
        if where is None:
            return f"{text} (raised outside your code, by what your code passed on)"
        fn, line = where
        return f"your code raised {text} (line {line} of your cell, in {fn})"

    def kind(self, e):
        if isinstance(e, NotImplementedError) and student_line(e.__traceback__, self.codes):
            return "not answered"
        return "raised"


class _Traced:
    """A student's generator, traced only while it runs; stacks see through it to the frames it waits in."""

    def __init__(self, guard, gen):
        self.guard, self.gen = guard, gen
        self.gi_frame = None                  # stacks skip this link (the wrapper's frame names the function)

    @property
    def gi_code(self):
        return self.gen.gi_code

    @property
    def gi_yieldfrom(self):
        return getattr(self.gen, "gi_yieldfrom", None)

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)

    def _call(self, method, *args):
        self.guard._enter()
        try:
            return method(*args)
        finally:
            self.guard._leave()

    def send(self, value):
        return self._call(self.gen.send, value)

    def throw(self, *exc):
        return self._call(self.gen.throw, *exc)

    def close(self):
        return self._call(self.gen.close)
