"""The model side of the widgets: a recorded run of a scenario (Recording), replayed to any state."""

from .. import scenarios as scenarios_mod
from ..errors import TaskError, bad_value, check_bool
from ..sched import FAILURES, DoesNotApply, by_points, compress, expand, ready, replay, run

FINISH = "."                 # a recorded step: the scenario's ending (touch memory, check), after the tasks


class Recording:
    """A scenario at one step of the series, the steps recorded so far, and the machine at one of them.

    `history` is the recorded steps (task labels, and FINISH for the
    scenario's ending); `pos` is how many of them the machine `k` has run;
    `error` is the kernel bug of the state at `pos` ('' if none).
    """

    def __init__(self, scenario, at, schedule="", finish=False):
        self.scenario = scenarios_mod.get(scenario)
        self.at = at
        check_bool("finish", finish)
        if not isinstance(schedule, str) or (schedule and not schedule[0].isalpha()):
            raise bad_value("schedule", schedule, "a schedule string such as 'M85F7M6F2M'")
        self.history, self.names = [], []
        if by_points(schedule):
            schedule = self._letters(schedule)
        self._rebuild()
        for label in expand(schedule):       # replay, checking each label is a runnable task
            if self.error:
                break
            if label not in self.runnable() or label == FINISH:
                raise bad_value("schedule", schedule, f"labels of runnable tasks; at step {self.pos} "
                                f"the runnable ones are {''.join(self.runnable()) or 'none'}")
            self.step(label)
        if finish and not self.error and self.runnable() == [FINISH]:
            self.step(FINISH)
        self.opened = (list(self.history), list(self.names))

    def _letters(self, points):
        """The task letters of a schedule by points at this step, the tasks then run out as scenarios.run does."""
        k, _ = self.scenario.build(self.at)
        start = len(k.schedule)
        try:
            replay(k, points, after_step=k.check)
            run(k, after_step=k.check)
        except DoesNotApply as e:
            raise bad_value("schedule", points, f"a schedule that applies at {self.at}: {e}") from None
        except FAILURES:
            pass
        return k.schedule[start:]

    def _rebuild(self):
        """State 0: a fresh machine (already checked: a scenario may start broken)."""
        self.k, self.ctx = self.scenario.build(self.at)
        self.pos, self.error = 0, ""
        self._check()

    def _check(self):
        try:
            self.k.check()
        except FAILURES as e:
            self.error = str(e)

    def _do(self, label):
        """Run one recorded step on the machine; the name of where it stopped."""
        if label == FINISH:
            self.scenario.finish(self.k, self.ctx)
            return "(the ending)"
        point = self.k.task(label).step()
        return point.describe() if point is not None else "(done)"

    def runnable(self):
        """What can go next: labels of ready tasks, or [FINISH] once the tasks are over ([] after a bug)."""
        if self.error or (self.history[self.pos - 1:self.pos] == [FINISH]):
            return []
        can = [t.label for t in ready(self.k)]
        if can:
            return can
        return [] if any(not t.done for t in self.k.tasks) else [FINISH]

    def deadlocked(self):
        """True if tasks are left but every one of them waits."""
        return not self.error and not self.runnable() and any(not t.done for t in self.k.tasks)

    def step(self, label):
        """Run `label` one step from the current state (a recorded future is kept if it agrees)."""
        if label not in self.runnable():
            raise TaskError(f"cannot step {label!r} now: runnable are {''.join(self.runnable()) or 'none'}")
        if self.history[self.pos:self.pos + 1] != [label]:
            del self.history[self.pos:], self.names[self.pos:]
            self.history.append(label)
            self.names.append("")
        try:
            self.names[self.pos] = self._do(label)
        except FAILURES as e:
            self.error = str(e)
            self.names[self.pos] = "(kernel bug)"
        self.pos += 1
        if not self.error:
            self._check()
        if self.error:                        # nothing after a kernel bug can be recorded
            del self.history[self.pos:], self.names[self.pos:]

    def goto(self, i):
        """Rebuild the machine at recorded state `i` by replaying the first `i` steps."""
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= len(self.history):
            raise bad_value("state", i, f"a recorded state in 0..{len(self.history)}")
        self._rebuild()
        try:
            for label in self.history[:i]:
                self._do(label)
                self.pos += 1
        except FAILURES as e:
            self.error = str(e)
        if not self.error:
            self._check()

    def reset(self):
        """Back to state 0, with the recording the stepper was opened with."""
        self.history, self.names = list(self.opened[0]), list(self.opened[1])
        self.goto(0)

    def schedule(self, upto=None):
        """The task steps up to state `upto` (default: the current one), compressed: replayable."""
        steps = self.history[:self.pos if upto is None else upto]
        return compress("".join(c for c in steps if c != FINISH))
