"""Chapter 01, the reorg (steps reorg, fixups, unexport-swap-page): its exercises.

01.1 (build): ext2's `buffer_migrate_page` as an out-of-tree filesystem
would write it in 2.6.16, when it lived in fs/buffer.c and reached the
migration code of mm/vmscan.c only through that file's EXPORT_SYMBOLs.
The grader installs the answer at v2.6.16 (the step before the reorg) and
migrates ext2 pages (clean, dirty, without buffers, held by someone else),
races a writer and runs random workloads; and it links the answer as a
module: every kernel function it calls must be exported at that step.
`as_module(fn)` gives the `Module` a reader can load at other steps (it
fails to link at remove-definitions, where two of its symbols lose their
exports).

01.2 (fix): the failure path of `migrate_page_remove_references` that the
fixups context patch (e23ca00b) mends: a reference more than expected under
tree_lock may be a passing one (the owner's swap-in fault, waiting for the
page lock), so it must mean "try again on the next pass" (the reorg gave the
page up for good). Graded at the reorg, the step before: the fault's
transient reference must end in a moved page, a reference that stays must
leave the page where it is, and pages of every kind must still move.
"""

import inspect
import random

from ..include.linux.buffer_head import BH_Dirty, page_buffers
from ..include.linux.mm import get_page, put_page
from ..include.linux.page_flags import PageDirty, PagePrivate
from ..include.linux.rmap import SWAP_AGAIN
from ..errors import MigsimError
from ..kernel.module import Module
from ..machine import Kernel
from .checks import (MAX_POINTS, check_anon, check_ext2, check_listfs_clean, drive, migrate, moved, seeded,
                     workload_check)
from .core import Fix, Maker, Predict, check, expect
from .guard import Guard, StudentError

USED = "_module_symbols"     # where a kernel remembers the symbols the answer called (per instance)


class KernelAsModuleSees:
    """A kernel seen from a module: every attribute passes through; kernel symbols are noted."""

    def __init__(self, k):
        object.__setattr__(self, "_k", k)

    def __getattr__(self, name):
        k = object.__getattribute__(self, "_k")
        if name in type(k).SYMBOLS:
            vars(k).setdefault(USED, set()).add(name)
        return getattr(k, name)

    def __setattr__(self, name, value):
        setattr(object.__getattribute__(self, "_k"), name, value)


def as_modules_see(fn):
    """`fn` (a migratepage) run with a kernel that notes which kernel symbols it calls."""
    def buffer_migrate_page(k, newpage, page):
        return (yield from fn(KernelAsModuleSees(k), newpage, page))
    buffer_migrate_page.__wrapped__ = fn
    return buffer_migrate_page


class ModuleFix(Fix):
    """A Fix whose answers run as module code: the kernel symbols they call are recorded."""

    def _checked(self, name, fn):
        return super()._checked(name, as_modules_see(fn))


def ext2_page(make, write=True, seed=7):
    """A process with one page of an ext2 file mapped shared (written, with `write`)."""
    k = make(nodes=2, frames_per_node=16, seed=seed)
    f = k.create_file("notes", 1, fs="ext2")
    p = k.spawn("reader")
    q = p.mmap(1, file=f, shared=True)
    if write:
        p.write(q, b"kept")
    else:
        p.read(q, 1)
    k.sys_swapon(8)
    return k, f, p, q


def buffers_follow(k, f):
    page = f.i_mapping.page_tree[0]
    expect(PagePrivate(page), "the new page to carry the buffers (PG_private)", "it has none")
    bhs = page_buffers(page)
    expect(all(bh.b_page is page for bh in bhs), "every buffer to point at the new page",
           "some still point elsewhere")
    return page, bhs


@check("a clean ext2 page moves, its buffers with it")
def check_clean(make):
    k, f, p, q = ext2_page(make, write=False)
    moved(k, p, q, b"notes:0\n", migrate(k, p.pid))
    buffers_follow(k, f)


@check("a dirty ext2 page moves and stays dirty")
def check_dirty(make):
    k, f, p, q = ext2_page(make)
    other = k.spawn("other")                      # a second mapper writes and unmaps: PG_dirty, dirty buffers
    r = other.mmap(1, file=f, shared=True)
    other.write(r + 8, b"also")
    other.munmap(r, 1)
    moved(k, p, q, b"kept", migrate(k, p.pid))
    page, bhs = buffers_follow(k, f)
    expect(PageDirty(page) and all(bh.b_state & BH_Dirty for bh in bhs),
           "the new page and its buffers still dirty (nothing written yet)", "the dirty state was lost")
    expect(p.read(q + 8, 4) == b"also", "the other mapper's write on the new page", repr(p.read(q + 8, 4)))


@check("an ext2 page without buffers moves")
def check_no_buffers(make):
    """A page whose buffers were dropped: buffer_migrate_page falls back on migrate_page."""
    k, f, p, q = ext2_page(make, write=False)
    page = f.i_mapping.page_tree[0]
    expect(k.try_to_free_buffers(page) == 1, "the clean buffers dropped (set up)", "they stayed")
    moved(k, p, q, b"notes:0\n", migrate(k, p.pid))


@check("a page someone else holds stays where it is")
def check_held(make):
    """Someone else holds a reference: the page must not move, and nothing may break."""
    k, f, p, q = ext2_page(make)
    page = f.i_mapping.page_tree[0]
    get_page(page)                                # e.g. a read() copying from it right now
    # Simplified: a bare extra reference, so k.check() (which counts the holders it knows) waits until it is put.
    ret = k.sys_migrate_pages(p.pid, [0], [1])
    expect(ret == 1, "sys_migrate_pages to leave the page behind (1 not moved)", repr(ret))
    expect(f.i_mapping.page_tree[0] is page and page.node == 0, "the page where it was", "it moved")
    put_page(page)
    expect(p.read(q, 4) == b"kept", "the data still there", repr(p.read(q, 4)))
    k.check()


@check("migration racing a write to the same page")
def check_racing_writer(make):
    """A writer and the migration take turns at seeded random scheduling points."""
    for seed in range(2):
        rng = random.Random(seed)
        k, f, p, q = ext2_page(make)
        tasks = [k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M"),
                 k.start(p.write, q + 100, b"racing", label="W")]
        drive(k, pick=seeded(rng), after=k.check, what="the migration and the write to finish")
        expect(all(t.done for t in tasks), "the migration and the write to finish",
               ", ".join(f"{t.label} {t.state}" for t in tasks))
        expect(p.read(q, 4) == b"kept" and p.read(q + 100, 6) == b"racing", "both writes kept",
               repr(p.read(q, 106)))


@check("it links as a module (only exported symbols)")
def check_links(make):
    """The answer as a module: every kernel function it calls is exported at this step."""
    k, f, p, q = ext2_page(make)
    migrate(k, p.pid)
    used = vars(k).get(USED, set())
    expect(used, "a migratepage that calls the kernel (it was never called?)", "no kernel call")
    missing = sorted(used - k.EXPORTS)
    expect(not missing, f"only exported symbols (a module links against EXPORT_SYMBOLs at {make.at})",
           lambda: f"it calls {', '.join(missing)}, not exported there: Unknown symbol")


def as_module(fn, name="myfs"):
    """The Module an out-of-tree filesystem with migratepage `fn` is: it needs what `fn` calls.

    Found by behaviour: one ext2 page is migrated at v2.6.16 with `fn` in place
    (under a Guard: an answer that raises or loops is a MigsimError saying so).
    """
    if not inspect.isgeneratorfunction(fn):
        raise MigsimError(f"bad migratepage: {fn!r} (expected a generator function "
                          f"def {getattr(fn, '__name__', 'buffer_migrate_page')}(k, newpage, page))")
    make = Maker("v2.6.16", {"buffer_migrate_page": as_modules_see(fn)})

    def work():
        k, f, p, q = ext2_page(make)
        k.sys_migrate_pages(p.pid, [0], [1])
        return k

    try:
        k = Guard([fn]).run(work)
    except StudentError as e:
        raise MigsimError(f"as_module: {e.text} (answer exercise 01.1 first)") from None
    return Module(name, sorted(vars(k).get(USED, ())), about=f"a filesystem whose migratepage is {fn.__name__}")


FIX_01_1 = ModuleFix(
    "01.1", "reorg", "buffer_migrate_page as a module: built on 2.6.16's exports",
    functions=["buffer_migrate_page"],
    checks=[
        check_clean,
        check_dirty,
        check_no_buffers,
        check_held,
        check_racing_writer,
        check_links,
        workload_check(2), workload_check(20),
    ],
    # Seeds whose walks do not meet bug A (a listfs page dirty in its pte), which lives at v2.6.16.
    hidden=[workload_check(seed) for seed in (14, 24)],
    results={"buffer_migrate_page": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v <= 0,
                                     "0, or a negative error code (-EAGAIN, -EPERM, ...)")})



def unmapped(make, data):
    """One anonymous page written with `data`; migration runs until its pte is a swap entry.

    Returns (kernel, process, address, old page, migration task), the task still running.
    """
    k = make(nodes=2, frames_per_node=16, seed=3)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, data)
    old = k.page(p, a)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    for _ in range(MAX_POINTS):
        if m.done or m.blocked or k.pte(p, a).swap:
            break
        m.step()
    expect(k.pte(p, a).swap and not m.done, "the migration to unmap the page (set up)",
           lambda: f"it {'finished' if m.done else 'stopped'} first")
    return k, p, a, old, m


def unmapped_then_faulted(make):
    """`unmapped`, then the owner's read fault takes a swap-cache reference and waits for the page lock."""
    k, p, a, old, m = unmapped(make, b"moving")
    r = k.start(p.read, a, 6, label="R")
    while not (r.done or r.blocked):
        r.step()
    expect(r.blocked, "the read fault to wait for the page lock (set up)", "it did not")
    return k, p, a, old, m, r


def finish(k, tasks):
    """Run the tasks to the end, the last runnable one first, k.check() after every point."""
    for _ in range(MAX_POINTS):
        runnable = [t for t in tasks if not (t.done or t.blocked)]
        if not runnable:
            break
        runnable[-1].step()                   # a woken fault runs before migration's next pass
        k.check()
    expect(all(t.done for t in tasks), "the migration and the read to finish",
           ", ".join(f"{t.label} {t.state}" for t in tasks))


@check("a fault's passing reference: the page moves on a later pass")
def check_transient_reference_is_retried(make):
    """The owner's swap-in fault holds a reference for a moment: the next pass moves the page."""
    k, p, a, old, m, r = unmapped_then_faulted(make)
    finish(k, [m, r])
    expect(old.node == 0, "the old page on node 0 (set up)", "it was not")
    expect(r.result == b"moving", "the owner to read its data", repr(r.result))
    expect(m.result == 0, "sys_migrate_pages to move the page in a later pass (0 not moved)",
           f"{m.result} not moved: a reference that was gone a moment later made the page stay for good")
    expect(k.page(p, a).node == 1, "the page on node 1", f"it is on node {k.page(p, a).node}")


@check("a reference that stays: the page stays where it is")
def check_lasting_reference_keeps_the_page(make):
    """A reference taken after the unmap that is not given back: the page must not move."""
    k, p, a, old, m = unmapped(make, b"pinned")
    get_page(old)                             # e.g. I/O into the page, started after the unmap
    # Simplified: a bare extra reference, so k.check() (which counts the holders it knows) waits until it is put.
    for _ in range(MAX_POINTS):
        if m.done or m.blocked:
            break
        m.step()
    expect(m.done, "the migration to finish", f"it is {m.state}")
    expect(m.result == 1, "sys_migrate_pages to leave the page behind (1 not moved)", repr(m.result))
    page = k.swapper_space.page_tree.get(k.pte(p, a).swp_entry) if k.pte(p, a).swap else k.page(p, a)
    expect(page is old and old.node == 0, "the page where it was (someone still holds it)",
           "it moved while someone still held a reference to the old page")
    put_page(old)
    expect(p.read(a, 6) == b"pinned", "the data still there", repr(p.read(a, 6)))
    k.check()


@check("a page still mapped after try_to_unmap is still retried on every pass")
def check_still_mapped_is_retried(make):
    """try_to_unmap leaves the pte (as when a fault maps the page again at once): every pass retries."""
    calls = []

    class Stuck(make.cls):
        def try_to_unmap(self, page, ignore_refs):
            calls.append(page.pfn)
            return SWAP_AGAIN                 # still mapped: try again later
            yield

    k = Stuck(at=make.at, nodes=2, frames_per_node=16, seed=3)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"mapped")
    ret = migrate(k, p.pid)
    expect(ret == 1, "sys_migrate_pages to report the page not moved (1)", repr(ret))
    expect(len(calls) == 11, "the page tried on every one of the 11 passes (-EAGAIN)",
           f"{len(calls)} attempt(s): a permanent failure after the first")
    expect(k.page(p, a).node == 0 and p.read(a, 6) == b"mapped", "the page where it was, intact", "it is not")


FIX_01_2 = Fix(
    "01.2", "fixups", "a reference too many under tree_lock means try again, not a permanent failure",
    functions=["migrate_page_remove_references"],
    checks=[
        check_transient_reference_is_retried,
        check_lasting_reference_keeps_the_page,
        check_still_mapped_is_retried,
        ("anonymous pages still move (through swap)", check_anon),
        ("a clean listfs page still moves", check_listfs_clean),
        ("an ext2 page (with buffers) still moves", check_ext2),
        check_held,
        workload_check(2), workload_check(20),
    ],
    hidden=[workload_check(seed) for seed in (14, 24)],
    results={"migrate_page_remove_references": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v <= 1, "0, 1 or a negative error code")})

EXERCISES = (FIX_01_1, FIX_01_2)


# --- 01.3 (predict): where an out-of-tree module stops loading ------------------------------

STEPS_01 = ("v2.6.16", "reorg", "fixups", "unexport-swap-page", "group-functions", "remove-definitions")


def oldfs_stops_01():
    """The first of STEPS_01 at which the module `oldfs` (it needs swap_page and migrate_page) fails to load."""
    for at in STEPS_01:
        if Kernel(at=at, seed=1).sys_init_module(Module("oldfs", ("swap_page", "migrate_page"))) < 0:
            return at
    return None


PREDICT_01_3 = Predict("01.3", "unexport-swap-page", "the first step at which oldfs no longer loads",
                       oldfs_stops_01, choices=STEPS_01)
EXERCISES = EXERCISES + (PREDICT_01_3,)
