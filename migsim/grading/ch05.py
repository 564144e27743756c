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
from ..include.linux.swapops import swp_entry_to_pte
from ..machine import Kernel
from .checks import check_anon, drive, migrate, moved, scenario_check, workload_check
from .core import Fix, Predict, Wrong, check, expect

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


@check("make_migration_entry, bit by bit, for every locked frame")
def check_make(make):
    k, pages = locked_frames(make)
    for page in pages:
        for write, type_ in ((1, WRITE), (True, WRITE), (30, WRITE), (0, READ), (False, READ)):
            got = k.make_migration_entry(page, write)
            want = entry(type_, page.pfn)
            expect(got == want, f"make_migration_entry(pfn 0x{page.pfn:x}, write={write!r}) == 0x{want:08x}",
                   shown(got))


@check("make_migration_entry BUGs on an unlocked page")
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


@check("is_write_migration_entry for all 32 swap types")
def check_is_write(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    for type_ in range(32):
        for offset in (0, 1, 0x1234, 0x2003, (1 << SHIFT) - 1):
            got = k.is_write_migration_entry(entry(type_, offset))
            expect(bool(got) == (type_ == WRITE), f"is_write_migration_entry(type {type_}, offset 0x{offset:x}) "
                   f"{'true' if type_ == WRITE else 'false'}", repr(got))


@check("make_migration_entry_read keeps the pfn, makes the type 30")
def check_read(make):
    k = make(nodes=2, frames_per_node=8, seed=1)
    for offset in (0, 1, 0x1234, 0x2003, (1 << SHIFT) - 1):
        for type_ in (READ, WRITE):
            got = k.make_migration_entry_read(entry(type_, offset))
            want = entry(READ, offset)
            expect(got == want, f"make_migration_entry_read(0x{entry(type_, offset):08x}) == 0x{want:08x}",
                   shown(got))


@check("migration_entry_to_page finds the page")
def check_to_page(make):
    k, pages = locked_frames(make)
    for page in pages:
        for type_ in (READ, WRITE):
            got = k.migration_entry_to_page(entry(type_, page.pfn))
            expect(got is page, f"migration_entry_to_page(0x{entry(type_, page.pfn):08x}) to be pfn 0x{page.pfn:x}",
                   repr(got))


@check("migration_entry_to_page BUGs on an unlocked page")
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
        return make.at_step(step)
    return maker


@check("anonymous pages migrate through migration entries (swapless-core)")
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


@check("pages shared copy-on-write migrate (swapless-core)")
def check_cow_migrates(make):
    """Pages shared copy-on-write: read entries; afterwards each side's write stays its own."""
    k, parent, a = writer(make, "parent", 6, b"shared")
    child = parent.fork(comm="child")
    ret = migrate(k, parent.pid)
    moved(k, parent, a, b"shared", ret)
    child.write(a, b"child!")
    expect(parent.read(a, 6) == b"shared", "the parent to keep its own copy", repr(parent.read(a, 6)))


@check("a write faulting on a migration entry waits, then lands (swapless-core)")
def check_fault_waits(make):
    """A write faulting on a migration entry waits (migration_entry_wait), then lands."""
    k, p, a = writer(make, "writer", 5, b"hello")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    w = k.start(p.write, a + 8, b"again", label="W")
    met = []

    def pick(ready):
        """The write as soon as the page's pte is a write migration entry; otherwise the first ready task."""
        entry_now = pte_type(k, p, a) == WRITE
        met.append(entry_now)
        return w if entry_now and w in ready else ready[0]

    drive(k, pick=pick, after=k.check, what="both tasks to finish")
    met = any(met)
    expect(m.done and w.done, "both tasks to finish", f"M {m.state}, W {w.state}")
    expect(met, "the write to meet a migration entry (set up)", "it never did")
    expect(p.read(a, 13) == b"hello\0\0\0again", "both writes in the page", repr(p.read(a, 13)))


def _fix_checks():
    return [
        check_make,
        check_make_unlocked,
        check_is_write,
        check_read,
        check_to_page,
        check_to_page_unlocked,
        check_anon_migrates,
        check_cow_migrates,
        check_fault_waits,
        scenario_check(scenarios.COW_FORK, "cow-fix", title=f"bug C's scenario (cow_fork, schedule "
                       f"{scenarios.COW_FORK.schedule}) at cow-fix, where it is fixed"),
    ]


FIX_05_1 = Fix(
    "05.1", "migration-entries", "the migration-entry helpers of swapops.h",
    functions=["make_migration_entry", "is_write_migration_entry", "migration_entry_to_page",
               "make_migration_entry_read"],
    checks=_fix_checks(),
    hidden=[scenario_check(scenarios.FORK_RACE, "fork-race-fix", title=f"bug B's scenario (fork_race, schedule "
                           f"{scenarios.FORK_RACE.schedule}) at fork-race-fix, where it is fixed")]
    + [workload_check(s, at="cow-fix") for s in (1, 2)],
    also_at=("swapless-core", "fork-race-fix", "cow-fix"),
    at="migration-entries")

EXERCISES = (FIX_05_1,)


# --- 05.4 (predict): the pte of a write migration entry --------------------------------------

def write_entry_pte_05():
    """The i386 pte value (an int) holding a write migration entry for the page at pfn 0x1234."""
    k = Kernel(at="migration-entries", nodes=1, frames_per_node=0x240, seed=1)
    page = k.pfn_to_page(0x1234)
    TestSetPageLocked(page)                   # an entry may only name a locked page
    return int(swp_entry_to_pte(k.make_migration_entry(page, 1)))


PREDICT_05_4 = Predict("05.4", "migration-entries", "the pte of a write migration entry for pfn 0x1234",
                       write_entry_pte_05)
EXERCISES = EXERCISES + (PREDICT_05_4,)
