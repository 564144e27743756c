"""The explorer view: run the explorer on a scenario, then open its shortest failing schedule.

While it runs, a progress bar counts the schedules (the explorer calls back
between schedules: no threads, so it works in a browser kernel too); the
budget is how many schedules it may run before it stops.

With `patch={"name": fn, ...}` it explores the kernel with a student's
functions in place, as `migsim.Kernel(at=..., patch=...)` builds it. That
code runs here, in the notebook's own process (a tool, not a grader): an
exception from it is shown in the widget as one message naming the function
and its line, and a run that goes on too long stops at the budget, or at the
notebook's interrupt, which the button's handler turns into a message too.
"""

import linecache

import ipywidgets as widgets

from .. import explore as explore_mod
from .. import scenarios as scenarios_mod
from ..errors import bad_value, check_int
from ..kbuild import step_index
from ..machine import build_patched
from .stepper import Stepper, _esc


def _checked_patch(at, patch):
    """A copy of `patch` ({name: function}), checked as Kernel(at=at, patch=...) checks it; None stays None."""
    if patch is None:
        return None
    if not isinstance(patch, dict) or not patch:
        raise bad_value("patch", patch, "a dict {kernel function name: your function} naming at least one, "
                                        "or None for the kernel as it is")
    patch = dict(patch)               # later changes to the caller's dict do not reach the view
    build_patched(at, patch)          # every name, parameter list and generator kind, before any widget
    return patch


class ExplorerView:
    """Run the explorer on a scenario at a step, show its counts, open the shortest failing schedule."""

    EVERY = 10                # schedules between two updates of the progress bar

    def __init__(self, scenario, at, bound=2, budget=20000, patch=None):
        self.scenario, self.at = scenarios_mod.get(scenario), at
        step_index(at)                        # UnknownStep (a MigsimError) before any widget is made
        check_int("bound (preemptions)", bound, 0, 4)
        check_int("budget (schedules)", budget, 1, 10**7)
        self.patch = _checked_patch(at, patch)
        self.explored = explore_mod.with_patch(self.scenario, self.patch)   # what runs: patched or not
        self.report, self.stepper, self.error = None, None, ""
        self._seen = None                     # the running exploration's Report (its counts so far)
        self.bound = widgets.IntSlider(value=bound, min=0, max=4, description="bound",
                                       tooltip="preemptions allowed per schedule")
        self.prune = widgets.Checkbox(value=True, description="prune commuting steps (DPOR)")
        self.run_button = widgets.Button(description="explore", icon="search", button_style="primary")
        self.budget = widgets.BoundedIntText(value=budget, min=1, max=10**7, description="budget",
                                             tooltip="the most schedules to run before stopping")
        self.progress = widgets.IntProgress(value=0, min=0, max=self.EVERY * 10, description="schedules")
        self.progress_label = widgets.Label("")
        self.counts = widgets.HTML("<i>not run yet</i>")
        self.open_button = widgets.Button(description="open shortest failing schedule in the stepper",
                                          icon="bug", disabled=True, layout=widgets.Layout(width="auto"))
        self.stepper_box = widgets.VBox([])
        self.run_button.on_click(lambda _: self._clicked(self.run))
        self.open_button.on_click(lambda _: self._clicked(self.open_shortest))
        sc = self.scenario
        yours = ""
        if self.patch:
            yours = " with your " + ", ".join(f"<code>{_esc(n.lstrip('+'))}</code>" for n in self.patch) + " in place"
        self.widget = widgets.VBox([
            widgets.HTML(f"explore <b>{_esc(sc.name)}</b> at <code>{_esc(at)}</code>{yours} "
                         f"(bug {_esc(sc.bug)}): {_esc(sc.title)}"),
            widgets.HBox([self.bound, self.prune, self.budget, self.run_button]),
            widgets.HBox([self.progress, self.progress_label]), self.counts, self.open_button,
            self.stepper_box])

    def run(self):
        """Explore with the chosen bound; the Report (the counts show when it is done).

        With a patch, an exception from the patched kernel ends the run: it is
        shown as a message (`self.error`) and the answer is None.
        """
        self.counts.value = "<i>exploring ...</i>"       # sent to the front end before the run
        self.open_button.disabled = True
        self.progress.value, self.progress.max = 0, self.EVERY * 10
        self.progress_label.value, self.report, self.error, self._seen = "", None, "", None
        try:
            self.report = explore_mod.explore(self.explored, self.at, bound=self.bound.value,
                                              prune=self.prune.value, limit=self.budget.value,
                                              progress=self._count, every=1)
        except Exception as e:                # noqa: BLE001 (the student's code may raise anything)
            if self.patch is None:
                raise                         # the registered kernel raising is the simulator's bug: loud
            self._fail(self._raised(e))
            return None
        self.show_progress(self.report)       # the last count, when it is no multiple of EVERY
        self.progress.max = max(1, self.report.explored)   # done: a full bar (its end was only a guess)
        self.counts.value = "<br>".join(_esc(line) for line in self.counts_text().splitlines())
        self.open_button.disabled = not self.report.failing
        return self.report

    def _count(self, report):
        """The explorer's callback after every schedule; the bar moves every EVERY of them, and at the end."""
        self._seen = report
        if report.explored % self.EVERY == 0 or report.stopped or report.explored >= self.budget.value:
            self.show_progress(report)
        return False

    def show_progress(self, report):
        """Move the bar (its end doubles as it is reached); never stops the exploration."""
        while report.explored > self.progress.max:
            self.progress.max *= 2
        self.progress.value = report.explored
        self.progress_label.value = (f"{report.explored} schedules, {report.failing} failing"
                                     f"{' (stopped at the budget)' if report.stopped else ''}")
        return False

    def _clicked(self, action):
        """A button's handler: what the action raises becomes the widget's message, never a traceback."""
        try:
            action()
        except KeyboardInterrupt:             # the notebook's interrupt button, while a loop runs
            self._fail(f"interrupted {self._where()}: no counts (press explore to start again)")
        except Exception as e:                # noqa: BLE001
            self._fail(self._raised(e))

    def _fail(self, text):
        self.error = text
        self.counts.value = f"<span style='color:#b00020'>{_esc(text)}</span>"
        self.open_button.disabled = True
        if self._seen is not None:
            self.show_progress(self._seen)

    def _where(self):
        n = 0 if self._seen is None else self._seen.explored
        return f"in schedule {n + 1} (after {n} complete ones)"

    def _raised(self, e):
        """One message for an exception from the patched kernel: whose code raised it, where, what."""
        what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        mine = {(fn.__code__.co_filename, fn.__code__.co_firstlineno): name.lstrip("+")
                for name, fn in (self.patch or {}).items()}
        frames, tb = [], e.__traceback__
        while tb is not None:
            frames.append(tb)
            tb = tb.tb_next
        where = ""
        for tb in reversed(frames):           # the innermost frame of the student's code
            code = tb.tb_frame.f_code
            name = mine.get((code.co_filename, code.co_firstlineno))
            if name is not None:
                line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
                where = (f"your {name} raised {what} (line {tb.tb_lineno - code.co_firstlineno + 1} of "
                         f"{name}{': ' + line if line else ''})")
                break
        if not where:
            inner = frames[-1].tb_frame.f_code.co_name if frames else "?"
            where = f"the kernel with your functions in place raised {what} (in {inner})"
        hint = ""
        if isinstance(e, RecursionError):
            hint = " (a task that never finishes: does a loop in your function wait forever?)"
        elif isinstance(e, NotImplementedError):
            hint = " (write the function first)"
        return (f"{where}{hint}, {self._where()}: no counts. Fix it, run its cell and this one again, "
                f"then explore.")

    def counts_text(self):
        """The last report's counts as text (or the message of the run that raised)."""
        r = self.report
        if r is None:
            return self.error or "not run yet"
        lines = [f"bound {r.bound}: {r.explored} explored, {r.pruned} pruned, {r.failing} failing, "
                 f"{r.elapsed_s:.2f} s"]
        if r.failing:
            lines.append(f"shortest failing schedule: {r.shortest or '(empty)'} "
                         f"({r.shortest_preemptions} preemptions): {r.shortest_error}")
        else:
            lines.append("no failing schedule within this bound")
        if r.stopped:
            lines.append(f"stopped at the budget of {r.explored} schedules: not every schedule was run")
        return "\n".join(lines)

    def open_shortest(self):
        """A Stepper on the shortest failing schedule's last state (shown below the counts), patch in place."""
        if self.report is None or not self.report.failing:
            raise bad_value("report", self.report,
                            "an exploration that found a failing schedule (run it first)")
        self.stepper = Stepper(self.explored, self.at, schedule=self.report.shortest, finish=True)
        self.stepper_box.children = (self.stepper.widget,)
        return self.stepper

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        yours = f" with your {', '.join(n.lstrip('+') for n in self.patch)}" if self.patch else ""
        return f"<ExplorerView {self.scenario.name} at {self.at}{yours}>"
