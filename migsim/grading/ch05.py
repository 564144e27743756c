"""Chapter 05, migration entries (step migration-entries): its exercise.

05.1 (fix): the migration-entry helpers of include/linux/swapops.h
(`make_migration_entry`, `is_write_migration_entry`,
`migration_entry_to_page`, `make_migration_entry_read`). They are
registered kernel functions new at migration-entries, so the answer patches
the kernel *at* migration-entries (the step before lacks them). There the
helpers are judged bit by bit; and since migration still goes through swap
at that step, migrations that really make entries run with the same helpers
at swapless-core, fork-race-fix and cow-fix.
"""

from .. import scenarios
from ..errors import KernelBug
from ..include.asm_i386 import pgtable as pg
from ..include.linux.page_flags import PageLocked, TestSetPageLocked
from .ch02 import check_anon, migrate, moved, workload_check
from .core import Fix, Maker, Wrong, expect

READ, WRITE = 30, 31              # SWP_MIGRATION_READ / _WRITE with CONFIG_MIGRATION
SHIFT = 27                        # the swap type's place in a 32-bit swp_entry_t


def entry(type_, offset):
    """The swp_entry_t value, computed here on its own (not with the kernel's helpers)."""
    return (type_ << SHIFT) | offset


def frames(k):
    """Every frame of the machine (both nodes), locked or not as they are."""
    return [page for zone in k.nodes for page in zone.pages]


def locked_frames(make):
    k = make(nodes=2, frames_per_node=48, seed=1)
    pages = [p for p in frames(k) if not PageLocked(p)]
    for p in pages:
        TestSetPageLocked(p)
    return k, pages


def check_make(make):
    k, pages = locked_frames(make)
    for page in pages:
        for write, type_ in ((1, WRITE), (True, WRITE), (30, WRITE), (0, READ), (False, READ)):
            got = k.make_migration_entry(page, write)
            want = entry(type_, page.pfn)
            expect(got == want, f"make_migration_entry(pfn 0x{page.pfn:x}, write={write!r}) == 0x{want:08x}",
                   shown(got))


def check_make_unlocked(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    page = next(p for p in frames(k) if not PageLocked(p))
    try:
        got = k.make_migration_entry(page, 1)
    except KernelBug:
        return
    raise Wrong("a KernelBug (BUG_ON) for an unlocked page", f"it returned {shown(got)}")


def shown(value):
    """A returned value as a check reports it: an int in hex, like entries are written."""
    return f"0x{value:08x}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


def check_is_write(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    for type_ in range(32):
        for offset in (0, 1, 0x1234, 0x2003, (1 << SHIFT) - 1):
            got = k.is_write_migration_entry(entry(type_, offset))
            expect(bool(got) == (type_ == WRITE), f"is_write_migration_entry(type {type_}, offset 0x{offset:x}) "
                   f"{'true' if type_ == WRITE else 'false'}", repr(got))


def check_read(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    for offset in (0, 1, 0x1234, 0x2003, (1 << SHIFT) - 1):
        for type_ in (READ, WRITE):
            got = k.make_migration_entry_read(entry(type_, offset))
            want = entry(READ, offset)
            expect(got == want, f"make_migration_entry_read(0x{entry(type_, offset):08x}) == 0x{want:08x}",
                   shown(got))


def check_to_page(make):
    k, pages = locked_frames(make)
    for page in pages:
        for type_ in (READ, WRITE):
            got = k.migration_entry_to_page(entry(type_, page.pfn))
            expect(got is page, f"migration_entry_to_page(0x{entry(type_, page.pfn):08x}) to be pfn 0x{page.pfn:x}",
                   repr(got))


def check_to_page_unlocked(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    page = next(p for p in frames(k) if not PageLocked(p))
    try:
        got = k.migration_entry_to_page(entry(WRITE, page.pfn))
    except KernelBug:
        return
    raise Wrong("a KernelBug (BUG_ON) for the entry of an unlocked page", f"it returned {got!r}")


def pte_type(k, p, address):
    """The swap type in `p`'s pte at `address`, read from the bits (None for a pte that is no swap pte)."""
    value = k.pte(p, address).value
    if value == 0 or value & (pg._PAGE_PRESENT | pg._PAGE_PROTNONE | pg._PAGE_FILE):
        return None
    return pg.__swp_type(value)


def at(step):
    """A check's kernels at `step`, with the same answer in place."""
    def maker(make):
        return Maker(step, make.patch)
    return maker


def check_anon_migrates(make):
    """Chapter 02's anonymous pages, at swapless-core: through migration entries now, not swap."""
    check_anon(at("swapless-core")(make))


def writer(make, comm, seed, data):
    """At swapless-core with the answer in place: a process `comm` that wrote `data` to a page of its own."""
    k = at("swapless-core")(make)(nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn(comm)
    a = p.mmap(1)
    p.write(a, data)
    return k, p, a


def check_cow_migrates(make):
    """Pages shared copy-on-write: read entries; afterwards each side's write stays its own."""
    k, parent, a = writer(make, "parent", 6, b"shared")
    child = parent.fork(comm="child")
    ret = migrate(k, parent.pid)
    moved(k, parent, a, b"shared", ret)
    child.write(a, b"child!")
    expect(parent.read(a, 6) == b"shared", "the parent to keep its own copy", repr(parent.read(a, 6)))


def check_fault_waits(make):
    """A write faulting on a migration entry waits (migration_entry_wait), then lands."""
    k, p, a = writer(make, "writer", 5, b"hello")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    w = k.start(p.write, a + 8, b"again", label="W")
    met = False
    for _ in range(5000):
        ready = [t for t in (m, w) if not t.done and not t.blocked]
        if not ready:
            break
        entry_now = pte_type(k, p, a) == WRITE
        (w if entry_now and not w.done and not w.blocked else ready[0]).step()
        met = met or entry_now
        k.check()
    expect(m.done and w.done, "both tasks to finish", f"M {m.state}, W {w.state}")
    expect(met, "the write to meet a migration entry (set up)", "it never did")
    expect(p.read(a, 13) == b"hello\0\0\0again", "both writes in the page", repr(p.read(a, 13)))


def check_scenario(scenario, step):
    def check(make):
        outcome = scenarios.run(scenario, step, scenario.schedule, patch=make.patch)
        expect(not outcome.failed, f"no failure at {step}", outcome.error)
    return (f"bug {scenario.bug}'s scenario ({scenario.name}, schedule {scenario.schedule}) at {step}, "
            f"where it is fixed", check)


def workload_at(step, seed):
    """ch02's random workload (seed `seed`) on the kernel at `step` with the answer in place."""
    name, check = workload_check(seed)
    return (f"{name} at {step}", lambda make: check(at(step)(make)))


def _fix_checks():
    return [
        ("make_migration_entry, bit by bit, for every locked frame", check_make),
        ("make_migration_entry BUGs on an unlocked page", check_make_unlocked),
        ("is_write_migration_entry for all 32 swap types", check_is_write),
        ("make_migration_entry_read keeps the pfn, makes the type 30", check_read),
        ("migration_entry_to_page finds the page", check_to_page),
        ("migration_entry_to_page BUGs on an unlocked page", check_to_page_unlocked),
        ("anonymous pages migrate through migration entries (swapless-core)", check_anon_migrates),
        ("pages shared copy-on-write migrate (swapless-core)", check_cow_migrates),
        ("a write faulting on a migration entry waits, then lands (swapless-core)", check_fault_waits),
        check_scenario(scenarios.COW_FORK, "cow-fix"),
    ]


FIX_05_1 = Fix(
    "05.1", "migration-entries", "the migration-entry helpers of swapops.h",
    functions=["make_migration_entry", "is_write_migration_entry", "migration_entry_to_page",
               "make_migration_entry_read"],
    checks=_fix_checks(),
    hidden=[check_scenario(scenarios.FORK_RACE, "fork-race-fix")] + [workload_at("cow-fix", s) for s in (1, 2)],
    at="migration-entries")

EXERCISES = (FIX_05_1,)
