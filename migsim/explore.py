"""Systematic exploration of a scenario's schedules, and seeded random scheduling.

`explore(scenario, at, bound=2)` runs every schedule of the scenario's tasks
with at most `bound` preemptions (switching away from a task that could have
gone on; a switch forced by a finished or blocked task is free), checking the
invariants after every step. It replays each schedule from a fresh machine,
so any schedule it reports replays exactly.

Pruning is dynamic partial-order reduction (Flanagan and Godefroid, 2005):
two steps of different tasks that touch different things (locks, pages,
mms, anon_vmas) commute, so of all schedules that differ only in the order
of such steps one is enough. After each step the explorer looks back for
the last step of another task that it conflicts with and is not already
ordered after (vector clocks); only there does it try the other order.
Simplified: a step's footprint is read off the scheduling point it starts
from (the lock, page or vma that point names), not traced through the
step, so the reduction is as good as the points are honest.
"""

import random
import time
from dataclasses import dataclass, replace

from .errors import bad_value, check_int
from .scenarios import get
from .sched import FAILURES, compress, ready, replay, run


@dataclass
class Report:
    """What an exploration found."""

    scenario: str
    at: str
    bound: int
    pruning: bool
    explored: int = 0          # complete schedules run
    pruned: int = 0            # preemptions not tried because the steps commute
    failing: int = 0           # schedules that broke an invariant or oopsed
    shortest: str = ""         # the failing schedule with fewest preemptions (then fewest steps)
    shortest_preemptions: int = None
    shortest_error: str = ""
    first_failure_s: float = None
    first_failure_after: int = None   # schedules run up to and including the first failing one
    elapsed_s: float = 0.0
    stopped: bool = False      # the progress callback or the limit ended it before every schedule ran

    def __str__(self):
        head = (f"{self.scenario} at {self.at}, preemption bound {self.bound}"
                f"{'' if self.pruning else ', no pruning'}: {self.explored} schedules explored, "
                f"{self.pruned} preemptions pruned, {self.failing} failing")
        if self.failing:
            head += (f"\nshortest failing schedule: {self.shortest} "
                     f"({self.shortest_preemptions} preemptions)\n  {self.shortest_error}")
        if self.stopped:
            head += "\nstopped early: not every schedule within the bound was run"
        return head


class _Progress:
    """Counts complete schedules into a Report; calls `callback(report)` every `every` of them.

    A callback that returns a true value stops the exploration (no threads:
    the explorer asks between schedules), as does reaching `limit` schedules.
    """

    def __init__(self, report, callback, every, limit):
        if callback is not None and not callable(callback):
            raise bad_value("progress", callback, "a function of the Report, or None")
        self.report, self.callback = report, callback
        self.every, self.limit = check_int("every", every, 1), check_int("limit", limit, 1)

    def count(self):
        r = self.report
        r.explored += 1
        if r.explored >= self.limit:
            r.stopped = True
        elif self.callback is not None and r.explored % self.every == 0 and self.callback(r):
            r.stopped = True

    def finish(self):
        """The last call: the final counts (its answer no longer matters)."""
        if self.callback is not None:
            self.callback(self.report)


def keys(point):
    """What the step starting at `point` touches, as stable names ("mm101", "pfn:0x2000" ...)."""
    out = set()
    if point is None:
        return out
    for obj in point.objs:
        name = getattr(obj, "name", None)
        if type(obj).__name__ == "SpinLock":
            out.add(name)
            out.add(name.split("->")[0])          # what it guards: an mm's ptes, an anon_vma's list ...
        elif type(obj).__name__ == "RWSem":
            out.add(name)                         # mmap_sem: ordering only; the vmas are read, not changed
        elif hasattr(obj, "pfn"):
            out.add(f"pfn:0x{obj.pfn:x}")
        elif hasattr(obj, "vm_mm"):
            out.add(f"mm{obj.vm_mm.owner.pid}")   # the ptes of that vma
        elif hasattr(obj, "pgd"):
            out.add(f"mm{obj.owner.pid}")
    return out


def _run_prefix(scenario, at, prefix):
    """A fresh machine with `prefix` replayed (checking every step): (k, ctx, error or None)."""
    k, ctx = scenario.build(at)
    try:
        replay(k, prefix, after_step=k.check)
    except FAILURES as e:
        return k, ctx, str(e)
    return k, ctx, None


def _explore_plain(scenario, at, bound, progress):
    """Plain enumeration: every schedule with at most `bound` preemptions, no pruning."""
    report = progress.report
    t0 = time.perf_counter()
    stack = [("", 0, "")]                     # (prefix, preemptions used, label that ran last)
    best = None
    while stack and not report.stopped:
        prefix, used, last = stack.pop()
        k, ctx, error = _run_prefix(scenario, at, prefix)
        schedule = prefix
        while error is None:
            can = ready(k)
            if not can:
                try:
                    scenario.finish(k, ctx)
                except FAILURES as e:
                    error = str(e)
                break
            current = next((t for t in can if t.label == last), None)
            if current is not None:
                first, others = current, [t for t in can if t is not current]
                for t in reversed(others):
                    if used >= bound:
                        continue
                    stack.append((schedule + t.label, used + 1, t.label))
            else:                               # a free switch: every ready task may go
                first, others = can[0], can[1:]
                for t in reversed(others):
                    stack.append((schedule + t.label, used, t.label))
            schedule += first.label              # the failing step belongs to the schedule
            last = first.label
            try:
                first.step()
                k.check()
            except FAILURES as e:
                error = str(e)
        progress.count()
        if error is not None:
            report.failing += 1
            if report.first_failure_s is None:
                report.first_failure_s = time.perf_counter() - t0
                report.first_failure_after = report.explored
            key = (used, len(schedule))
            if best is None or key < best[0]:
                best = (key, schedule, error)
    if best is not None:
        (report.shortest_preemptions, _), report.shortest, report.shortest_error = best
        report.shortest = compress(report.shortest)
    report.elapsed_s = time.perf_counter() - t0
    return report


def random_run(scenario, at, seed):
    """One run of `scenario` with a seeded random choice of task at every step: (failed, schedule)."""
    scenario = get(scenario)
    rng = random.Random(check_int("seed", seed))
    k, ctx = scenario.build(at)
    start = len(k.schedule)
    try:
        run(k, pick=rng.choice, after_step=k.check)
        scenario.finish(k, ctx)
    except FAILURES:
        return True, k.schedule[start:]
    return False, k.schedule[start:]


def runs_until_failure(scenario, at, seed, max_runs=1000):
    """How many seeded random runs it takes to hit a failure (None if not within max_runs)."""
    get(scenario)
    check_int("seed", seed)
    check_int("max_runs", max_runs, 1)
    for n in range(1, max_runs + 1):
        failed, _ = random_run(scenario, at, seed * 100003 + n)
        if failed:
            return n
    return None


class _Event:
    """One executed step: its task, what it touched, and its vector clock."""

    __slots__ = ("label", "keys", "seq", "vc")

    def __init__(self, label, keys, seq, vc):
        self.label, self.keys, self.seq, self.vc = label, keys, seq, vc


class _Node:
    """A state along the current path: who could run, who must still be tried there."""

    __slots__ = ("enabled", "backtrack", "done", "preemptions", "last")

    def __init__(self, enabled, preemptions, last):
        self.enabled, self.preemptions, self.last = enabled, preemptions, last
        self.backtrack, self.done = set(), set()


class _Dpor:
    """Depth-first DPOR over one scenario at one step, with a preemption bound."""

    def __init__(self, scenario, at, bound, progress):
        self.scenario, self.at, self.bound = scenario, at, bound
        self.report, self.progress = progress.report, progress
        self.events, self.nodes = [], []
        self.best = None
        self.t0 = time.perf_counter()

    def fresh(self):
        """A new machine with the current path's steps replayed (already checked once)."""
        k, ctx = self.scenario.build(self.at)
        for e in self.events:
            k.task(e.label).step()
        return k, ctx

    def record(self, schedule, error, used=None):
        self.progress.count()
        if error is None:
            return
        self.report.failing += 1
        if self.report.first_failure_s is None:
            self.report.first_failure_s = time.perf_counter() - self.t0
            self.report.first_failure_after = self.report.explored
        key = (self.nodes[-1].preemptions if used is None else used, len(schedule))
        if self.best is None or key < self.best[0]:
            self.best = (key, schedule, error)

    def _preemptions(self):
        """Preemptions on the current path: switches away from a task that could go on."""
        used = 0
        for i, e in enumerate(self.events[1:], 1):
            prev = self.events[i - 1].label
            if e.label != prev and prev in self.nodes[i].enabled:
                used += 1
        return used

    def happens_before(self, e, label):
        """Is event `e` already ordered before everything task `label` does next?"""
        last = next((x for x in reversed(self.events) if x.label == label), None)
        return last is not None and last.vc.get(e.label, 0) >= e.seq

    def add_backtracks(self, k):
        """For each task's next step, find the last conflicting step it is not ordered after.

        There the other order is tried; and also where the run of steps holding
        that step began (the last switch before it, or the start), because under
        a preemption bound the switch at the conflict itself may cost one
        preemption too many, while the switch at the run's start is paid for
        already (Coons, Musuvathi and McKinley, "Bounded partial-order
        reduction", 2013). Without it the quiet fork race was never found.
        """
        for t in k.tasks:
            if t.done:
                continue
            nxt = keys(t.point)
            for i in range(len(self.events) - 1, -1, -1):
                e = self.events[i]
                if e.label != t.label and e.keys & nxt and not self.happens_before(e, t.label):
                    start = i
                    while start > 0 and self.events[start - 1].label == e.label:
                        start -= 1
                    for node in {id(self.nodes[i]): self.nodes[i], id(self.nodes[start]): self.nodes[start]}.values():
                        node.backtrack |= {t.label} if t.label in node.enabled else set(node.enabled)
                    break

    def step(self, k, label):
        """Run `label` one step on `k`; append its event. Returns an error text or None."""
        t = k.task(label)
        touched = keys(t.point)
        seq = 1 + sum(1 for e in self.events if e.label == label)
        vc = {}
        for e in self.events:
            if e.label == label or e.keys & touched:
                for lab, n in e.vc.items():
                    vc[lab] = max(vc.get(lab, 0), n)
        vc[label] = seq
        self.events.append(_Event(label, touched, seq, vc))
        try:
            t.step()
            k.check()
        except FAILURES as e:
            return str(e)
        return None

    def run(self, k, ctx):
        """Explore everything below the current state of `k` (which the caller owns).

        Simplified: no sleep sets. A sleep set skips a task whose next step was
        tried from an earlier state and commutes with all run since; but the
        schedule it stands for may need one preemption more than the bound
        allows, and so was never run (the quiet fork race hid that way).
        """
        if self.report.stopped:
            return
        schedule = "".join(e.label for e in self.events)
        enabled = [t.label for t in ready(k)]
        if not enabled:
            used = self._preemptions()
            try:
                self.scenario.finish(k, ctx)
                self.record(schedule, None, used)
            except FAILURES as e:
                self.record(schedule, str(e), used)
            return
        self.add_backtracks(k)
        last = self.events[-1].label if self.events else None
        used = self._preemptions()
        node = _Node(enabled, used, last)
        first = last if last in enabled else enabled[0]
        node.backtrack.add(first)
        self.nodes.append(node)
        live = (k, ctx)
        while node.backtrack - node.done and not self.report.stopped:
            todo = node.backtrack - node.done
            label = first if first in todo else sorted(todo)[0]
            node.done.add(label)
            cost = 1 if (last in enabled and label != last) else 0
            if used + cost > self.bound:
                self.report.pruned += 1
                continue
            kk, cc = live if live is not None else self.fresh()
            live = None
            error = self.step(kk, label)
            if error is not None:
                self.record(schedule + label, error, used + cost)
            else:
                self.run(kk, cc)
            self.events.pop()
        self.nodes.pop()


def with_patch(scenario, patch):
    """`scenario` whose machines are built with `patch` ({name: function}) in place (None: itself)."""
    scenario = get(scenario)
    if patch is None:
        return scenario
    if not isinstance(patch, dict):
        raise bad_value("patch", patch, "a dict {kernel function name: function}, or None")
    build, fixed = scenario.build, patch
    return replace(scenario, build=lambda at, patch=None: build(at, patch=fixed))


def explore(scenario, at, bound=2, prune=True, limit=20000, progress=None, every=100, patch=None):
    """Every schedule of `scenario` at step `at` with at most `bound` preemptions: a Report.

    With `prune` (the default) schedules that only reorder commuting steps are
    explored once (DPOR); without it, every schedule within the bound is run.
    `progress(report)` is called every `every` complete schedules with the
    counts so far (and once at the end); if it returns a true value the
    exploration stops there, as it does after `limit` schedules
    (`report.stopped` then says so). `patch` ({name: function}) explores the
    kernel with those functions in place (a grader's).
    """
    scenario = with_patch(get(scenario), patch)
    check_int("bound (preemptions)", bound, 0)
    check_int("limit (schedules)", limit, 1)
    if not isinstance(prune, bool):
        raise bad_value("prune", prune, "True or False")
    counter = _Progress(Report(scenario.name, at, bound, prune), progress, every, limit)
    if not prune:
        report = _explore_plain(scenario, at, bound, counter)
        counter.finish()
        return report
    report = counter.report
    dpor = _Dpor(scenario, at, bound, counter)
    k, ctx = scenario.build(at)
    dpor.run(k, ctx)
    if dpor.best is not None:
        (report.shortest_preemptions, _), report.shortest, report.shortest_error = dpor.best
        report.shortest = compress(report.shortest)
    report.elapsed_s = time.perf_counter() - dpor.t0
    counter.finish()
    return report


__all__ = ["Report", "explore", "random_run", "runs_until_failure", "with_patch"]
