"""Driving a check's tasks: in turn through the one scheduler, the machine checked after every point.

Shared by the graders of chapters 05 and 06's later exercises (ch05_entries,
ch06_core): a check starts kernel paths as tasks, steps one alone to the
state it wants (`until`), then lets them all run to the end (`finish`).
"""

import itertools

from .. import sched
from .core import Wrong, expect

MAX_POINTS = 4000          # scheduling points the tasks of one check may take
SPIN = 300                 # points a faulting task may take without sleeping on the page


def at(step, make):
    """A maker of kernels at `step` with the same answer in place (built once per step)."""
    return make.at_step(step)


def turns():
    """A pick function for sched.run: the ready tasks in turn, one point each."""
    n = itertools.count()
    return lambda ready: ready[next(n) % len(ready)]


def finish(k, *tasks, cow=False, check_last=True):
    """Run every task of `k` to the end, in turn, checking after each point; all of `tasks` must end.

    Without `check_last`, the state after the last point is left to the caller
    (a check that holds a reference of its own gives it back first).
    """
    steps = itertools.count()

    def after():
        if next(steps) > MAX_POINTS:
            raise Wrong("the tasks to finish", f"still running after {MAX_POINTS} scheduling points")
        if check_last or any(not t.done for t in k.tasks):
            k.check(cow=cow)

    sched.run(k, turns(), after)
    stuck = [t for t in tasks if not t.done]
    expect(not stuck, "every task to finish",
           lambda: f"task {stuck[0].label} waits forever in {stuck[0].waits_on()} (a lock kept?)")


def until(k, task, cond, cow=False, limit=MAX_POINTS, check=True):
    """Step `task` alone until `cond()` holds (or it cannot go on), checking after each point (`check`)."""
    for _ in range(limit):
        if cond() or task.done or task.blocked:
            return
        task.step()
        if check:
            k.check(cow=cow)


def sleeps_on(k, task, page, what):
    """Step the faulting `task` until it sleeps; it must sleep on `page` (locked by migration)."""
    for _ in range(SPIN):
        if task.done or task.blocked:
            break
        task.step()
        k.check()
    expect(not task.done, f"{what} to wait while the page is locked for migration",
           "it finished at once, with the pte still a migration entry")
    expect(task.blocked, f"{what} to sleep until the page is unlocked",
           f"it faulted again and again for {SPIN} scheduling points without sleeping (a busy wait)")
    expect(task.point.what is page, f"{what} to sleep on the page the entry names (pfn 0x{page.pfn:x})",
           f"it waits in {task.waits_on()}")
