"""Chapter 07, the fork race (step fork-race-fix, bug B): its two exercises.

07.1 (find): a schedule of the student's own variant of the race (seeded by
their id: who forks, how many pages the family shares and the child owns)
that leaves a new child an orphaned migration entry at swapless-core and not
at fork-race-fix. The chapter's family is no variant: nothing it prints answers.

07.2 (fix): any change that closes the race in both its forms, the loud
one (migration entries, at swapless-core) and the quiet one (swap-based
migration, at migration-entries). Every family of fix discussed when the
race was found is an answer: link the new vma at the tail (anon_vma_link,
__anon_vma_link, anon_vma_prepare, or dup_mmap linking it behind its
parent); walk the list the other way (remove_migration_ptes for the loud
form, remove_from_swap for the quiet one); hold the anon_vma lock across
fork's copy of the ptes (copy_page_range, copy_pte_range); or link and
copy in one lock section (dup_mmap). Each function of the answer goes in
at each step that has it (remove_from_swap is gone at swapless-core).
The explorer must find no failing schedule of the loud form, in the
scenario's family (the parent forks) and when the forking process's vma is
not the first on the list (the child forks while its parent's pages
migrate); the quiet form follows its plan (explored among the hidden
checks, to stay quick); fork and migration must still work.
"""

from dataclasses import replace

from .. import explore, scenarios
from .checks import drive, workload_check
from .core import FindSchedule, Fix, Wrong, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
LOUD_AT = "swapless-core"           # the step before the fix: migration entries, the loud form
QUIET_AT = "migration-entries"      # the last step where the quiet (swap-based) form lives
# Bug B by scheduling points: M restores its last page's ptes while F copies the parent's.
EXPLORE_S = 60.0                    # per check: an exploration runs 67-76 schedules, slower traced
B_POINTS = "M@remove_migration_ptes#10 F@copy_one_pte M F"


def _build_child_forks(at, patch=None):
    """The parent's pages migrate (M) while its child, whose vma is not the list's first, forks (F)."""
    # One page of the child's own: its fork has few ptes to copy (fewer schedules to explore).
    k, parent, child, a = scenarios._family(at, seed=12, own=1, patch=patch)
    k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    k.start(child.fork, label="F", comm="grandchild")
    return k, {"a": a, "anon_vma": k.find_vma(parent.mm, a).anon_vma, "mms": (parent.mm, child.mm)}


# The same race where the forking process is not the one whose vma heads the anon_vma list:
# an answer that links the new vma second (behind the list's first) is walked before its parent.
CHILD_FORKS = replace(scenarios.FORK_RACE, name="fork_race_child_forks", build=_build_child_forks,
                      title="the child forks while its parent's pages migrate", schedule="", plan=None)


def _explored(scenario, at, patch):
    """Explore `scenario` at `at` with `patch` (bound 2): Wrong if any schedule fails."""
    # The first failing schedule is enough: stop there (a wrong fix may have many more schedules).
    report = explore.explore(scenario, at, bound=2, patch=patch or None, progress=lambda r: r.failing, every=1)
    expect(report.failing == 0, f"no failing schedule of {scenario.name} at {at} (bound 2)",
           lambda: f"schedule {report.shortest} fails: {report.shortest_error}")


@check("the loud form: the explorer finds no failing fork_race schedule at swapless-core")
def check_loud(make):
    _explored(scenarios.FORK_RACE, make.at, make.patch)


@check("the loud form when the child forks (its vma not first on the list): no failing schedule")
def check_loud_child_forks(make):
    _explored(CHILD_FORKS, make.at, make.patch)


@check(f"bug B by scheduling points ({B_POINTS})")
def check_points(make):
    out = scenarios.run(scenarios.FORK_RACE, make.at, B_POINTS, patch=make.patch or None)
    expect(not out.failed, f"no failure for the schedule {B_POINTS!r}", out.error)


class QuietPlan:
    """The quiet form's plan as a pick function: F links, M walks past the new vma, F copies, then the rest.

    It steers only while the task it wants can run: an answer that makes a
    task wait (a lock held across the copy, say) just ends the plan early.
    """

    def __init__(self, k, ctx):
        self.k, self.ctx, self.phase, self.visited, self.last = k, ctx, 0, 0, None

    def linked(self):
        return any(v.vm_mm not in self.ctx["mms"] for v in self.ctx["anon_vma"].head)

    def __call__(self, ready):
        m, f = self.k.task("M"), self.k.task("F")
        if self.phase == 0 and (f not in ready or self.linked()):
            self.phase = 1
        if self.phase == 1 and (m not in ready or self.visited >= 2):
            self.phase = 2
        if self.phase == 2 and f not in ready:
            self.phase = 3
        want = {0: f, 1: m, 2: f}.get(self.phase)
        self.last = want if want in ready else ready[0]
        return self.last

    def after(self):
        m = self.k.task("M")
        if self.last is m and m.point is not None and m.point.name == "remove_from_swap_vma" \
                and self.ctx["anon_vma"].lock.holder == m.label:
            self.visited += 1
        self.k.check()


@check(f"the quiet form at {QUIET_AT}: its plan (F links, M walks past, F copies) reads right")
def check_quiet_plan(make):
    m = make.at_step(QUIET_AT)
    sc = scenarios.FORK_RACE_QUIET
    k, ctx = sc.build(QUIET_AT, patch=m.patch or None)
    plan = QuietPlan(k, ctx)
    drive(k, pick=plan, after=plan.after, what="the migration and the fork to finish")
    sc.finish(k, ctx)


@check(f"the quiet form: no failing fork_race_quiet schedule at {QUIET_AT}")
def check_quiet(make):
    _explored(scenarios.FORK_RACE_QUIET, QUIET_AT, make.at_step(QUIET_AT).patch)


@check("fork and fork again: each process keeps its own copy")
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
        expect(vma.anon_vma is not None and vma in vma.anon_vma.head, f"{p.comm}'s vma on its anon_vma list",
               "it is not")


@check("migration and fork one after the other, both orders")
def check_family_migrates(make):
    """The scenario's tasks one after the other: the migration moves, the new child reads right."""
    for schedule, what in (("M F", "migration then fork"), ("F M", "fork then migration")):
        out = scenarios.run(scenarios.FORK_RACE, make.at, schedule, patch=make.patch or None)
        if not out.applies:
            raise Wrong(f"{what} to run", out.stopped)
        expect(not out.failed, f"{what} to leave the machine sane", out.error)


def _describe_07_1(v):
    family = (f"a parent and its child share {v['shared']} page{'s' * (v['shared'] != 1)} copy-on-write, "
              f"and the child has {v['own']} page{'s' * (v['own'] != 1)} of its own below them")
    if v["forker"] == "parent":
        race = "root migrates the child from node 0 to node 1 (task M) while the parent forks a new child (task F)"
    else:
        race = ("root migrates the parent from node 0 to node 1 (task M) while the child forks a grandchild "
                "(task F): the forking process's vma is not the first on the anon_vma list")
    return f"{family}; {race}. Replay it with scenarios.run(variant.scenario, 'swapless-core', schedule)."


# 07.1's variants: who forks, and the family's shape. Each has bug B at swapless-core (tests/test_find_variants.py
# explores every one), and none is the chapter's family (the parent forks, 8 pages of the child's own, 2 shared):
# the schedules the chapter prints fail on every one of them (tests/test_find_answers_not_printed.py).
# (6 own, 3 shared with the parent forking is left out: there the quiet plan's schedule at fork-race-fix,
# which the chapter prints, happens to orphan an entry too.)
VARIANTS_07_1 = tuple(
    [{"forker": "parent", "own": own, "shared": shared} for own in range(2, 7) for shared in (1, 2, 3)
     if (own, shared) != (6, 3)]
    + [{"forker": "child", "own": own, "shared": shared} for own in range(1, 6) for shared in (1, 2, 3)])

FIND_07_1 = FindSchedule(
    "07.1", "fork-race-fix", "a schedule of your variant of the race that orphans a migration entry before the "
    "fix and not after",
    scenario=scenarios.FORK_RACE, bug="B").seeded(
        VARIANTS_07_1, _describe_07_1,
        lambda v: {"scenario": scenarios.fork_race_variant(v["forker"], v["own"], v["shared"])})

FIX_07_2 = Fix(
    "07.2", "fork-race-fix", "fork's new vma can no longer slip behind the walk of the migration",
    functions=["anon_vma_link", "__anon_vma_link", "anon_vma_prepare", "dup_mmap",
               "copy_page_range", "copy_pte_range", "copy_one_pte",
               "remove_migration_ptes", "remove_from_swap"], any_of=True,
    checks=[check_loud, check_loud_child_forks, check_points, check_quiet_plan, check_fork,
            check_family_migrates]
    + [workload_check(seed) for seed in (1, 2)] + [workload_check(1, at=QUIET_AT)],
    hidden=[check_quiet] + [workload_check(seed) for seed in (3, 4)],
    also_at=(QUIET_AT,), seconds=EXPLORE_S)

EXERCISES = (FIND_07_1, FIX_07_2)
