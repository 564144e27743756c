"""The bugs of the series as named, replayable scenarios.

A scenario builds a small machine at a given step, starts the kernel paths
that race as tasks (labelled M for migration, F for fork), and says what
happens after they finish (`finish`: touch the memory, write, check).
`run(scenario, at, schedule)` replays a schedule string exactly, checks the
invariants after every scheduling point, and reports what broke.

    from migsim import scenarios
    scenarios.run(scenarios.FORK_RACE, "swapless-core", scenarios.FORK_RACE.schedule)
"""

import functools
import re
from dataclasses import dataclass, field

from . import sched, steps
from .errors import MigsimError, bad_value, check_bool
from .include.asm_i386.pgtable import PAGE_SIZE as PAGE
from .machine import Kernel


@dataclass(frozen=True)
class Scenario:
    """A bug of the series as a machine, its racing tasks and an ending."""

    name: str
    bug: str
    title: str
    about: str
    build: object            # build(at, patch=None) -> (kernel, context dict); the tasks are started
    finish: object           # finish(kernel, context): what happens after the tasks
    schedule: str = ""       # a schedule that shows the bug where it lives ("" = any)
    lives: tuple = ()        # the steps where the bug lives
    signature: str = ""      # a regular expression matching the bug's own failure
    plan: object = None      # plan(kernel, context): steers the tasks into the bug, at any step

    def __repr__(self):
        return f"<scenario {self.name} (bug {self.bug}): {self.title}>"

    def schedule_for(self, at):
        """The schedule that shows the bug at step `at`: `schedule`, or the one `plan` takes there.

        A plan watches the machine instead of counting scheduling points, so one
        plan fits every step, however many points the code of that step passes.
        """
        if self.plan is None:
            return self.schedule
        k, ctx = self.build(at)
        try:
            self.plan(k, ctx)
        except sched.FAILURES:
            pass
        return sched.compress(k.schedule)


def shows_bug(scenario, outcome):
    """Did this run fail the way the scenario's bug fails (not some other way)?"""
    scenario = get(scenario)
    if not isinstance(outcome, Outcome):
        raise bad_value("outcome", outcome, "the Outcome of scenarios.run")
    return outcome.failed and re.search(get(scenario).signature, outcome.error) is not None


@dataclass
class Outcome:
    """What one run of a scenario did."""

    scenario: str
    at: str
    schedule: str
    failed: bool
    error: str = ""
    kernel: object = field(default=None, repr=False)
    applies: bool = True     # False: the schedule names a task or point this step does not have
    stopped: str = ""        # then: where and why it stopped

    def __str__(self):
        verdict = f"FAILS: {self.error}" if self.failed else "ok"
        if not self.applies:
            verdict = self.stopped
        return f"{self.scenario} at {self.at}, schedule {self.schedule or '(none)'}: {verdict}"


def _kernel(at, patch, **machine):
    """The scenario's machine at `at`, with `patch`'s functions in place if there is one (a grader's)."""
    return Kernel(at=at, **machine) if patch is None else Kernel(at=at, patch=patch, **machine)


def _needs_swap(at):
    """Before swapless-core, anonymous pages can only migrate through swap."""
    return steps.INDEX[at] < steps.INDEX["swapless-core"]


def _family(at, seed, npages=2, own=8, patch=None):
    """A parent with `npages` anonymous pages shared copy-on-write with its child.

    The child also has `own` pages of its own, below the shared ones, so a
    migration of the child meets the shared pages only after a while.
    """
    k = _kernel(at, patch, nodes=2, frames_per_node=24, seed=seed)
    parent = k.spawn("parent")
    scratch = parent.mmap(own)               # left untouched by the parent
    a = parent.mmap(npages)
    for i in range(npages):
        parent.write(a + i * PAGE, b"family %d" % i)
    child = parent.fork(comm="child")
    for i in range(own):
        child.write(scratch + i * PAGE, b"child's own %d" % i)
    if _needs_swap(at):
        k.sys_swapon(16)
    return k, parent, child, a


def _build_fork_race(at, patch=None, forker="parent", own=8, shared=2):
    """Root migrates one of the family (M) while the other forks (F): the parent forks by default."""
    k, parent, child, a = _family(at, seed=12, npages=shared, own=own, patch=patch)
    migrated, forking = (child, parent) if forker == "parent" else (parent, child)
    k.start(k.sys_migrate_pages, migrated.pid, [0], [1], label="M")
    k.start(forking.fork, label="F", comm="new child" if forker == "parent" else "grandchild")
    return k, {"a": a, "anon_vma": k.find_vma(parent.mm, a).anon_vma, "mms": (parent.mm, child.mm),
               "shared": shared}


def fork_race_variant(forker="parent", own=8, shared=2):
    """Bug B's loud race in another family: a Scenario (not registered: exercise 07.1's variants).

    `shared` pages are shared copy-on-write by a parent and its child, and
    the child has `own` pages of its own. With `forker` "parent", root
    migrates the child (M) while the parent forks (F), as in FORK_RACE;
    with "child", root migrates the parent while the child forks: the
    forking process's vma is then not the first on the anon_vma list.
    """
    if forker not in ("parent", "child"):
        raise bad_value("forker", forker, "'parent' or 'child'")
    for name, n, low in (("own", own, 1), ("shared", shared, 1)):
        if not isinstance(n, int) or isinstance(n, bool) or not low <= n <= 12:
            raise bad_value(name, n, f"a number of pages from {low} to 12")

    who = ("root migrates the child while the parent forks" if forker == "parent"
           else "root migrates the parent while the child forks")
    return Scenario(
        name=f"fork_race_{forker}_forks_{own}_{shared}", bug="B",
        title=f"fork races migration ({who}; {shared} shared, {own} of the child's own)",
        about=(f"{who[0].upper()}{who[1:]}. fork links the new vma at the head of the anon_vma before it copies "
               f"the ptes; remove_migration_ptes can pass the new process before the copy and restore the "
               f"one it copies from after it, and the new process keeps a migration entry for a page that "
               f"is gone."),
        build=functools.partial(_build_fork_race, forker=forker, own=own, shared=shared),
        finish=_finish_touch_all, lives=FORK_RACE.lives,
        signature=FORK_RACE.signature)


def _plan_fork_race_quiet(k, ctx):
    """F links the new child's vma and stops before copying its ptes; M's remove_from_swap
    visits that vma (empty) and stops at the next; F copies the parent's swap pte; M goes on."""
    m, f = k.task("M"), k.task("F")
    shared = ctx["anon_vma"]
    while not f.done and not any(v.vm_mm not in ctx["mms"] for v in shared.head):
        f.step()
    visited = 0
    while not m.done and visited < 2:
        point = m.step()
        if point is not None and point.name == "remove_from_swap_vma" and shared.lock.holder == m.label:
            visited += 1
    while not f.done and not f.blocked:
        f.step()


def _finish_touch_all(k, ctx):
    """Every process touches the page; then the machine is checked."""
    for p in sorted(k.tasks_by_pid.values(), key=lambda p: p.pid):
        if p.mm is not None:
            p.read(ctx["a"], ctx.get("shared", 2) * PAGE)
    k.check()


def _build_cow(at, patch=None):
    k, parent, child, a = _family(at, seed=13, patch=patch)
    k.start(k.sys_migrate_pages, child.pid, [0], [1], label="M")
    k.start(parent.fork, label="F", comm="new child")
    return k, {"a": a, "parent": parent}


def _finish_grandchild_writes(k, ctx):
    """The new child writes its private copy; the parent must not see it."""
    k.check()
    new_child = max(k.tasks_by_pid.values(), key=lambda p: p.pid)
    new_child.write(ctx["a"], b"CHILD!")
    k.check()


def _build_swapon(at, patch=None):
    k = _kernel(at, patch, nodes=2, frames_per_node=12, seed=14)
    return k, {"swapon": [k.sys_swapon(1) for _ in range(k.MAX_SWAPFILES + 1)]}


def _finish_check(k, ctx):
    k.check()


def _build_dirty_fallback(at, patch=None):
    k = _kernel(at, patch, nodes=2, frames_per_node=12, seed=4)
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=True)
    p.write(q, b"unsaved")                   # dirty in the pte only
    k.sys_swapon(8)
    k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    return k, {"a": q}


FORK_RACE = Scenario(
    name="fork_race", bug="B",
    title="fork races migration and leaves an orphaned migration entry",
    about=("Root migrates a child's page, shared copy-on-write with its parent, while the parent "
           "forks again. fork links the new vma into the anon_vma before copying ptes; with new "
           "vmas at the head, remove_migration_ptes can visit the new child before the copy and "
           "the parent after it, so the new child keeps a migration entry for a page that is gone."),
    build=_build_fork_race, finish=_finish_touch_all,
    schedule="M85F7M6F2M", lives=("swapless-core",),
    signature=r"migration entry .* for unlocked pfn|include/linux/swapops\.h")

FORK_RACE_QUIET = Scenario(
    name="fork_race_quiet", bug="B",
    title="fork races swap-based migration and the new child reads a slot never written",
    about=("The same race in 2.6.16's swap-based migration. The shared page is given a swap slot "
           "and every pte becomes that swap entry; fork links the new child's vma at the head of "
           "the anon_vma, remove_from_swap visits it before fork has copied the parent's swap pte "
           "into it, and then drops the new page from the swap cache. The child's entry is counted, "
           "so nothing complains, but the slot was never written: the child reads whatever the "
           "swap device held there, a previous boot's bytes. Silent data loss."),
    build=_build_fork_race, finish=_finish_touch_all,
    lives=tuple(i for i in steps.IDS if steps.INDEX[i] <= steps.INDEX["migration-entries"]),
    signature=r"reads wrong data .*never written since swapon", plan=_plan_fork_race_quiet)

COW_FORK = Scenario(
    name="cow_fork", bug="C",
    title="fork during migration leaves parent and child sharing a writable page",
    about=("The parent forks while its page is a migration entry. copy_one_pte means to make the "
           "entry read-only in both, but passes SWP_MIGRATION_READ (30) as 'write?': both get "
           "write entries, and once migration ends, writable ptes to the same new page."),
    build=_build_cow, finish=_finish_grandchild_writes,
    schedule="M85F9", lives=("swapless-core", "fork-race-fix"),
    signature=r"\(parent\) reads wrong data")

SWAPON_OVERFLOW = Scenario(
    name="swapon_overflow", bug="D",
    title="the 31st swapon writes past the end of swap_info[]",
    about=("With MAX_SWAPFILES down to 30, sys_swapon's old check (is the type encodable in a "
           "swap pte? 31 is) lets a 31st area in: swap_info[30] is past the end of the array, and "
           "types 30 and 31 are the migration entries' own."),
    build=_build_swapon, finish=_finish_check,
    lives=("migration-entries", "rip-out-swap", "swapless-core", "fork-race-fix", "cow-fix"),
    signature=r"swap_info\[30\] is past the end")

DIRTY_FALLBACK = Scenario(
    name="dirty_fallback", bug="A",
    title="a page dirty only in its pte migrates on the fallback path",
    about=("listfs has no migratepage and keeps its own list of dirty pages. Testing PageDirty "
           "before unmapping misses the dirty bit in the pte; unmapping then dirties the page and "
           "puts it on listfs's list, and the page moves anyway: the list points at a freed page."),
    build=_build_dirty_fallback, finish=_finish_check,
    lives=("v2.6.16", "reorg", "fixups", "unexport-swap-page"),
    signature=r"own dirty list points at pfn")

ALL = {s.name: s for s in (DIRTY_FALLBACK, FORK_RACE_QUIET, FORK_RACE, COW_FORK, SWAPON_OVERFLOW)}


def get(name):
    """The scenario called `name`."""
    if isinstance(name, Scenario):
        return name
    if name not in ALL:
        raise MigsimError(f"unknown scenario {name!r}: expected one of {', '.join(ALL)}")
    return ALL[name]


def run(scenario, at, schedule="", check_every_step=True, patch=None):
    """Replay `schedule`, let the tasks finish in start order, then the ending. An Outcome.

    `schedule` is task letters ("M85F7M6F2M") or scheduling points
    ("M@remove_migration_ptes#2 F@copy_one_pte M F", see `sched.parse`). One
    that names a task that cannot run here, or a point its task never meets,
    gives an Outcome that does not apply (`.applies` False, `.stopped` says
    where); the outcome's `.schedule` is the letters that ran. `patch`
    ({name: function}) runs it on a kernel with those functions in place (a grader's).
    """
    scenario = get(scenario)
    check_bool("check_every_step", check_every_step)
    sched.parse(schedule)                    # a malformed schedule is a mistake, before any build
    k, ctx = scenario.build(at, patch=patch)
    start = len(k.schedule)
    check = k.check if check_every_step else None
    try:
        sched.replay(k, schedule, after_step=check)
        sched.run(k, after_step=check)
        scenario.finish(k, ctx)
    except sched.DoesNotApply as e:
        return Outcome(scenario.name, at, e.ran, False, "", k, applies=False, stopped=str(e))
    except sched.FAILURES as e:
        return Outcome(scenario.name, at, sched.compress(k.schedule[start:]), True, str(e), k)
    return Outcome(scenario.name, at, sched.compress(k.schedule[start:]), False, "", k)


__all__ = ["Scenario", "Outcome", "FORK_RACE", "FORK_RACE_QUIET", "COW_FORK", "SWAPON_OVERFLOW", "DIRTY_FALLBACK",
           "ALL", "get", "run", "shows_bug"]
