"""Chapter 11, the capstone (from rip-out-swap): swapless migration, written by the student.

Four exercises, one per part, so that nbgrader gives partial credit part by part:

* 11.1 `migrate_page_move_mapping` (the no-mapping case) and `migrate_page`
  (move the mapping, copy the state; no swap left to rebuild);
* 11.2 `remove_migration_pte` and `remove_migration_ptes` (anonymous pages);
* 11.3 `migrate_pages`: every pass ends with the migration entries removed,
  to the new page on success and to the old page on failure;
* 11.4 all five together: the unmovable pages come back intact, and the
  explorer finds no failing schedule of the fork race (bug B) nor of the COW
  race (bug C) with them in place.

Where the answer is judged: in the kernel at swapon-fix, the student's
functions replacing that step's versions. The chapter starts from
rip-out-swap, but grading there would judge the student against bugs B and
C, which rip-out-swap still has in fork (head insertion in `anon_vma_link`,
the COW bool in `copy_one_pte`) and which the student is not asked to
write; swapon-fix is the last step whose five functions keep swapless-core's
parameters (no-rss and later steps change them), and fork-race-fix, cow-fix
and swapon-fix touch none of them. So every fix of chapters 07-09 is in
place except what the student writes, and a walk or a restore that brings
B or C back fails on its own account. A part judged alone (11.1-11.3) runs
with the kernel's versions of the other functions, so one part's mistake
never costs another part's points.

Behaviour only: what sys_migrate_pages and mbind return, which node each
page ends on, what every pte maps and allows, every byte each process wrote
(`check(cow=True)` after every scheduling point), seeded workloads, and the
explorer. A failing schedule is named with how to replay it in a stepper.
"""

import re

from .. import explore, scenarios
from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
from ..include.linux.mm import VM_LOCKED, get_page, put_page
from ..machine import Kernel
from ..mm.mempolicy import MPOL_MF_MOVE
from .checks import workload_check
from .core import Fix, Predict, Wrong, expect
from .drive import finish, until

AT = "swapon-fix"
EXPLORE_S = 60.0               # per check: an exploration runs about 76 schedules, slower traced
MOVE = ("migrate_page_move_mapping", "migrate_page")
RESTORE = ("remove_migration_pte", "remove_migration_ptes")
PASS = ("migrate_pages",)
ALL = MOVE + RESTORE + PASS


# --- the machine and what it must show --------------------------------------------------------

def machine(make, seed):
    return make(nodes=2, frames_per_node=24, seed=seed)


def migrate(k, pid):
    """sys_migrate_pages(pid, [0], [1]) as a task, run to its end with check(cow=True) after each point."""
    t = k.start(k.sys_migrate_pages, pid, [0], [1], label="M")
    finish(k, t, cow=True)
    return t.result


def on(k, p, addr, node, data, writable=None, fault=False):
    """p's pte at `addr` present, on a page of `node` holding `data` (writable or not, if given)."""
    if fault:
        p.read(addr, 1)                       # a file page's pte was only cleared: fault it back
    v = k.pte(p, addr)
    expect(v.present, f"{p.comm}'s pte at 0x{addr:x} present after the migration", str(v))
    node_got = k.page(p, addr).node
    expect(node_got == node, f"{p.comm}'s page at 0x{addr:x} on node {node}", f"node {node_got}")
    if writable is not None:
        expect(v.write == writable, f"{p.comm}'s pte at 0x{addr:x} {'writable' if writable else 'read-only'}",
               "writable" if v.write else "read-only")
    got = p.read(addr, len(data))
    expect(got == data, f"{p.comm} to read {data!r} at 0x{addr:x}", repr(got))


def family(make, seed, children=1, npages=2):
    """A parent with `npages` written pages, forked `children` times: each page shared copy-on-write."""
    k = machine(make, seed)
    parent = k.spawn("parent")
    a = parent.mmap(npages)
    for i in range(npages):
        parent.write(a + i * PAGE, b"family %d" % i)
    return k, parent, [parent.fork(comm=f"child{n}") for n in range(children)], a


# --- pages that move --------------------------------------------------------------------------

def check_private(make):
    k = machine(make, 1)
    p = k.spawn("gcc")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * PAGE, b"private %d" % i)
    ret = migrate(k, p.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    for i in range(3):
        on(k, p, a + i * PAGE, 1, b"private %d" % i, writable=True)


def check_cow(make):
    """Shared copy-on-write: read-only in both after the move, and a write still breaks the sharing."""
    k, parent, (child,), a = family(make, 2)
    ret = migrate(k, child.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    for p in (parent, child):
        for i in range(2):
            on(k, p, a + i * PAGE, 1, b"family %d" % i, writable=False)
    child.write(a, b"CHILD!")
    k.check(cow=True)
    expect(parent.read(a, 8) == b"family 0", "the parent not to see its child's write", repr(parent.read(a, 8)))


def check_three(make):
    """A page mapped by three processes moves in all three (root's migrate_pages moves shared pages)."""
    k, parent, kids, a = family(make, 3, children=2)
    ret = migrate(k, kids[1].pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    for p in (parent, *kids):
        on(k, p, a, 1, b"family 0", writable=False)
    count = k.page(parent, a)._mapcount + 1
    expect(count == 3, "the new page mapped by all three", f"mapcount {count}")


def check_file(make):
    """ext2 and listfs pages, and a private file mapping's own (anonymous) copy."""
    k = machine(make, 4)
    p = k.spawn("editor")
    e = p.mmap(2, file=k.create_file("e", 2, fs="ext2"), shared=True)
    q = p.mmap(2, file=k.create_file("notes", 2, fs="listfs"))
    p.write(e, b"ext2 page")
    p.read(q, 1)
    p.write(q + PAGE, b"my copy")             # an anonymous page in a file vma
    ret = migrate(k, p.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    on(k, p, e, 1, b"ext2 page", fault=True)
    on(k, p, q, 1, b"notes:0\n", fault=True)
    on(k, p, q + PAGE, 1, b"my copy", writable=True)


def check_swap_cache(make):
    """A page back from swap, still in the swap cache: its pte is a swap entry, its page has a mapping."""
    k = machine(make, 5)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"swapped")
    k.reclaim(16)
    p.read(a, 1)                              # swapped in: read-only, in the swap cache
    expect(k.page(p, a).private != 0, "the page in the swap cache (set up)", "it is not")
    ret = migrate(k, p.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    on(k, p, a, 1, b"swapped", fault=True)


def check_fault_waits(make):
    """A read faults on the migration entry and sleeps; its reference fails a pass, a later pass moves."""
    k = machine(make, 8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"wait for me")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    r = k.start(p.read, a, 11, label="R")
    until(k, m, lambda: k.pte(p, a).migration, cow=True)
    until(k, r, lambda: False, cow=True)
    finish(k, m, r, cow=True)
    expect(r.result == b"wait for me", "the reader to read b'wait for me'", repr(r.result))
    expect(m.result == 0, "sys_migrate_pages to return 0", repr(m.result))
    on(k, p, a, 1, b"wait for me", writable=True)


def check_two_at_once(make):
    """Parent and child each own a copy at one address; two migrations run at once, each its own."""
    k, parent, (child,), a = family(make, 6)
    child.write(a, b"child's")
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    n = k.start(k.sys_migrate_pages, child.pid, [0], [1], label="N")
    until(k, n, lambda: k.pte(child, a).migration, cow=True)
    expect(k.pte(child, a).migration, "the child's copy under migration (set up)", str(k.pte(child, a)))
    until(k, m, lambda: False, cow=True)      # M gives its ptes back while N's entry is in the same anon_vma
    finish(k, m, n, cow=True)
    expect((m.result, n.result) == (0, 0), "both migrations to return 0", f"{m.result}, {n.result}")
    on(k, parent, a, 1, b"family 0")
    on(k, child, a, 1, b"child's")


# --- pages that cannot move -------------------------------------------------------------------

def check_pinned(make):
    """A page with a reference nobody gives back stays: its pte back on the old page, writable."""
    k = machine(make, 7)
    p = k.spawn("gcc")
    a = p.mmap(2)
    p.write(a, b"pinned")
    p.write(a + PAGE, b"free to go")
    page = k.page(p, a)
    get_page(page)                            # as a driver's get_user_pages would
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    finish(k, t, cow=True, check_last=False)  # the pin is a reference check() cannot account for
    put_page(page)
    k.check(cow=True)
    expect(t.result == 1, "sys_migrate_pages to return 1 (one page could not move)", repr(t.result))
    expect(k.page(p, a) is page, "the pinned page's pte to map the old page again", "another page")
    on(k, p, a, 0, b"pinned", writable=True)
    on(k, p, a + PAGE, 1, b"free to go", writable=True)


def check_mlocked(make):
    """A page shared with an mlocked vma cannot move (-EPERM): the entries already made become ptes again."""
    k = machine(make, 9)
    parent = k.spawn("parent")
    a = parent.mmap(1)
    parent.write(a, b"locked")
    child = parent.fork(comm="child")
    # As mlock() would: try_to_unmap says SWAP_FAIL at the child's vma, which fork linked after
    # the parent's (at the tail), so the parent's pte is already an entry by then.
    k.find_vma(child.mm, a).vm_flags |= VM_LOCKED
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(parent, a).migration, cow=True)
    expect(k.pte(parent, a).migration, "the parent's pte a migration entry before the unmap fails (set up)",
           str(k.pte(parent, a)))
    finish(k, m, cow=True)
    expect(m.result == 1, "sys_migrate_pages to return 1 (the page could not move)", repr(m.result))
    for p in (parent, child):
        on(k, p, a, 0, b"locked", writable=False)


def check_many_mappers(make):
    """mbind(MPOL_MF_MOVE) leaves pages mapped by others where they are; its own pages move."""
    k, parent, (child,), a = family(make, 10)
    own = parent.mmap(1)
    parent.write(own, b"mine alone")
    ret = parent.mbind(a, 2, "bind", [1], MPOL_MF_MOVE)
    expect(ret == 0, "mbind to return 0", repr(ret))
    ret = parent.mbind(own, 1, "bind", [1], MPOL_MF_MOVE)
    expect(ret == 0, "mbind to return 0", repr(ret))
    k.check(cow=True)
    for p in (parent, child):
        for i in range(2):
            on(k, p, a + i * PAGE, 0, b"family %d" % i, writable=False)
    on(k, parent, own, 1, b"mine alone", writable=True)


def check_freed(make):
    """A child exits while its parent's pages migrate: nothing is left pointing at a freed page."""
    k, parent, (child,), a = family(make, 11)
    child.write(a + PAGE, b"child's")
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(parent, a).migration, cow=True)
    x = k.start(child.exit, label="X")
    finish(k, m, x, cow=True)
    expect(m.result == 0, "sys_migrate_pages to return 0", repr(m.result))
    on(k, parent, a, 1, b"family 0")
    on(k, parent, a + PAGE, 1, b"family 1")


# --- the races --------------------------------------------------------------------------------

def replay_hint(scenario, schedule):
    """How to watch a failing schedule with the answer in place."""
    return (f"replay it: widgets.Stepper(explore.with_patch(scenarios.get({scenario.name!r}), yours), "
            f"{AT!r}, schedule={schedule!r})")


def explored(scenario, bug, bound):
    def check(make):
        # Every schedule within the bound, even after a failure: the verdict names the shortest.
        report = explore.explore(scenario, make.at, bound=bound, patch=make.patch)

        def got():
            what = f"bug {bug} is back" if re.search(scenario.signature, report.shortest_error) else "a failure"
            return (f"{what}: schedule {report.shortest!r} fails ({report.shortest_error}); "
                    f"{replay_hint(scenario, report.shortest)}")
        expect(report.failing == 0, f"no failing schedule of {scenario.name} within {bound} preemptions", got)
    return (f"the explorer on {scenario.name} (bug {bug}, bound {bound}) finds no failing schedule", check)


def workloads(seeds):
    return [workload_check(seed) for seed in seeds]


MOVES = [
    ("private anonymous pages move and stay writable", check_private),
    ("a page shared copy-on-write moves, read-only in both", check_cow),
    ("a page mapped by three processes moves in all three", check_three),
    ("file pages and a private file mapping's own copy move", check_file),
    ("a page in the swap cache moves", check_swap_cache),
]
STAYS = [
    ("a pinned page stays, its pte back on the old page", check_pinned),
    ("a page shared with an mlocked vma stays (-EPERM), its ptes back", check_mlocked),
    ("pages mapped by others stay under mbind(MPOL_MF_MOVE)", check_many_mappers),
]
WAITS = ("a fault waits on a migration entry; the page moves on a later pass", check_fault_waits)
TWO = ("parent's and child's own copies at one address migrate at once", check_two_at_once)
FREED = ("a child exits while its parent's pages migrate", check_freed)
# Bug B needs two preemptions (fork links, the walk passes, fork copies); bug C one (fork meets an entry).
RACES = [explored(scenarios.FORK_RACE, "B", 2), explored(scenarios.COW_FORK, "C", 1)]


FIX_11_1 = Fix(
    "11.1", "swapless-core", "a page without a mapping moves when only the migration holds it, its state copied",
    functions=MOVE, checks=MOVES + STAYS[:1] + [WAITS] + workloads((1,)), hidden=workloads((2, 3)), at=AT)

FIX_11_2 = Fix(
    "11.2", "swapless-core", "migration entries become ptes again: to the new page or the old, as they were",
    functions=RESTORE, checks=MOVES + [TWO] + STAYS[:2] + workloads((1,)), hidden=workloads((2, 3)), at=AT)

FIX_11_3 = Fix(
    "11.3", "swapless-core", "every pass of migrate_pages ends with the entries removed, on success and on failure",
    functions=PASS, checks=MOVES[:2] + STAYS[:2] + [WAITS, FREED] + workloads((1,)),
    hidden=workloads((2, 3)), at=AT)

FIX_11_4 = Fix(
    "11.4", "swapless-core", "swapless migration, all five functions yours: no bug B, no bug C",
    functions=ALL, checks=RACES + MOVES[:2] + STAYS + [WAITS, TWO] + workloads((1, 2)),
    hidden=[FREED] + workloads((3, 4)), at=AT, seconds=EXPLORE_S)

EXERCISES = (FIX_11_1, FIX_11_2, FIX_11_3, FIX_11_4)


# --- 11.5 (predict): what sys_migrate_pages says at rip-out-swap -----------------------------

def broken_returns_11():
    """What sys_migrate_pages returns for one private page at rip-out-swap (where nothing restores the ptes)."""
    k = Kernel(at="rip-out-swap", nodes=2, frames_per_node=16, seed=11)
    p = k.spawn("app")
    a = p.mmap(1)
    p.write(a, b"capstone")
    return k.sys_migrate_pages(p.pid, [0], [1])


PREDICT_11_5 = Predict("11.5", "rip-out-swap", "what sys_migrate_pages returns at rip-out-swap", broken_returns_11)
EXERCISES = EXERCISES + (PREDICT_11_5,)

__all__ = ["EXERCISES", "Wrong"]
