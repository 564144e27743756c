"""Chapter 06, dropping swap (rip-out-swap, swapless-core): the core of swapless migration.

06.2 (fix): `migrate_page_move_mapping` learns what "no mapping" means (an
anonymous page outside the swap cache). 06.3 (fix): `migrate_pages` sends
such a page through `migrate_page` and gives every page its ptes back: to
the new page when it moved, to the old one when it did not. Both are
judged in the kernel at swapless-core with the answer in place of the
patch's version (the step before would never call the new code).
06.4 (find): a machine on which the broken tree of rip-out-swap oopses
through the swap cache, while swapless-core migrates the same machine: a
range whose size and number of swap-cache pages are the student's variant
(seeded by their id); the hidden checks judge the same setup on others.

Behaviour only: which pages move, what every pte maps afterwards, what
sys_migrate_pages and mbind return, and `check()` after every scheduling
point (counts, orphaned migration entries, every byte each process wrote).
"""

from ..errors import KernelBug, MigsimError
from ..include.linux.mm import VM_LOCKED
from ..include.linux.page_flags import PageSwapCache
from ..mm.mempolicy import MPOL_MF_MOVE
from ..process import Process
from .checks import workload_check
# 06.1's checks migrate whole machines at swapless-core: 06.2 and 06.3 are judged by them too.
from .ch06 import (PAGE, check_cow, check_fault_meets_entry, check_file, check_pinned, check_private,
                   check_shared_three, check_swap_cache, machine, on)
from .core import MACHINE_FAILURES, FindEffect, Fix, Wrong, expect, failure_text
from .drive import finish, until

AT = "swapless-core"


def check_mlocked(make):
    """A page shared with a process whose vma is mlocked cannot move (-EPERM): the other's pte comes back."""
    k = machine(make, 6)
    parent = k.spawn("parent")
    a = parent.mmap(1)
    parent.write(a, b"locked")
    child = parent.fork(comm="child")
    k.find_vma(parent.mm, a).vm_flags |= VM_LOCKED     # as mlock() would: try_to_unmap says SWAP_FAIL there
    m = k.start(k.sys_migrate_pages, child.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(child, a).migration, cow=True)
    expect(k.pte(child, a).migration, "the child's pte a migration entry before the unmap fails (set up)",
           str(k.pte(child, a)))
    finish(k, m, cow=True)
    expect(m.result == 1, "sys_migrate_pages to return 1 (the page could not move)", repr(m.result))
    for p in (child, parent):
        on(k, p, a, 0, b"locked", writable=False)


def check_freed_under_us(make):
    """A page whose process exits during the migration: nothing is left pointing at it."""
    k = machine(make, 7)
    parent = k.spawn("parent")
    a = parent.mmap(2)
    parent.write(a, b"gone soon")
    parent.write(a + PAGE, b"stays")
    child = parent.fork(comm="child")
    child.write(a + PAGE, b"child's")         # the child's own copy of the second page
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(parent, a).migration, cow=True)
    x = k.start(child.exit, label="X")
    finish(k, m, x, cow=True)
    expect(m.result == 0, "sys_migrate_pages to return 0", repr(m.result))
    on(k, parent, a, 1, b"gone soon")
    on(k, parent, a + PAGE, 1, b"stays")


def workloads(seeds):
    return [workload_check(seed) for seed in seeds]


COMMON = [
    ("private anonymous pages move and stay writable", check_private),
    ("a page shared copy-on-write with a child moves, read-only in both", check_cow),
    ("a page mapped by three processes moves in all three", check_shared_three),
    ("a pinned page stays, its pte back on the old page", check_pinned),
    ("a fault waits on a migration entry; the page moves on a later pass", check_fault_meets_entry),
    ("file pages and a private file mapping's own copy move", check_file),
    ("a page in the swap cache moves (its ptes are swap entries)", check_swap_cache),
]

FIX_06_2 = Fix(
    "06.2", "swapless-core", "migrate_page_move_mapping moves a page that has no mapping",
    functions=["migrate_page_move_mapping"], checks=COMMON + workloads((1, 2)), hidden=workloads((3, 4)), at=AT)

FIX_06_3 = Fix(
    "06.3", "swapless-core", "migrate_pages gives every page its ptes back, new or old",
    functions=["migrate_pages"],
    checks=COMMON[:4] + [("a page shared with an mlocked vma stays (-EPERM), its ptes back", check_mlocked)]
    + COMMON[4:] + workloads((1, 2)),
    hidden=[("a child exits while its parent's pages migrate", check_freed_under_us)] + workloads((3, 4)),
    at=AT)


# --- 06.4: the swap cache at rip-out-swap ------------------------------------------------------

SWAP_CACHE_OOPS = "undefined reference to `remove_from_swap'"


def run_alone(k, t, check):
    """Step task `t` alone to its end (k.check(cow=True) after each point, with `check`)."""
    until(k, t, lambda: False, cow=True, check=check)
    expect(t.done, "mbind to finish", lambda: f"it waits in {t.waits_on()}")


def _range(k, returned, variant):
    """The (process, start, npages) the setup returned, checked: every page present, as many in the swap
    cache as the variant says."""
    if not (isinstance(returned, tuple) and len(returned) == 3):
        raise Wrong("setup to return (process, start address, number of pages)", repr(returned))
    p, start, npages = returned
    expect(type(p) is Process and p.k is k and p.mm is not None, "a live process of this machine (k.spawn)",
           repr(p))
    expect(npages == variant.pages, f"a range of {variant.pages} pages (your variant)", repr(npages))
    expect(isinstance(start, int) and start % PAGE == 0, "a page-aligned start address", repr(start))
    try:
        pages = [k.page(p, start + i * PAGE, default=None) for i in range(npages)]
    except MigsimError as e:
        raise Wrong(f"a range of {p.comm}'s own memory", str(e)) from None
    missing = [start + i * PAGE for i, page in enumerate(pages) if page is None]
    expect(not missing, "every page of the range present in memory (mapped by a present pte)",
           lambda: f"the page at 0x{missing[0]:x} is not: {k.pte(p, missing[0])}")
    cached = sum(PageSwapCache(page) for page in pages)
    expect(cached == variant.cached, f"exactly {variant.cached} page{'s' * (variant.cached != 1)} of the range in "
           f"the swap cache, the other {npages - variant.cached} outside it (your variant)", f"{cached} in it")
    replaced = sorted(set(vars(k)) & set(k.SYMBOLS))
    expect(not replaced, "the kernel's own functions", lambda: f"your setup replaced k.{replaced[0]}")
    running = [t for t in k.tasks if not t.done]
    expect(not running, "no task of the setup's left running (only the grader's mbind counts)",
           lambda: f"task {running[0].label} ({running[0].name}) still runs")
    return p, start, npages


def swap_cache_effect(k, returned, variant):
    p, start, npages = _range(k, returned, variant)
    # The class's own mbind, stepped alone: nothing the setup left on the process or the machine runs.
    t = k.start(Process.mbind.__get__(p), start, npages, "bind", [1], MPOL_MF_MOVE, label="B")
    if k.at == "rip-out-swap":
        try:
            run_alone(k, t, check=False)          # no check() that would stop at the stuck pages first
        except KernelBug as e:
            expect(SWAP_CACHE_OOPS in str(e), "the oops of migrate_page's call to remove_from_swap, "
                   "which rip-out-swap deleted", failure_text(e))
            return
        raise Wrong("mbind to oops in migrate_page (remove_from_swap is gone)",
                    f"mbind returned {t.result!r} with no oops")
    try:
        run_alone(k, t, check=True)
    except MACHINE_FAILURES as e:
        raise Wrong(f"no failure at {k.at}", failure_text(e)) from None
    expect(t.result == 0, "mbind to return 0", repr(t.result))
    for i in range(npages):
        p.read(start + i * PAGE, 1)               # a swap-cache page comes back through its swap pte
        node = k.page(p, start + i * PAGE).node
        expect(node == 1, f"page {i} of the range on node 1 after mbind", f"node {node}")
    k.check(cow=True)


def _describe_06_4(v):
    out = v["pages"] - v["cached"]
    return (f"return a range of {v['pages']} pages of one process, every one present, of which exactly "
            f"{v['cached']} {'is' if v['cached'] == 1 else 'are'} in the swap cache and {out} "
            f"{'is' if out == 1 else 'are'} not")


FIND_06_4 = FindEffect(
    "06.4", "swapless-core", "your variant's range, some pages in the swap cache, oopses the broken tree; the "
    "fixed one moves it",
    machine=dict(nodes=2, frames_per_node=24, seed=2006), effect=swap_cache_effect,
    what="mbind(MPOL_MF_MOVE) over your range", at=("rip-out-swap", "swapless-core")).seeded(
        [{"pages": n, "cached": c} for n in range(3, 8) for c in range(1, n)],
        _describe_06_4)


EXERCISES = (FIX_06_2, FIX_06_3, FIND_06_4)
