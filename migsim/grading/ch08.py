"""Chapter 08, the COW bug (step cow-fix, bug C): its exercise.

08.1 (fix): at fork, copy_one_pte must leave a migration entry of a COW
mapping read-only in both parent and child, as it write-protects a present
pte. Judged by the explorer on bug C's scenario with the answer in place, by
a write migration entry met at fork, and by seeded runs that fork at a
random point of a migration with the copy-on-write check on
(`k.check(cow=True)`) after every scheduling point.
"""

import random

from .. import explore, sched, scenarios
from ..include.linux.pgtable_walk import get_pte, pte_clear
from ..include.linux.swapops import pte_to_swp_entry, swp_offset
from .checks import drive, workload_check
from .core import Fix, Predict, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE


def _entry(k, p, addr):
    """The migration entry at `addr` of `p` ("read" / "write"), or None if the pte is something else."""
    text = str(k.pte(p, addr))
    for kind in ("read", "write"):
        if f"migration {kind} entry" in text:
            return kind
    return None


def _run(k, pick):
    """Step the ready tasks (`pick` chooses one) to their end, the COW check after every point."""
    drive(k, pick=pick, after=lambda: k.check(cow=True), what="the migration and the fork to finish")


def _private(procs, addr, npages):
    """Each process writes its own name into every page; each must read back its own."""
    for p in procs:
        for i in range(npages):
            p.write(addr + i * PAGE, b"%s %d." % (p.comm.encode(), i))
    for p in procs:
        for i in range(npages):
            want = b"%s %d." % (p.comm.encode(), i)
            got = p.read(addr + i * PAGE, len(want))
            expect(got == want, f"{p.comm} to read its own {want!r}", f"{got!r} (another process's write)")


def check_explorer(bound):
    @check(f"the explorer on bug C's scenario (bound {bound})")
    def explored(make):
        report = explore.explore(scenarios.COW_FORK, make.at, bound=bound, patch=make.patch)
        expect(report.failing == 0, f"no failing schedule within {bound} preemptions",
               lambda: f"{report.failing} of {report.explored}, e.g. {report.shortest}: {report.shortest_error}")
    return explored


@check("fork meets a write migration entry: read entries in both")
def check_write_entry(make):
    """A write migration entry in a COW mapping: copy_one_pte leaves read entries in parent and child.

    Simplified: through the system calls a write entry never meets fork here
    (migration holds the mm's mmap_sem, which fork takes for writing), so the
    check calls copy_one_pte itself, into a second process's empty pte at the
    same address, and clears that pte again before the migration ends.
    """
    k = make(nodes=2, frames_per_node=24, seed=8)
    parent, other = k.spawn("parent"), k.spawn("other")
    a = parent.mmap(1)
    parent.write(a, b"parent's own")
    expect(other.mmap(1) == a, "the same address in both (set up)", "another one")
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    while not m.done and _entry(k, parent, a) is None:
        m.step()
    expect(_entry(k, parent, a) == "write", "a write migration entry in the parent (set up)",
           lambda: str(k.pte(parent, a)))
    before = get_pte(parent.mm, a)
    k.copy_one_pte(other.mm, parent.mm, k.find_vma(parent.mm, a), a, [0, 0])
    got = {p.comm: _entry(k, p, a) for p in (parent, other)}
    copied = get_pte(other.mm, a)
    pte_clear(other.mm, a)
    expect(got == {"parent": "read", "other": "read"}, "read migration entries in parent and child",
           lambda: ", ".join(f"{n}: {v or 'no migration entry'}" for n, v in got.items()))
    expect(swp_offset(pte_to_swp_entry(copied)) == swp_offset(pte_to_swp_entry(before)),
           "the child's entry to name the same page (pfn)", f"{copied:#010x} for {before:#010x}")
    _run(k, lambda ready: ready[0])
    _private([parent], a, 1)


@check("fork without migration still write-protects both")
def check_present(make):
    """fork with no migration: present ptes are write-protected in both, as always."""
    k = make(nodes=2, frames_per_node=24, seed=9)
    parent = k.spawn("parent")
    a = parent.mmap(2)
    parent.write(a, b"before fork")
    child = parent.fork(comm="child")
    k.check(cow=True)
    _private([child, parent], a, 2)
    k.check(cow=True)


def cow_run(make, seed):
    """The parent forks at a seeded random point of a migration of its older child."""
    rng = random.Random(seed)
    k = make(nodes=2, frames_per_node=24, seed=seed)
    parent = k.spawn("parent")
    npages = rng.randint(1, 3)
    a = parent.mmap(npages)
    for i in range(npages):
        parent.write(a + i * PAGE, b"family %d" % i)
    older = parent.fork(comm="older")           # migrating it meets the pages shared COW: read entries
    m = k.start(k.sys_migrate_pages, older.pid, [0], [1], label="M")
    f = k.start(parent.fork, label="F", comm="younger")
    for _ in range(rng.randint(0, 100)):        # fork at a random moment of the migration
        if m.done or m.blocked:
            break
        m.step()
        k.check(cow=True)
    _run(k, rng.choice)
    _private([f.result, older, parent], a, npages)


def cow_check(seeds):
    @check(f"fork at random moments of a migration, COW check on (seeds {seeds[0]}-{seeds[-1]})")
    def runs(make):
        for seed in seeds:
            cow_run(make, seed)
    return runs


FIX_08_1 = Fix(
    "08.1", "cow-fix", "fork leaves a migration entry of a COW mapping read-only in parent and child",
    functions=["copy_one_pte"],
    checks=[check_explorer(1),
            check_write_entry,
            check_present,
            cow_check(list(range(8))),
            workload_check(1)],
    hidden=[cow_check(list(range(8, 20)))],
    results={"copy_one_pte": (lambda v: v is None, "None (it returns nothing)")})

EXERCISES = (FIX_08_1,)


# --- 08.2 (predict): how many ptes are writable once the migration ends ----------------------

def writable_ptes_08():
    """How many of the three processes' ptes of the first shared page are writable after COW_FORK's tasks end."""
    cow = scenarios.COW_FORK
    k, ctx = cow.build("fork-race-fix")
    sched.replay(k, cow.schedule)
    sched.run(k)                              # the tasks done, the ending (the new child's write) not run
    return sum(bool(k.pte(p, ctx["a"]).write) for p in k.tasks_by_pid.values() if p.mm is not None)


PREDICT_08_2 = Predict("08.2", "fork-race-fix", "how many of the three ptes are writable when migration ends",
                       writable_ptes_08)
EXERCISES = EXERCISES + (PREDICT_08_2,)
