"""The explorer view: run the explorer on a scenario, then open its shortest failing schedule.

While it runs, a progress bar counts the schedules (the explorer calls back
between schedules: no threads, so it works in a browser kernel too); the
budget is how many schedules it may run before it stops.
"""

import ipywidgets as widgets

from .. import explore as explore_mod
from .. import scenarios as scenarios_mod
from ..errors import bad_value, check_int
from ..kbuild import step_index
from .stepper import Stepper, _esc


class ExplorerView:
    """Run the explorer on a scenario at a step, show its counts, open the shortest failing schedule."""

    EVERY = 20                # schedules between two updates of the progress bar

    def __init__(self, scenario, at, bound=2, budget=20000):
        self.scenario, self.at = scenarios_mod.get(scenario), at
        step_index(at)                        # UnknownStep (a MigsimError) before any widget is made
        check_int("bound (preemptions)", bound, 0, 4)
        check_int("budget (schedules)", budget, 1, 10**7)
        self.report, self.stepper = None, None
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
        self.run_button.on_click(lambda _: self.run())
        self.open_button.on_click(lambda _: self.open_shortest())
        sc = self.scenario
        self.widget = widgets.VBox([
            widgets.HTML(f"explore <b>{_esc(sc.name)}</b> at <code>{_esc(at)}</code> (bug {_esc(sc.bug)}): "
                         f"{_esc(sc.title)}"),
            widgets.HBox([self.bound, self.prune, self.budget, self.run_button]),
            widgets.HBox([self.progress, self.progress_label]), self.counts, self.open_button,
            self.stepper_box])

    def run(self):
        """Explore with the chosen bound; the Report (the counts show when it is done)."""
        self.counts.value = "<i>exploring ...</i>"       # sent to the front end before the run
        self.open_button.disabled = True
        self.progress.value, self.progress.max = 0, self.EVERY * 10
        self.report = explore_mod.explore(self.scenario, self.at, bound=self.bound.value,
                                          prune=self.prune.value, limit=self.budget.value,
                                          progress=self.show_progress, every=self.EVERY)
        self.counts.value = "<br>".join(_esc(line) for line in self.counts_text().splitlines())
        self.open_button.disabled = not self.report.failing
        return self.report

    def show_progress(self, report):
        """The explorer's callback: move the bar (its end doubles as it is reached); never stops it."""
        while report.explored > self.progress.max:
            self.progress.max *= 2
        self.progress.value = report.explored
        self.progress_label.value = (f"{report.explored} schedules, {report.failing} failing"
                                     f"{' (stopped at the budget)' if report.stopped else ''}")
        return False

    def counts_text(self):
        """The last report's counts as text."""
        r = self.report
        if r is None:
            return "not run yet"
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
        """A Stepper on the shortest failing schedule's last state (shown below the counts)."""
        if self.report is None or not self.report.failing:
            raise bad_value("report", self.report,
                            "an exploration that found a failing schedule (run it first)")
        self.stepper = Stepper(self.scenario, self.at, schedule=self.report.shortest, finish=True)
        self.stepper_box.children = (self.stepper.widget,)
        return self.stepper

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        return f"<ExplorerView {self.scenario.name} at {self.at}>"
