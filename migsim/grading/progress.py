"""What a grade shows while it runs: which check, how many are left.

A check loop calls ``report(exercise_id, check_name, index, total)`` at the
start of each check. Where the report goes is set by whoever runs the grade:
in a grading child process, a pipe to the parent (`sandbox`); in the
process that shows the cell, a `Display`.

A `Display` shows nothing for a grade that ends within a second. In a
Jupyter kernel (JupyterLab, or Pyodide in JupyterLite) it opens one display
output as the grade starts, empty; after a second it shows the check that
runs, updated in place; when the grade ends it is emptied again. So the
cell's stored output is one empty display whatever the timing, and strict
nbval (which sees the first content of a display, never its updates)
matches the stored notebook. Outside a kernel it shows nothing.
"""

import os
import sys
import time

# A grade that ends sooner shows no progress (MIGSIM_PROGRESS_AFTER=0: show it at once, for tests).
SHOW_AFTER_S = float(os.environ.get("MIGSIM_PROGRESS_AFTER", "1"))


def _nowhere(exercise_id, check, index, total):
    pass


_sink = _nowhere


def report(exercise_id, check, index, total):
    """Check `index` (0-based) of `total`, called `check`, of exercise `exercise_id` starts now."""
    _sink(exercise_id, str(check), int(index), int(total))


def send_to(sink):
    """Send reports to `sink(exercise_id, check, index, total)` from now on; return the one before."""
    global _sink
    old, _sink = _sink, sink or _nowhere
    return old


def line(exercise_id, check, index, total):
    """'grading 08.1: check 3 of 10 (7 left after it): the explorer at cow-fix ...'."""
    return f"grading {exercise_id}: check {index + 1} of {total} ({total - index - 1} left after it): {check} ..."


def _kernel_display():
    """IPython's display function if we run in a Jupyter kernel (not a terminal), else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):
        return None
    from IPython.display import display
    return display


class Display:
    """A grade's progress in the cell that runs it, shown only if the grade takes more than a second."""

    def __init__(self, exercise_id, clock=time.monotonic):
        self.exercise_id, self.clock = exercise_id, clock
        self.started = clock()
        self.last = None                      # the latest report, shown or not
        self.shown = None                     # the text on screen
        display = _kernel_display()
        self.handle = None
        if display is not None:
            self.handle = display({"text/plain": ""}, raw=True, display_id=True)

    def __call__(self, exercise_id, check, index, total):
        self.last = line(exercise_id, check, index, total)
        self.tick()

    def tick(self):
        """Show the latest report if the grade has run for more than a second."""
        if self.last is not None and self.last != self.shown and self.clock() - self.started >= SHOW_AFTER_S:
            self._show(self.last)

    def close(self):
        """The grade is over: the display is empty again (the cell prints the verdict)."""
        if self.shown is not None:
            self._show("")

    def _show(self, text):
        self.shown = text
        if self.handle is not None:
            self.handle.update({"text/plain": text}, raw=True)
