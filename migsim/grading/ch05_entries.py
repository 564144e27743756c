"""Chapter 05, migration entries (step migration-entries): what the kernel does when it meets one.

05.2 (fix): `migration_entry_wait`, where a fault that found a migration
entry sleeps until the page it names is unlocked. 05.3 (fix):
`change_pte_range`, where mprotect must turn a write entry into a read one.
Both are new (or rewritten) at migration-entries, so the answer replaces
the kernel's version *at* that step; but nothing makes migration entries
there yet (migration still goes through swap), so the checks run with the
same answer at the steps that do: swapless-core for anonymous pages, and
v2.6.18 (from file-entries on) for shared file pages, whose ptes in other
processes are the only write entries a process can mprotect while another
migrates (the migrating mm's own mmap_sem keeps its own mprotect out).

Behaviour only: a fault that never sleeps, a sleeping fault that holds no
reference, an entry used after it was gone, a lock kept across the sleep;
a pte given back writable in a mapping made read-only, a read entry made
writable, a swap entry taken for a migration entry.
"""

from ..errors import SegmentationFault
from ..include.linux.mm import get_page, put_page
from .checks import workload_check
from .core import Fix, Wrong, expect
from .drive import at, finish, sleeps_on, until

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE


def entry_page(k, p, addr):
    """The page a migration entry in `p`'s pte at `addr` names (None if it is no migration entry)."""
    v = k.pte(p, addr)
    return k.pfn_to_page(v.value >> 8) if v.migration else None


# --- 05.2: migration_entry_wait ----------------------------------------------------------------

def one_page(make, step="swapless-core", seed=5, data=b"hello"):
    k = at(step, make)(nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn("app")
    a = p.mmap(1)
    p.write(a, data)
    return k, p, a


def check_write_waits(make):
    """A write meets the entry: it sleeps holding a reference, then lands once the page moved."""
    k, p, a = one_page(make)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(p, a).migration)
    page = entry_page(k, p, a)
    expect(page is not None, "a migration entry in the pte (set up)", str(k.pte(p, a)))
    w = k.start(p.write, a + 8, b"again", label="W")
    sleeps_on(k, w, page, "the faulting write")
    expect(page._count >= 2, "the sleeping fault to hold a reference on the page (page_count 2: "
           "the isolation reference and the fault's own)", f"page_count {page._count}")
    finish(k, m, w)
    k.check()
    expect(p.read(a, 13) == b"hello\0\0\0again", "both writes in the page", repr(p.read(a, 13)))
    expect(k.page(p, a).node == 1, "the page on node 1 in the end", f"node {k.page(p, a).node}")


def check_entry_gone(make):
    """The migration ends between the fault's look at the pte and its sleep: nothing to wait for."""
    k, p, a = one_page(make, seed=6)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(p, a).migration)
    page = entry_page(k, p, a)
    r = k.start(p.read, a, 5, label="R")
    until(k, r, lambda: "migration_entry_wait" in r.stack())
    if not (r.blocked and r.point.what is page):
        # R stopped inside migration_entry_wait before it sleeps on the page (at its pte lock, say):
        # M runs on alone and ends the migration. (An answer that sleeps at once has no such gap.)
        until(k, m, lambda: False)
    finish(k, m, r)
    k.check()
    expect(r.result == b"hello", "the read to return b'hello'", repr(r.result))
    expect(m.result == 0, "sys_migrate_pages to return 0", repr(m.result))
    expect(k.page(p, a).node == 1, "the page on node 1", f"node {k.page(p, a).node}")


def check_pinned(make):
    """A page that cannot move (pinned): the fault sleeps, wakes on each unlock, reads the old page."""
    k, p, a = one_page(make, seed=7, data=b"pinned")
    page = k.page(p, a)
    get_page(page)                            # a reference nobody gives back during the migration
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(p, a).migration)
    r = k.start(p.read, a, 6, label="R")
    sleeps_on(k, r, page, "the faulting read")
    finish(k, m, r, check_last=False)
    put_page(page)
    k.check()
    expect(r.result == b"pinned", "the read to return b'pinned'", repr(r.result))
    expect(m.result == 1, "sys_migrate_pages to return 1 (the pinned page stays)", repr(m.result))


def check_two_sleepers(make):
    """Parent and child share a page copy-on-write; both fault on its entries and both sleep."""
    k, parent, a = one_page(make, seed=8, data=b"shared")
    child = parent.fork(comm="child")
    page = k.page(parent, a)
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(parent, a).migration and k.pte(child, a).migration, cow=True)
    expect(k.pte(child, a).migration, "both ptes migration entries (set up)", str(k.pte(child, a)))
    r = k.start(parent.read, a, 6, label="R")
    s = k.start(child.read, a, 6, label="S")
    sleeps_on(k, r, page, "the parent's read")
    sleeps_on(k, s, page, "the child's read")
    expect(page._count >= 3, "each sleeping fault to hold its own reference (page_count 3)",
           f"page_count {page._count}")
    finish(k, m, r, s, cow=True)
    k.check(cow=True)
    expect((r.result, s.result) == (b"shared", b"shared"), "both reads to return b'shared'",
           repr((r.result, s.result)))


def check_file_entry(make):
    """At v2.6.18 shared file pages have migration entries too: another process's fault waits on one."""
    k = at("v2.6.18", make)(nodes=2, frames_per_node=24, seed=9)
    f = k.create_file("log", 1, fs="ext2")
    owner, other = k.spawn("owner"), k.spawn("other")
    a, b = owner.mmap(1, file=f, shared=True), other.mmap(1, file=f, shared=True)
    owner.write(a, b"file page")
    other.read(b, 1)
    page = k.page(other, b)
    m = k.start(k.sys_migrate_pages, owner.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(other, b).migration)
    r = k.start(other.read, b, 9, label="R")
    sleeps_on(k, r, page, "the other process's read")
    finish(k, m, r)
    k.check()
    expect(r.result == b"file page", "the read to return b'file page'", repr(r.result))


def workload_at(step, seed):
    return workload_check(seed, at=step)


FIX_05_2 = Fix(
    "05.2", "migration-entries", "migration_entry_wait: a fault sleeps until the migration is over",
    functions=["migration_entry_wait"],
    checks=[
        ("a write meets a migration entry: it sleeps on the page with a reference, then lands",
         check_write_waits),
        ("the entry is gone before the fault looks again: it goes on without sleeping", check_entry_gone),
        ("a pinned page that cannot move: the fault sleeps, then reads the old page", check_pinned),
        ("parent and child both fault on one page's entries: both sleep, each with a reference",
         check_two_sleepers),
        workload_at("swapless-core", 1),
    ],
    hidden=[("a shared file page's entry at v2.6.18: another process's fault sleeps on it", check_file_entry),
            workload_at("cow-fix", 2), workload_at("v2.6.18", 3)],
    at="migration-entries")


# --- 05.3: change_pte_range --------------------------------------------------------------------

def check_present(make):
    """mprotect as before on present ptes: read-only, then writable again; empty ptes stay empty."""
    k = at("swapless-core", make)(nodes=2, frames_per_node=16, seed=3)
    p = k.spawn("app")
    a = p.mmap(3)
    p.write(a, b"first")
    p.write(a + 2 * PAGE, b"third")
    expect(p.mprotect(a, 3, "r") == 0, "mprotect(r) to return 0", "another value")
    k.check()
    for i in (0, 2):
        v = k.pte(p, a + i * PAGE)
        expect(v.present and not v.write, f"the pte at +0x{i * PAGE:x} present and read-only after mprotect(r)",
               str(v))
    expect(k.pte(p, a + PAGE).value == 0, "the untouched page's pte still empty", str(k.pte(p, a + PAGE)))
    try:
        p.write(a, b"X")
    except SegmentationFault:
        pass
    else:
        raise Wrong("a write to the read-only page to fault (SIGSEGV)", "it landed")
    expect(p.mprotect(a, 3, "rw") == 0, "mprotect(rw) to return 0", "another value")
    p.write(a, b"again")
    p.write(a + PAGE, b"second")
    k.check(cow=True)
    expect(p.read(a, 5) + p.read(a + PAGE, 6) + p.read(a + 2 * PAGE, 5) == b"againsecondthird",
           "the three pages to read b'again', b'second', b'third'", "other bytes")


def shared_file(make, seed):
    """At v2.6.18: owner and other map one ext2 page shared and writable; root migrates owner's pages."""
    k = at("v2.6.18", make)(nodes=2, frames_per_node=24, seed=seed)
    f = k.create_file("shared", 1, fs="ext2")
    owner, other = k.spawn("owner"), k.spawn("other")
    a, b = owner.mmap(1, file=f, shared=True), other.mmap(1, file=f, shared=True)
    owner.write(a, b"owner's ")
    other.write(b + 8, b"other's")
    m = k.start(k.sys_migrate_pages, owner.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(other, b).migration)
    expect(k.pte(other, b).migration_write, "a write migration entry in the other process (set up)",
           str(k.pte(other, b)))
    return k, owner, other, a, b, m


def mprotect_now(k, p, addr, prot, label="P"):
    """`p` calls mprotect(addr, 1 page, prot) alone while the migration waits; it must return 0."""
    t = k.start(p.mprotect, addr, 1, prot, label=label)
    until(k, t, lambda: False)
    expect(t.done, f"mprotect({prot}) to finish while the migration waits",
           lambda: f"it waits in {t.waits_on()}")
    expect(t.result == 0, f"mprotect({prot}) to return 0", repr(t.result))


def check_write_entry(make):
    """A process makes a page read-only while its pte is a write entry: the pte comes back read-only."""
    k, owner, other, a, b, m = shared_file(make, 10)
    mprotect_now(k, other, b, "r")
    finish(k, m)
    k.check()
    v = k.pte(other, b)
    expect(v.present and not v.write, "the other process's pte read-only after the migration (its mapping "
           "is read-only now)", f"{v}: the MMU would let it write a page it made read-only")
    expect(k.pte(owner, a).write, "the owner's pte writable still (its mapping did not change)",
           str(k.pte(owner, a)))
    expect(other.read(b, 15) == b"owner's other's", "the page's bytes kept", repr(other.read(b, 15)))


def check_write_entry_back(make):
    """mprotect(r), then mprotect(rw) while the entry is there: a later write faults and lands."""
    k, owner, other, a, b, m = shared_file(make, 11)
    mprotect_now(k, other, b, "r")
    mprotect_now(k, other, b, "rw", label="Q")
    finish(k, m)
    k.check()
    other.write(b, b"OTHER")
    k.check()
    expect(owner.read(a, 7) == b"OTHER's", "the owner to see the other's write (one shared page)",
           repr(owner.read(a, 7)))


def check_read_entry(make):
    """A page shared copy-on-write has read entries; the child's mprotect(rw) must not make them writable."""
    k = at("swapless-core", make)(nodes=2, frames_per_node=16, seed=12)
    parent = k.spawn("parent")
    a = parent.mmap(1)
    parent.write(a, b"cow page")
    child = parent.fork(comm="child")
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    until(k, m, lambda: k.pte(child, a).migration, cow=True)
    expect(k.pte(child, a).migration, "a migration entry in the child (set up)", str(k.pte(child, a)))
    mprotect_now(k, child, a, "rw")
    v = k.pte(child, a)
    expect(v.migration and not v.migration_write, "the child's read entry still a read entry", str(v))
    finish(k, m, cow=True)
    k.check(cow=True)
    child.write(a, b"child's!")
    k.check(cow=True)
    expect(parent.read(a, 8) == b"cow page", "the parent not to see its child's write",
           repr(parent.read(a, 8)))


def check_swap_entries(make):
    """Pages out on swap, in two swap areas (types 0 and 1): no migration entries, left as they are."""
    k = at("swapless-core", make)(nodes=2, frames_per_node=16, seed=13)
    k.sys_swapon(1)                           # one slot: the other pages go to the second area
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * PAGE, b"swapped %d" % i)
    k.reclaim(16)
    views = [k.pte(p, a + i * PAGE) for i in range(3)]
    expect(all(v.swap and not v.migration for v in views) and len({v.value & 0x3e for v in views}) == 2,
           "the pages out on swap in both areas (set up)", ", ".join(map(str, views)))
    for prot in ("r", "rw"):
        expect(p.mprotect(a, 3, prot) == 0, f"mprotect({prot}) to return 0", "another value")
        k.check()
    after = [k.pte(p, a + i * PAGE) for i in range(3)]
    expect([v.value for v in after] == [v.value for v in views], "the swap ptes unchanged by mprotect",
           ", ".join(map(str, after)))
    got = b"".join(p.read(a + i * PAGE, 9) for i in range(3))
    expect(got == b"swapped 0swapped 1swapped 2", "the three pages read back", repr(got))
    p.write(a, b"written")
    k.check()


FIX_05_3 = Fix(
    "05.3", "migration-entries", "change_pte_range: mprotect turns write entries into read entries",
    functions=["change_pte_range"],
    checks=[
        ("present ptes: mprotect(r) makes them read-only, mprotect(rw) writable again", check_present),
        ("a write entry when the mapping becomes read-only: the pte comes back read-only (v2.6.18)",
         check_write_entry),
        ("a copy-on-write page's read entry stays a read entry through mprotect(rw) (swapless-core)",
         check_read_entry),
        ("swap entries are left alone (swapless-core)", check_swap_entries),
    ],
    hidden=[("read-only, then writable again while the entry is there: a later write lands (v2.6.18)",
             check_write_entry_back)],
    at="migration-entries")

EXERCISES = (FIX_05_2, FIX_05_3)
