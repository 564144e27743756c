"""Chapter 06, dropping swap (steps rip-out-swap, swapless-core): its exercise.

06.1 (fix): `remove_migration_pte`, which turns one migration entry back
into a pte: to the new page when the page moved, to the old one when it did
not. It arrived with migration-entries (0697212a) but nothing called it
until swapless-core (6c5240ae), so the answer is judged in the kernel at
swapless-core: anonymous pages private, shared by fork (copy-on-write) and
in private file mappings, file pages beside them, a page two migrations
handle at once, failed migrations that must give the old page back, and
seeded random workloads, with `check(cow=True)` after every scheduling point.
"""

from ..include.linux.mm import get_page, put_page
from ..machine import Kernel
from .checks import drive, workload_check
from .core import Fix, Predict, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
AT = "swapless-core"


def run(k, *tasks, check_last=True):
    """Step `tasks` in turn to the end, k.check(cow=True) after every point (`check_last`: the last too)."""
    turn = iter(range(1 << 62))

    def in_turn(ready):
        return ready[next(turn) % len(ready)]

    def after():
        if check_last or any(not t.done for t in tasks):
            k.check(cow=True)

    drive(k, *tasks, pick=in_turn, after=after, what="every task to finish")


def migrate(k, pid, old=0, new=1):
    """sys_migrate_pages(pid, [old], [new]) as root, as a task checked after every point: its result."""
    t = k.start(k.sys_migrate_pages, pid, [old], [new], label="M")
    run(k, t)
    return t.result


def on(k, p, addr, node, data, writable=None, fault=False):
    """p's pte at `addr` maps a page of `node` holding `data` (and is writable or not, if given).

    With `fault`, p reads the page first: a file page's pte was only cleared,
    and a swap-cache page's is a swap entry, until the next touch.
    """
    if fault:
        p.read(addr, 1)
    v = k.pte(p, addr)
    expect(v.present, f"{p.comm}'s pte at 0x{addr:x} present again after the migration", str(v))
    page = k.page(p, addr)
    expect(page.node == node, f"{p.comm}'s page at 0x{addr:x} on node {node}", f"node {page.node}")
    if writable is not None:
        expect(v.write == writable, f"{p.comm}'s pte at 0x{addr:x} {'writable' if writable else 'read-only'}",
               "writable" if v.write else "read-only")
    got = p.read(addr, len(data))
    expect(got == data, f"{p.comm} to read {data!r} at 0x{addr:x}", repr(got))


def machine(make, seed):
    return make(nodes=2, frames_per_node=24, seed=seed)


@check("private anonymous pages move and stay writable")
def check_private(make):
    k = machine(make, 1)
    p = k.spawn("gcc")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * PAGE, b"private %d" % i)
    expect(migrate(k, p.pid) == 0, "sys_migrate_pages to return 0", "another count")
    for i in range(3):
        on(k, p, a + i * PAGE, 1, b"private %d" % i, writable=True)


def family(make, seed, children=1):
    """A parent with 2 written pages, forked `children` times: every page shared copy-on-write."""
    k = machine(make, seed)
    parent = k.spawn("parent")
    a = parent.mmap(2)
    for i in range(2):
        parent.write(a + i * PAGE, b"family %d" % i)
    kids = [parent.fork(comm=f"child{n}") for n in range(children)]
    return k, parent, kids, a


@check("a page shared copy-on-write with a child moves, read-only in both")
def check_cow(make):
    k, parent, (child,), a = family(make, 2)
    ret = migrate(k, parent.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    for p in (parent, child):
        for i in range(2):
            on(k, p, a + i * PAGE, 1, b"family %d" % i, writable=False)
    expect(k.page(parent, a) is k.page(child, a), "parent and child to share the new page until one writes",
           "two pages")
    child.write(a, b"CHILD!")                 # the copy-on-write break, after the migration
    k.check(cow=True)
    expect(parent.read(a, 8) == b"family 0", "the parent not to see its child's write", repr(parent.read(a, 8)))


@check("a page mapped by three processes moves in all three")
def check_shared_three(make):
    k, parent, kids, a = family(make, 3, children=2)
    ret = migrate(k, kids[1].pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    for p in (parent, *kids):
        for i in range(2):
            on(k, p, a + i * PAGE, 1, b"family %d" % i, writable=False)
            expect(k.page(p, a + i * PAGE)._mapcount + 1 == 3, "the new page mapped by all three",
                   lambda: f"mapcount {k.page(p, a + i * PAGE)._mapcount + 1}")


@check("file pages and a private file mapping's own copy move")
def check_file(make):
    """Shared ext2 and listfs pages, and a private listfs mapping with one copy-on-write page."""
    k = machine(make, 4)
    p = k.spawn("editor")
    e = p.mmap(2, file=k.create_file("e", 2, fs="ext2"), shared=True)
    s = p.mmap(1, file=k.create_file("s", 1, fs="listfs"), shared=True)
    q = p.mmap(2, file=k.create_file("notes", 2, fs="listfs"))
    p.write(e, b"ext2 page")
    p.read(s, 1)
    p.read(q, 1)
    p.write(q + PAGE, b"my copy")            # an anonymous page in a file vma
    ret = migrate(k, p.pid)
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    on(k, p, e, 1, b"ext2 page", fault=True)
    on(k, p, s, 1, b"s:0\n", fault=True)
    on(k, p, q, 1, b"notes:0\n", fault=True)
    on(k, p, q + PAGE, 1, b"my copy", writable=True)


@check("a page in the swap cache moves (its ptes are swap entries)")
def check_swap_cache(make):
    """A page back from swap, still in the swap cache: its ptes are swap entries, not migration ones."""
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


@check("parent's and child's copies at one address migrate at once")
def check_two_migrations(make):
    """Parent and child each have their own copy at one address; both migrate at once."""
    k, parent, (child,), a = family(make, 6)
    child.write(a, b"child's")                # the child's own copy, in the same anon_vma
    m = k.start(k.sys_migrate_pages, parent.pid, [0], [1], label="M")
    n = k.start(k.sys_migrate_pages, child.pid, [0], [1], label="N")
    while not k.pte(child, a).migration and not n.done:
        n.step()                              # N's migration entry for the child's copy is in place
        k.check(cow=True)
    expect(k.pte(child, a).migration, "the child's copy under migration (set up)", str(k.pte(child, a)))
    run(k, m)                                 # M restores the parent's ptes while N's entry is there
    run(k, n)
    expect(m.result == 0 and n.result == 0, "both migrations to return 0", f"{m.result}, {n.result}")
    on(k, parent, a, 1, b"family 0")
    on(k, child, a, 1, b"child's")
    expect(k.page(parent, a) is not k.page(child, a), "parent and child still on pages of their own",
           "one page")


@check("a pinned page stays, its ptes restored to the old page")
def check_pinned(make):
    """A page with a reference nobody gives back never moves: its ptes go back to it, pass after pass."""
    k = machine(make, 7)
    p = k.spawn("gcc")
    a = p.mmap(2)
    p.write(a, b"pinned")
    p.write(a + PAGE, b"free to go")
    page = k.page(p, a)
    get_page(page)                            # as a driver's get_user_pages would
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    run(k, t, check_last=False)               # the pin is not a reference check() can see
    ret = t.result
    put_page(page)
    k.check(cow=True)
    expect(ret == 1, "sys_migrate_pages to return 1 (one page could not move)", repr(ret))
    expect(k.page(p, a) is page, "the pinned page's pte to map the old page again", "another page")
    on(k, p, a, 0, b"pinned", writable=True)
    on(k, p, a + PAGE, 1, b"free to go", writable=True)


@check("a fault waits on a migration entry; the page moves on a later pass")
def check_fault_meets_entry(make):
    """A read faults on the migration entry; its reference fails one pass, a later pass moves the page."""
    k = machine(make, 8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"wait for me")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    r = k.start(p.read, a, 11, label="R")
    while not k.pte(p, a).migration and not m.done:
        m.step()
        k.check(cow=True)
    while not r.blocked and not r.done:
        r.step()
        k.check(cow=True)
    run(k, m, r)
    expect(r.result == b"wait for me", "the reader to read b'wait for me'", repr(r.result))
    expect(m.result == 0, "sys_migrate_pages to return 0", repr(m.result))
    on(k, p, a, 1, b"wait for me", writable=True)


CHECKS = [
    check_private,
    check_cow,
    check_shared_three,
    check_file,
    check_swap_cache,
    check_two_migrations,
    check_pinned,
    check_fault_meets_entry,
] + [workload_check(seed) for seed in (1, 2)]

FIX_06_1 = Fix(
    "06.1", "swapless-core", "remove_migration_pte turns a migration entry back into a pte",
    functions=["remove_migration_pte"], checks=CHECKS,
    hidden=[workload_check(seed) for seed in range(3, 7)], at=AT)

EXERCISES = (FIX_06_1,)


# --- 06.5 (predict): the pte after a migration that failed, at swapless-core -----------------

PTE_KINDS_06 = ("migration entry", "read-only", "writable")


def pinned_pte_06():
    """What a pinned private page's pte is once sys_migrate_pages gives up at swapless-core (one of PTE_KINDS_06)."""
    k = Kernel(at="swapless-core", nodes=2, frames_per_node=16, seed=6)
    p = k.spawn("app")
    a = p.mmap(1)
    p.write(a, b"pinned")
    get_page(k.page(p, a))                    # the pin: every pass fails
    k.sys_migrate_pages(p.pid, [0], [1])
    pte = k.pte(p, a)
    return "migration entry" if not pte.present else ("writable" if pte.write else "read-only")


PREDICT_06_5 = Predict("06.5", "swapless-core", "the pte of a page that could not move", pinned_pte_06,
                       choices=PTE_KINDS_06)
EXERCISES = EXERCISES + (PREDICT_06_5,)
