"""Running a student's code without trusting it.

`Guard(functions)` runs a piece of grading work in which the student's
functions may be called (directly, or by the kernel through ``k.``). It
stops code that does not end, two ways:

* a **step budget**: `sys.settrace` counts line events in the student's own
  frames only (the kernel's frames are not traced, so they cost nothing),
  and the same tracer checks the clock every few hundred lines. It needs
  neither threads nor signals, so it works in a browser (Pyodide) kernel too;
* a **time limit** by `signal.setitimer`, where the platform has it and we
  are on the main thread: it also stops a student's `time.sleep` or a loop
  inside one long C call, which no tracer sees.

An exception raised in the student's code (or in kernel code it called) is
turned into a `StudentError` naming the exception and the line of the
student's cell. Everything the guard changes (the trace function, the
signal handler, the timer) is put back on the way out, whatever happened.
"""

import signal
import sys
import threading
import time
import traceback
import types

from ..errors import KernelBug, OutOfMemory, SegmentationFault

LINE_BUDGET = 200_000      # line events in the student's frames, per guarded run
TIME_LIMIT_S = 5.0         # wall clock, per guarded run
CLOCK_EVERY = 256          # line events between two looks at the clock


class Stopped(BaseException):
    """Raised into the student's code when it ran too long (BaseException: `except Exception` keeps it)."""


class StudentError(Exception):
    """The student's code raised, or had to be stopped; `text` says which, in one line."""

    def __init__(self, text, kind):
        super().__init__(text)
        self.text, self.kind = text, kind      # "raised", "loops", "not answered" or "nonsense"


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


class Guard:
    """A context in which the student's `functions` run under a step budget and a time limit."""

    def __init__(self, functions, passes=(), budget=LINE_BUDGET, seconds=TIME_LIMIT_S):
        self.codes = Student(functions)
        self.passes = (KernelBug, SegmentationFault, OutOfMemory, *passes)
        self.budget, self.seconds = budget, seconds
        self.lines = 0
        self.stopped = None                   # why the student's code was stopped, once it was

    # --- the tracer ------------------------------------------------------------

    def _global_trace(self, frame, event, arg):
        return self._local_trace if frame.f_code in self.codes else None

    def _local_trace(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.stopped is None:
                if self.lines > self.budget:
                    self.stopped = f"ran more than {self.budget:,} lines"
                elif self.lines % CLOCK_EVERY == 0 and time.perf_counter() > self.deadline:
                    self.stopped = f"ran longer than {self.seconds:g} s"
            if self.stopped is not None:
                raise Stopped(self.stopped)
        return self._local_trace

    def _alarm(self, signum, frame):
        if self.stopped is None:
            self.stopped = f"ran longer than {self.seconds:g} s"
        raise Stopped(self.stopped)

    # --- running ----------------------------------------------------------------

    def run(self, work, *args, **kwargs):
        """`work(*args, **kwargs)` under the guard; StudentError if the student's code failed.

        A KernelBug, SegmentationFault or OutOfMemory is the simulated machine's
        answer and passes through unchanged (a check judges it), as do the
        exceptions in `passes` (a check's own verdicts), unless it was raised
        because the student's code was stopped.
        """
        self.lines, self.stopped = 0, None
        self.deadline = time.perf_counter() + self.seconds
        old_trace = sys.gettrace()
        alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if alarm:
            try:
                old_handler = signal.signal(signal.SIGALRM, self._alarm)
                old_timer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            except (ValueError, OSError):     # a platform that has the names but not the signal
                alarm = False
        sys.settrace(self._global_trace)
        try:
            return work(*args, **kwargs)
        except StudentError:
            raise
        except Stopped:
            raise StudentError(f"stopped: your code {self.stopped}; does a loop never end?", "loops") from None
        except self.passes:
            if self.stopped is not None:
                raise StudentError(f"stopped: your code {self.stopped}; does a loop never end?", "loops") from None
            raise
        except Exception as e:
            if self.stopped is not None:
                raise StudentError(f"stopped: your code {self.stopped}; does a loop never end?", "loops") from None
            raise StudentError(self.describe(e), self.kind(e)) from None
        finally:
            sys.settrace(old_trace)
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, *old_timer)
                signal.signal(signal.SIGALRM, old_handler)

    def describe(self, e):
        """'NameError: name 'x' is not defined (line 12 of your cell, in migrate_one)'."""
        where = student_line(e.__traceback__, self.codes)
        text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        if isinstance(e, NotImplementedError) and where is not None:
            return "not answered yet: your cell still raises NotImplementedError (replace it with your answer)"
        if where is None:
            return f"{text} (raised outside your code, by what your code passed on)"
        fn, line = where
        return f"your code raised {text} (line {line} of your cell, in {fn})"

    def kind(self, e):
        if isinstance(e, NotImplementedError) and student_line(e.__traceback__, self.codes):
            return "not answered"
        return "raised"
