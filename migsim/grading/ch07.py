"""Chapter 07, the fork race (step fork-race-fix, bug B): its two exercises.

07.1 (find): a schedule of the fork_race scenario that leaves the new child
an orphaned migration entry at swapless-core and not at fork-race-fix.
07.2 (fix): any change to the anon_vma linking (or to dup_mmap) that closes
the race in both its forms: the explorer must find no failing schedule of
the loud form at swapless-core nor of the quiet one at migration-entries,
and fork and migration must still work (the quiet form is explored only
among the hidden checks: the visible ones follow its plan, to stay quick).
"""

from .. import explore, scenarios, sched
from .ch02 import workload_check        # the same seeded workloads (fork, migrate, reclaim ...)
from .core import FindSchedule, Fix, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
QUIET_AT = "migration-entries"      # the last step where the quiet (swap-based) form lives
# Bug B by scheduling points: M restores its last page's ptes while F copies the parent's.
EXPLORE_S = 60.0                    # per check: an exploration runs 67-76 schedules, slower traced
B_POINTS = "M@remove_migration_ptes#10 F@copy_one_pte M F"


def _explored(scenario, at, patch):
    """Explore `scenario` at `at` with `patch` (bound 2): Wrong if any schedule fails."""
    # The first failing schedule is enough: stop there (a wrong fix may have many more schedules).
    report = explore.explore(scenario, at, bound=2, patch=patch, progress=lambda r: r.failing, every=1)
    expect(report.failing == 0, f"no failing schedule of {scenario.name} at {at} (bound 2)",
           lambda: f"schedule {report.shortest} fails: {report.shortest_error}")


def check_loud(make):
    _explored(scenarios.FORK_RACE, make.at, make.patch)


def check_quiet_plan(make):
    """The quiet form's own plan (F links, M walks past the new vma, F copies), then the rest."""
    sc = scenarios.FORK_RACE_QUIET
    k, ctx = sc.build(QUIET_AT, patch=make.patch)
    sc.plan(k, ctx)
    sched.run(k, after_step=k.check)
    sc.finish(k, ctx)


def check_quiet(make):
    _explored(scenarios.FORK_RACE_QUIET, QUIET_AT, make.patch)


def check_points(make):
    out = scenarios.run(scenarios.FORK_RACE, make.at, B_POINTS, patch=make.patch)
    expect(not out.failed, f"no failure for the schedule {B_POINTS!r}", out.error)


def check_fork(make):
    """Fork, and fork again from the child: each process keeps its own copy of what it writes."""
    k = make(nodes=2, frames_per_node=24, seed=7)
    parent = k.spawn("parent")
    a = parent.mmap(3)
    for i in range(3):
        parent.write(a + i * PAGE, b"parent %d" % i)
    child = parent.fork(comm="child")
    child.write(a, b"child 0")
    grandchild = child.fork(comm="grandchild")
    grandchild.write(a + PAGE, b"grandchild 1")
    k.check()
    want = {parent: (b"parent 0", b"parent 1"), child: (b"child 0", b"parent 1"),
            grandchild: (b"child 0", b"grandchild 1")}
    for p, (first, second) in want.items():
        got = (p.read(a, len(first)), p.read(a + PAGE, len(second)))
        expect(got == (first, second), f"{p.comm} to read {(first, second)}", repr(got))
    for p in want:
        vma = k.find_vma(p.mm, a)
        expect(vma in vma.anon_vma.head, f"{p.comm}'s vma on its anon_vma list", "it is not")


def check_family_migrates(make):
    """The scenario's tasks one after the other: the migration moves, the new child reads right."""
    out = scenarios.run(scenarios.FORK_RACE, make.at, "M F", patch=make.patch)
    expect(not out.failed, "migration then fork to leave the machine sane", out.error)
    out = scenarios.run(scenarios.FORK_RACE, make.at, "F M", patch=make.patch)
    expect(not out.failed, "fork then migration to leave the machine sane", out.error)


FIND_07_1 = FindSchedule(
    "07.1", "fork-race-fix", "a schedule that orphans a migration entry before the fix and not after",
    scenario=scenarios.FORK_RACE, bug="B")

FIX_07_2 = Fix(
    "07.2", "fork-race-fix", "fork's new vma can no longer slip behind the walk of remove_migration_ptes",
    functions=["anon_vma_link", "__anon_vma_link", "anon_vma_prepare", "dup_mmap"], any_of=True,
    checks=[
        ("the loud form: the explorer finds no failing fork_race schedule at swapless-core", check_loud),
        (f"bug B by scheduling points ({B_POINTS})", check_points),
        (f"the quiet form at {QUIET_AT}: its plan (F links, M walks past, F copies) reads right", check_quiet_plan),
        ("fork and fork again: each process keeps its own copy", check_fork),
        ("migration and fork one after the other, both orders", check_family_migrates),
    ] + [workload_check(seed) for seed in (1, 2)],
    hidden=[(f"the quiet form: no failing fork_race_quiet schedule at {QUIET_AT}", check_quiet)]
    + [workload_check(seed) for seed in (3, 4)],
    seconds=EXPLORE_S)

EXERCISES = (FIND_07_1, FIX_07_2)
